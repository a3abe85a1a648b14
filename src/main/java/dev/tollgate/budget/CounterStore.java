package dev.tollgate.budget;

import java.util.List;

/**
 * Where spend counters are persisted so that spend and windows survive a restart. Every method
 * blocks: call from a worker thread.
 */
public interface CounterStore {

  /** Every saved counter; called once, at start, and handed to {@link Enforcer#restore}. */
  List<CounterState> loadCounters();

  /**
   * Saves (upserts by {@link CounterState#key()}) these states in one transaction. A state older
   * than the one saved (an earlier {@code since}, or less spend since the same one), as another
   * instance sharing the counter may have read it, leaves the saved one in place.
   */
  void saveCounters(List<CounterState> states);
}
