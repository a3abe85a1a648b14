package dev.tollgate.governance;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The spend limits an entity or a shared budget carries. Immutable. Absent means "no limit of that
 * kind", never zero: a {@code max_budget} of 0 is a budget that blocks everything.
 *
 * @param maxBudgetNanos block when spend reaches this, nano-USD
 * @param softBudgetNanos alert once per window when spend reaches this; never blocks
 * @param duration the window; empty for a lifetime budget
 * @param modelMaxBudget per-model budgets, by model name (group, alias or provider model)
 */
public record Limits(
    OptionalLong maxBudgetNanos,
    OptionalLong softBudgetNanos,
    Optional<BudgetDuration> duration,
    Map<String, ModelBudget> modelMaxBudget) {

  /** No limits at all. */
  public static final Limits NONE =
      new Limits(OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Map.of());

  public Limits {
    if (maxBudgetNanos.isPresent() && maxBudgetNanos.getAsLong() < 0) {
      throw new IllegalArgumentException("max_budget must not be negative");
    }
    if (softBudgetNanos.isPresent() && softBudgetNanos.getAsLong() < 0) {
      throw new IllegalArgumentException("soft_budget must not be negative");
    }
    // Sorted, so that rendering and iteration order are stable.
    modelMaxBudget = java.util.Collections.unmodifiableMap(new TreeMap<>(modelMaxBudget));
  }

  /** Whether any limit is set. */
  public boolean isEmpty() {
    return maxBudgetNanos.isEmpty()
        && softBudgetNanos.isEmpty()
        && duration.isEmpty()
        && modelMaxBudget.isEmpty();
  }

  public Limits withMaxBudget(OptionalLong v) {
    return new Limits(v, softBudgetNanos, duration, modelMaxBudget);
  }

  public Limits withSoftBudget(OptionalLong v) {
    return new Limits(maxBudgetNanos, v, duration, modelMaxBudget);
  }

  public Limits withDuration(Optional<BudgetDuration> v) {
    return new Limits(maxBudgetNanos, softBudgetNanos, v, modelMaxBudget);
  }

  public Limits withModelMaxBudget(Map<String, ModelBudget> v) {
    return new Limits(maxBudgetNanos, softBudgetNanos, duration, v);
  }
}
