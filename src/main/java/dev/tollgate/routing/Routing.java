package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * The router's shared state, one per gateway and thread-safe: which deployments are cooling down,
 * and what each strategy learns from the traffic (requests in flight, latency, usage). The request
 * path tells it when an attempt starts and ends, and asks it which deployment of a group to try;
 * the health checks tell it which deployments failed. It reads the registry's snapshots and never
 * changes them.
 */
public final class Routing {
  private final RouterSettings settings;
  private final Cooldowns cooldowns;
  private final Clock clock;

  public Routing(RouterSettings settings, Cooldowns cooldowns, Clock clock) {
    this.settings = requireNonNull(settings, "settings");
    this.cooldowns = requireNonNull(cooldowns, "cooldowns");
    this.clock = requireNonNull(clock, "clock");
  }

  /** No cooldowns and no learning: simple shuffle, for tests and tools. */
  public static Routing simple() {
    return new Routing(RouterSettings.defaults(), Cooldowns.NONE, Clock.systemUTC());
  }

  public RouterSettings settings() {
    return settings;
  }

  public Cooldowns cooldowns() {
    return cooldowns;
  }

  /** The deployment of {@code group} to try first. */
  public Deployment pick(ModelGroup group, RandomGenerator random) {
    return Router.pick(group, random);
  }

  /** An attempt on {@code d} was forwarded upstream. */
  public void started(Deployment d) {}

  /**
   * An attempt on {@code d} that {@link #started} has ended.
   *
   * @param latencyNanos from forwarding to the end of the answer
   * @param firstByteNanos from forwarding to the first streamed byte, or -1 when not streamed
   * @param tokens the tokens it used (input and output), 0 when unknown
   * @param error why it failed, or null when it served
   */
  public void ended(
      Deployment d,
      long latencyNanos,
      long firstByteNanos,
      long tokens,
      @org.jspecify.annotations.Nullable GatewayException error) {
    if (error != null) {
      failed(d, error);
    }
  }

  /** {@code d} failed with {@code error}, on a request or a health check: may cool it down. */
  public void failed(Deployment d, GatewayException error) {
    cooldowns.failed(d, error, clock.millis());
  }

  /** Whether {@code d} is cooling down now. */
  public boolean cooling(Deployment d) {
    return cooldowns.cooling(d.id(), clock.millis());
  }
}
