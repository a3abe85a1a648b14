package dev.tollgate.budget;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A budget event worth telling an operator about: for now, a soft budget crossed, once per window.
 * Immutable.
 *
 * @param event {@code soft_budget_crossed}
 * @param keyHash the hash of the key whose request crossed it, as LiteLLM's {@code token}
 */
public record BudgetAlert(
    String event,
    Level level,
    String entityId,
    String label,
    long spendNanos,
    OptionalLong softBudgetNanos,
    OptionalLong maxBudgetNanos,
    Optional<Instant> resetAt,
    String keyHash,
    Optional<String> keyAlias,
    Optional<String> userId,
    Optional<String> teamId,
    Optional<String> customerId) {

  /** The {@link #event()} of a soft budget crossed. */
  public static final String SOFT_BUDGET_CROSSED = "soft_budget_crossed";
}
