package dev.tollgate;

import dev.tollgate.budget.CounterStore;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.store.InstanceRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
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

  /** How long since its last beat another instance still counts as running. */
  static final long ALIVE_MILLIS = 3 * INTERVAL_MILLIS;

  /** How often the warning about unshared counters is logged again while it holds. */
  static final long WARN_EVERY_MILLIS = 60_000;

  private final Vertx vertx;
  private final Enforcer enforcer;
  private final CounterStore store;
  private final InstanceRegistry instances;
  private final java.time.Clock clock;
  private final String instanceId = Long.toHexString(new java.security.SecureRandom().nextLong());
  private final long startedAt;
  private final long timer;
  private final boolean shared;
  private long warnedAt = Long.MIN_VALUE;

  /**
   * @param shared whether the counters are shared with other instances (Redis): then each tick also
   *     re-reads the store, so that this instance's floors include what the others saved
   * @param instances where each tick also records this instance, and learns of the others
   */
  CounterFlush(
      Vertx vertx,
      Enforcer enforcer,
      CounterStore store,
      boolean shared,
      InstanceRegistry instances,
      java.time.Clock clock) {
    this.vertx = vertx;
    this.enforcer = enforcer;
    this.store = store;
    this.shared = shared;
    this.instances = instances;
    this.clock = clock;
    this.startedAt = clock.millis();
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

  /**
   * Saves changed counters, with shared counters re-reads the store's, and records this instance
   * among those using the store. Blocks.
   */
  void runOnce() {
    enforcer.flushTo(store);
    if (shared) {
      enforcer.restore(store.loadCounters());
    }
    checkPeers();
  }

  /**
   * Budgets hold across instances only when their counters are shared (Redis). Instances that use
   * one store but keep their counters in memory each admit up to a whole budget, together a
   * multiple of it: the bug this refuses to keep quiet about. Says so on readiness and in the log
   * (again every minute while it lasts).
   */
  private void checkPeers() {
    long now = clock.millis();
    List<InstanceRegistry.Peer> peers;
    try {
      peers = instances.beat(instanceId, startedAt, now, enforcer.meterMode(), ALIVE_MILLIS);
    } catch (RuntimeException e) {
      LOG.debug("gateway instance not recorded: {}", e.toString());
      return;
    }
    List<InstanceRegistry.Peer> unshared =
        peers.stream().filter(p -> !shared || p.counters().equals("local")).toList();
    if (unshared.isEmpty()) {
      if (enforcer.sharingWarning().isPresent()) {
        LOG.info("every gateway instance on this store now shares its counters");
      }
      enforcer.noteSharing(Optional.empty());
      warnedAt = Long.MIN_VALUE;
      return;
    }
    int n = peers.size() + 1;
    String warning =
        n
            + " gateway instances use this store, and "
            + (shared
                ? unshared.size() + " of the others keep(s) budget counters in memory"
                : "this one keeps its budget counters in memory")
            + " (no Redis): each such instance enforces budgets and rate limits on its own"
            + " counters, so together they can spend up to "
            + n
            + " times a budget. Configure router_settings.redis_host (or REDIS_URL) on every"
            + " instance. Instances seen: "
            + unshared.stream().map(p -> p.id() + " (" + p.counters() + ")").toList();
    enforcer.noteSharing(Optional.of(warning));
    if (warnedAt == Long.MIN_VALUE || now - warnedAt >= WARN_EVERY_MILLIS) {
      LOG.error(warning);
      warnedAt = now;
    }
  }

  boolean shared() {
    return shared;
  }

  /** Stops the timer and saves once more; call after the servers have stopped. */
  void stopAndFlush() {
    vertx.cancelTimer(timer);
    try {
      instances.leave(instanceId);
    } catch (RuntimeException e) {
      LOG.debug("gateway instance not removed: {}", e.toString());
    }
    try {
      enforcer.flushTo(store);
    } catch (RuntimeException e) {
      LOG.error("budget counters not saved at shutdown: {}", e.toString());
    }
  }
}
