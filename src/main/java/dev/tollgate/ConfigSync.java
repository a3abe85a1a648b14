package dev.tollgate;

import dev.tollgate.admin.ModelAdmin;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads something stored in the database (the models, or the governance entities) and swaps it
 * in: every interval, and at once when another instance announces a change. Syncs run on a worker
 * thread, one at a time; a trigger that arrives during a sync runs one more sync after it, so no
 * change is missed.
 */
final class ConfigSync {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigSync.class);

  private final Vertx vertx;
  private final String what;
  private final Runnable sync;
  private final long timer;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();

  /** Syncs the models registered through the API. */
  ConfigSync(Vertx vertx, ModelAdmin models, long intervalMillis) {
    this(vertx, "model", models::syncFromStore, intervalMillis);
  }

  /**
   * @param what for log lines, such as "model"
   * @param sync blocking; runs on a worker thread
   */
  ConfigSync(Vertx vertx, String what, Runnable sync, long intervalMillis) {
    this.vertx = vertx;
    this.what = what;
    this.sync = sync;
    this.timer = vertx.setPeriodic(intervalMillis, intervalMillis, id -> trigger());
  }

  /** Asks for a sync; safe from any thread, never blocks. */
  void trigger() {
    if (!running.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              sync.run();
              return null;
            },
            false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "{} sync from the store failed; what was loaded before stays: {}",
                    what,
                    ar.cause().toString());
              }
              running.set(false);
              if (again.getAndSet(false)) {
                trigger();
              }
            });
  }

  void stop() {
    vertx.cancelTimer(timer);
  }
}
