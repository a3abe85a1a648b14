package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A user's membership of a team. Immutable.
 *
 * @param role {@code admin} or {@code user}
 * @param maxBudgetInTeam this member's own max budget in the team, nano-USD; when absent, the
 *     team's {@code team_member_budget} applies
 * @param budgetId a shared budget that applies to this member instead
 * @param budgetDuration the window of this member's budget ({@code budget_duration}); when absent,
 *     the team's {@code team_member_budget_duration}, else the team's {@code budget_duration}
 */
public record TeamMember(
    String userId,
    Role role,
    OptionalLong maxBudgetInTeam,
    Optional<String> budgetId,
    Optional<BudgetDuration> budgetDuration) {

  /** A member's role within the team. */
  public enum Role {
    ADMIN("admin"),
    USER("user");

    private final String wire;

    Role(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Optional<Role> fromWire(String s) {
      for (Role r : values()) {
        if (r.wire.equals(s)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }
  }

  /** A member without a window of their own. */
  public TeamMember(
      String userId, Role role, OptionalLong maxBudgetInTeam, Optional<String> budgetId) {
    this(userId, role, maxBudgetInTeam, budgetId, Optional.empty());
  }

  public TeamMember {
    requireNonNull(userId, "userId");
    requireNonNull(role, "role");
    requireNonNull(budgetDuration, "budgetDuration");
    if (maxBudgetInTeam.isPresent() && maxBudgetInTeam.getAsLong() < 0) {
      throw new IllegalArgumentException("max_budget_in_team must not be negative");
    }
  }
}
