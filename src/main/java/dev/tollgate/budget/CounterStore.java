package dev.tollgate.budget;

import java.util.List;

/**
 * Where spend counters are persisted so that spend and windows survive a restart. Every method
 * blocks: call from a worker thread.
 */
public interface CounterStore {

  /**
   * Every saved counter: at start, handed to {@link Enforcer#restore}, and again as fresh floors
   * when shared counters may have lost data.
   */
  List<CounterState> loadCounters();

  /**
   * Saves (upserts by {@link CounterState#key()}) these states in one transaction. A state older
   * than the one saved (an earlier {@code since}, or less spend since the same one), as another
   * instance sharing the counter may have read it, leaves the saved one in place.
   */
  void saveCounters(List<CounterState> states);

  /**
   * Restarts these counters at their {@code since} (a manual reset): each is stored with its window
   * and what the spend log has charged to it since then, which is nothing unless a request settled
   * after the reset has already been written. Returns the stored states, in order.
   */
  List<CounterState> restartCounters(List<CounterState> counters);
}
