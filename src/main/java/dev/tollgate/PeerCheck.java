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
 * Records this instance among those using the store every few seconds, on a worker thread, and says
 * so when instances that share the store do not share their budget counters. (The counters
 * themselves need no saving: the store's move with the spend log, in its transactions.)
 */
final class PeerCheck {
  private static final Logger LOG = LoggerFactory.getLogger(PeerCheck.class);
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
   * @param store where the counters are re-read from when they are shared
   * @param shared whether the counters are shared with other instances (Redis)
   * @param instances where each tick records this instance, and learns of the others
   */
  PeerCheck(
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
                    .onFailure(e -> LOG.debug("peer check failed: {}", e.toString())));
  }

  /**
   * With shared counters, re-reads the store's counters as the floors; then records this instance
   * among those using the store, and learns of the others. Blocks.
   *
   * <p>The re-read is what makes Redis's view converge after it lost data: the instances notice the
   * loss at different moments, and a counter raised to one instance's floors (never added to) can
   * miss spend that another had settled but not yet committed then. The store has it; the next
   * re-read raises the counter to it.
   */
  void runOnce() {
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

  /** Stops the timer and removes this instance from those using the store. */
  void stop() {
    vertx.cancelTimer(timer);
    try {
      instances.leave(instanceId);
    } catch (RuntimeException e) {
      LOG.debug("gateway instance not removed: {}", e.toString());
    }
  }
}
