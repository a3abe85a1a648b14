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

  CounterFlush(Vertx vertx, Enforcer enforcer, CounterStore store) {
    this.vertx = vertx;
    this.enforcer = enforcer;
    this.store = store;
    this.timer =
        vertx.setPeriodic(
            INTERVAL_MILLIS,
            id ->
                vertx
                    .executeBlocking(
                        () -> {
                          enforcer.flushTo(store);
                          return null;
                        },
                        true)
                    .onFailure(e -> LOG.warn("budget counters not saved: {}", e.toString())));
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
