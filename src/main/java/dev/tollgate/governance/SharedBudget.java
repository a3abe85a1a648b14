package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A named set of limits ({@code /budget/new}) that keys, organizations, customers, tags and team
 * members reference by {@code budget_id}. As in LiteLLM it is a template, not a pool: each
 * referencing entity keeps its own spend and is held to these limits. Immutable.
 */
public record SharedBudget(String id, Limits limits, Instant createdAt, Instant updatedAt)
    implements Entity {

  public SharedBudget {
    requireNonNull(id, "id");
    requireNonNull(limits, "limits");
  }

  @Override
  public EntityKind kind() {
    return EntityKind.BUDGET;
  }
}
