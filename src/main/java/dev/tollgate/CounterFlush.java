package dev.tollgate;

import dev.tollgate.budget.CounterStore;
import dev.tollgate.budget.Enforcer;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the budget counters to the store every few seconds on a worker thread, and once more at
 * shutdown. The spend log is the record of truth; the saved counters let a restart resume the
 * windows without re-reading it.
 */
final class CounterFlush {
  private static final Logger LOG = LoggerFactory.getLogger(CounterFlush.class);
  static final long INTERVAL_MILLIS = 5_000;

  private final Vertx vertx;
  private final Enforcer enforcer;
  private final CounterStore store;
  private final long timer;
  private final boolean shared;

  /**
   * @param shared whether the counters are shared with other instances (Redis): then each tick also
   *     re-reads the store, so that this instance's floors include what the others saved
   */
  CounterFlush(Vertx vertx, Enforcer enforcer, CounterStore store, boolean shared) {
    this.vertx = vertx;
    this.enforcer = enforcer;
    this.store = store;
    this.shared = shared;
    this.timer =
        vertx.setPeriodic(
            INTERVAL_MILLIS,
            id ->
                vertx
                    .executeBlocking(
                        () -> {
                          runOnce();
                          return null;
                        },
                        true)
                    .onFailure(e -> LOG.warn("budget counters not saved: {}", e.toString())));
  }

  /** Saves changed counters, and with shared counters re-reads the store's. Blocks. */
  void runOnce() {
    enforcer.flushTo(store);
    if (shared) {
      enforcer.restore(store.loadCounters());
    }
  }

  boolean shared() {
    return shared;
  }

  /** Stops the timer and saves once more; call after the servers have stopped. */
  void stopAndFlush() {
    vertx.cancelTimer(timer);
    try {
      enforcer.flushTo(store);
    } catch (RuntimeException e) {
      LOG.error("budget counters not saved at shutdown: {}", e.toString());
    }
  }
}
