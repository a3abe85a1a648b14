package dev.tollgate.budget;

import dev.tollgate.governance.BudgetDuration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One budget as an operator sees it: the same counter admission reads. Immutable.
 *
 * @param entityId the entity's id (for a team member, the team's)
 * @param sub the model of a per-model budget, or the user of a team member budget; else empty
 * @param label how messages name it, e.g. {@code team 'QA' (team_id t-1)}
 * @param windowStart when counting started
 * @param resetAt when the window ends and spend starts again from zero; empty for lifetime
 * @param budgetId the shared budget the limits come from, if any
 * @param reservedNanos held by requests in flight, not yet settled
 */
public record BudgetLine(
    Level level,
    String entityId,
    String sub,
    String label,
    long spendNanos,
    OptionalLong maxBudgetNanos,
    OptionalLong softBudgetNanos,
    Optional<BudgetDuration> duration,
    Instant windowStart,
    Optional<Instant> resetAt,
    long unpricedRequests,
    long unpricedTokens,
    Optional<String> budgetId,
    long reservedNanos) {

  /** Whether this budget blocks requests now: spend ≥ max_budget. */
  public boolean exhausted() {
    return maxBudgetNanos.isPresent() && Enforcer.blocks(spendNanos, maxBudgetNanos.getAsLong());
  }
}
