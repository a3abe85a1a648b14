package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An organization: teams and keys belong to it, and its budget applies to all of them. Immutable.
 *
 * @param metadata a JSON object, as text
 */
public record Organization(
    String id,
    Optional<String> alias,
    List<String> models,
    Limits limits,
    Optional<String> budgetId,
    String metadata,
    Instant createdAt,
    Instant updatedAt)
    implements Entity {

  public Organization {
    requireNonNull(id, "id");
    models = List.copyOf(models);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.ORGANIZATION;
  }
}
