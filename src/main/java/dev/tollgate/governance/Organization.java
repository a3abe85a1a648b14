package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An organization: teams and keys belong to it, and its budget applies to all of them. Immutable.
 *
 * @param metadata a JSON object, as text
 * @param members the users LiteLLM's {@code /organization/member_add} added, each once
 */
public record Organization(
    String id,
    Optional<String> alias,
    List<String> models,
    Limits limits,
    Optional<String> budgetId,
    String metadata,
    Instant createdAt,
    Instant updatedAt,
    List<OrganizationMember> members)
    implements Entity {

  public Organization {
    requireNonNull(id, "id");
    models = List.copyOf(models);
    members = List.copyOf(members);
  }

  /** An organization without members. */
  public Organization(
      String id,
      Optional<String> alias,
      List<String> models,
      Limits limits,
      Optional<String> budgetId,
      String metadata,
      Instant createdAt,
      Instant updatedAt) {
    this(id, alias, models, limits, budgetId, metadata, createdAt, updatedAt, List.of());
  }

  /** The membership of {@code userId}, if a member. */
  public Optional<OrganizationMember> member(String userId) {
    return members.stream().filter(m -> m.userId().equals(userId)).findFirst();
  }

  public Organization withMembers(List<OrganizationMember> newMembers, Instant now) {
    return new Organization(
        id, alias, models, limits, budgetId, metadata, createdAt, now, newMembers);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.ORGANIZATION;
  }
}
