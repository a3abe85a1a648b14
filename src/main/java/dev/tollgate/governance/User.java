package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An internal user. Their budget limits personal keys (keys without a team) only. Immutable.
 *
 * @param models models the user's personal keys may use; empty allows every model
 * @param metadata a JSON object, as text
 */
public record User(
    String id,
    Optional<String> email,
    Optional<String> alias,
    UserRole role,
    List<String> models,
    Limits limits,
    String metadata,
    Instant createdAt,
    Instant updatedAt)
    implements Entity {

  public User {
    requireNonNull(id, "id");
    requireNonNull(role, "role");
    models = List.copyOf(models);
  }

  /**
   * A plain internal user without limits, as LiteLLM adds one when a key or membership names a user
   * it does not have.
   */
  public static User plain(String id, Optional<String> email, Instant now) {
    return new User(
        id,
        email,
        Optional.empty(),
        UserRole.INTERNAL_USER,
        List.of(),
        Limits.NONE,
        "{}",
        now,
        now);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.USER;
  }
}
