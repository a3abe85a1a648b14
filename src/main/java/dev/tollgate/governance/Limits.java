package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The spend limits and rate limits an entity or a shared budget carries. Immutable. Absent means
 * "no limit of that kind", never zero: a {@code max_budget} of 0 is a budget that blocks
 * everything.
 *
 * @param maxBudgetNanos block when spend reaches this, nano-USD
 * @param softBudgetNanos alert once per window when spend reaches this; never blocks
 * @param duration the window; empty for a lifetime budget
 * @param modelMaxBudget per-model budgets, by model name (group, alias or provider model)
 * @param rate requests and tokens per minute, and requests in flight
 */
public record Limits(
    OptionalLong maxBudgetNanos,
    OptionalLong softBudgetNanos,
    Optional<BudgetDuration> duration,
    Map<String, ModelBudget> modelMaxBudget,
    RateLimits rate) {

  /** No limits at all. */
  public static final Limits NONE =
      new Limits(OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Map.of());

  /** Spend limits without rate limits. */
  public Limits(
      OptionalLong maxBudgetNanos,
      OptionalLong softBudgetNanos,
      Optional<BudgetDuration> duration,
      Map<String, ModelBudget> modelMaxBudget) {
    this(maxBudgetNanos, softBudgetNanos, duration, modelMaxBudget, RateLimits.NONE);
  }

  public Limits {
    requireNonNull(rate, "rate");
    if (maxBudgetNanos.isPresent() && maxBudgetNanos.getAsLong() < 0) {
      throw new IllegalArgumentException("max_budget must not be negative");
    }
    if (softBudgetNanos.isPresent() && softBudgetNanos.getAsLong() < 0) {
      throw new IllegalArgumentException("soft_budget must not be negative");
    }
    // Sorted, so that rendering and iteration order are stable.
    modelMaxBudget = java.util.Collections.unmodifiableMap(new TreeMap<>(modelMaxBudget));
  }

  /**
   * Whether no spend limit is set; rate limits are not asked about (see {@link RateLimits#isEmpty}
   * and {@link #isUnset}). Budget code relies on this meaning: an entity with only rate limits has
   * no budget of its own.
   */
  public boolean isEmpty() {
    return maxBudgetNanos.isEmpty()
        && softBudgetNanos.isEmpty()
        && duration.isEmpty()
        && modelMaxBudget.isEmpty();
  }

  /** Whether no limit of any kind, spend or rate, is set. */
  public boolean isUnset() {
    return isEmpty() && rate.isEmpty();
  }

  public Limits withMaxBudget(OptionalLong v) {
    return new Limits(v, softBudgetNanos, duration, modelMaxBudget, rate);
  }

  public Limits withSoftBudget(OptionalLong v) {
    return new Limits(maxBudgetNanos, v, duration, modelMaxBudget, rate);
  }

  public Limits withDuration(Optional<BudgetDuration> v) {
    return new Limits(maxBudgetNanos, softBudgetNanos, v, modelMaxBudget, rate);
  }

  public Limits withModelMaxBudget(Map<String, ModelBudget> v) {
    return new Limits(maxBudgetNanos, softBudgetNanos, duration, v, rate);
  }

  public Limits withRate(RateLimits v) {
    return new Limits(maxBudgetNanos, softBudgetNanos, duration, modelMaxBudget, v);
  }
}
