package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One management change for the audit log, before the store gives it an id and a time. Immutable.
 *
 * @param action {@code created}, {@code updated}, {@code deleted} or {@code reset_spend}
 * @param table LiteLLM's table name for the entity, such as {@code LiteLLM_VerificationToken}, so
 *     that a filter written for LiteLLM's audit log works here
 * @param objectId the entity's id (for a key, its stable id, which regeneration keeps)
 * @param before the entity as JSON before the change; empty when it was created
 * @param after the entity as JSON after it; empty when it was deleted
 */
public record AuditEvent(
    Actor actor,
    String action,
    String table,
    String objectId,
    Optional<String> before,
    Optional<String> after) {

  public AuditEvent {
    requireNonNull(actor, "actor");
    requireNonNull(action, "action");
    requireNonNull(table, "table");
    requireNonNull(objectId, "objectId");
    requireNonNull(before, "before");
    requireNonNull(after, "after");
  }

  /** LiteLLM's table name for entities of {@code kind}. */
  public static String table(EntityKind kind) {
    return switch (kind) {
      case KEY -> "LiteLLM_VerificationToken";
      case USER -> "LiteLLM_UserTable";
      case TEAM -> "LiteLLM_TeamTable";
      case ORGANIZATION -> "LiteLLM_OrganizationTable";
      case CUSTOMER -> "LiteLLM_EndUserTable";
      case TAG -> "LiteLLM_TagTable";
      case BUDGET -> "LiteLLM_BudgetTable";
    };
  }

  /** LiteLLM's table name for models created through the API. */
  public static final String MODEL_TABLE = "LiteLLM_ProxyModelTable";
}
