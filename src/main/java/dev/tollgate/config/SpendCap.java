package dev.tollgate.config;

import static java.util.Objects.requireNonNull;

import dev.tollgate.governance.BudgetDuration;
import java.util.Optional;

/**
 * A max budget with its window, as the router's budgets have it: a deployment's {@code
 * litellm_params.max_budget} and {@code budget_duration}, or a provider's {@code budget_limit} and
 * {@code time_period} in {@code router_settings.provider_budget_config}. Immutable.
 *
 * @param maxBudgetNanos spend at which it is used up, nano-USD
 * @param duration its window; empty for a lifetime budget
 */
public record SpendCap(long maxBudgetNanos, Optional<BudgetDuration> duration) {
  public SpendCap {
    requireNonNull(duration, "duration");
    if (maxBudgetNanos < 0) {
      throw new IllegalArgumentException("a max budget must not be negative");
    }
  }
}
