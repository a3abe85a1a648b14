package dev.tollgate.governance;

import java.util.Optional;

/**
 * One entry of a {@code model_max_budget}: LiteLLM's {@code {"budget_limit": 1.5, "time_period":
 * "1d"}}. Immutable.
 *
 * @param budgetLimitNanos the max budget for that model, nano-USD
 * @param timePeriod its window; empty for a lifetime budget
 */
public record ModelBudget(long budgetLimitNanos, Optional<BudgetDuration> timePeriod) {
  public ModelBudget {
    if (budgetLimitNanos < 0) {
      throw new IllegalArgumentException("budget_limit must not be negative");
    }
  }
}
