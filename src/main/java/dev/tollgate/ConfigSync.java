package dev.tollgate;

import dev.tollgate.admin.ModelAdmin;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the models stored in the database and rebuilds the registry: every interval, and at once
 * when another instance announces a change. Syncs run on a worker thread, one at a time; a trigger
 * that arrives during a sync runs one more sync after it, so no change is missed.
 */
final class ConfigSync {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigSync.class);

  private final Vertx vertx;
  private final ModelAdmin models;
  private final long timer;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();

  ConfigSync(Vertx vertx, ModelAdmin models, long intervalMillis) {
    this.vertx = vertx;
    this.models = models;
    this.timer = vertx.setPeriodic(intervalMillis, intervalMillis, id -> trigger());
  }

  /** Asks for a sync; safe from any thread. */
  void trigger() {
    if (!running.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    vertx
        .executeBlocking(models::syncFromStore, false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "model sync from the store failed; the current models stay: {}",
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
