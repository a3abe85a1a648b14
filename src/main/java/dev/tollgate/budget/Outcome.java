package dev.tollgate.budget;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Usage;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * How a request ended, as billing sees it: the one place that decides what a request cost and
 * whether its budgets are charged. The request path classifies the end with {@link #of}; an {@link
 * Unreported} end is estimated ({@code proxy.UsageEstimator}) into an {@link Estimated} one before
 * it is recorded. Immutable.
 */
public sealed interface Outcome {
  /** Refused before it went upstream: nothing was used. */
  record NotForwarded() implements Outcome {}

  /** Went upstream, but the upstream refused it or never received it: nothing was used. */
  record Refused() implements Outcome {}

  /** The provider reported what it used. */
  record Reported(Usage usage) implements Outcome {}

  /** Tokens were (or may have been) used, but the provider reported none: to be estimated. */
  record Unreported() implements Outcome {}

  /** An {@link Unreported} end, with the usage counted from the request and what was relayed. */
  record Estimated(Usage usage) implements Outcome {}

  /**
   * Classifies how a request ended.
   *
   * @param forwarded whether it was sent upstream
   * @param usage what the provider reported, if anything
   * @param error how it failed, if it did
   * @param streamBegun whether a stream's response head went to the client, after which content may
   *     have been relayed
   */
  static Outcome of(
      boolean forwarded,
      Optional<Usage> usage,
      @Nullable GatewayException error,
      boolean streamBegun) {
    if (!forwarded) {
      return new NotForwarded();
    }
    if (usage.isPresent()) {
      return new Reported(usage.get());
    }
    // Answered without usage, a stream that began, or a prompt the upstream had when the call
    // timed out (504) or lost its client (499): the upstream may have generated and billed.
    if (error == null || streamBegun || error.status() == 504 || error.status() == 499) {
      return new Unreported();
    }
    return new Refused();
  }

  /** The usage to record; none for an end that used nothing. */
  default Usage usage() {
    return switch (this) {
      case Reported r -> r.usage();
      case Estimated e -> e.usage();
      case NotForwarded n -> Usage.NONE;
      case Refused r -> Usage.NONE;
      case Unreported u -> throw new IllegalStateException("estimate an unreported end first");
    };
  }

  /** Where the recorded usage comes from. */
  default UsageSource source() {
    return switch (this) {
      case Reported r -> UsageSource.PROVIDER;
      case Estimated e -> UsageSource.ESTIMATED;
      case NotForwarded n -> UsageSource.NONE;
      case Refused r -> UsageSource.NONE;
      case Unreported u -> throw new IllegalStateException("estimate an unreported end first");
    };
  }

  /**
   * What it cost at {@code price}: exact from the usage, 0 when nothing was used, and empty only
   * when the price is unknown (never a stand-in zero).
   */
  default OptionalLong cost(Price price) {
    if (price instanceof Price.Unknown) {
      return OptionalLong.empty();
    }
    Usage u = usage();
    return source() == UsageSource.NONE ? OptionalLong.of(0) : CostCalculator.costNanos(price, u);
  }

  /**
   * Whether a finished request's spend is charged to its budgets (its reservation is always
   * released): unless its deployment is free or it cost exactly nothing. A request of unknown price
   * is charged as unpriced (a request and its tokens) when anything was used, reported or
   * estimated; one that used nothing is not. The gateway's own requests (health checks) are never
   * charged: they were admitted under no budget, and their cost stays in the spend log.
   */
  static boolean charged(SpendRecord r) {
    if (r.system()) {
      return false;
    }
    if (r.priceState().equals(Price.FREE.state())) {
      return false;
    }
    OptionalLong cost = r.costNanos();
    if (cost.isPresent()) {
      return cost.getAsLong() != 0;
    }
    return r.usageSource() != UsageSource.NONE;
  }
}
