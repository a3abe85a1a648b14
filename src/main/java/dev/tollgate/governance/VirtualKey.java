package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A virtual key. The key itself is never stored: only its SHA-256 ({@code tokenHash}) and a masked
 * form for display ({@code keyName}, such as {@code sk-...f3a9}). Immutable.
 *
 * @param id stable id; spend counters are kept under it, so regenerating the key (which changes the
 *     hash) keeps the spend and windows
 * @param tokenHash SHA-256 of the key, lower-case hex; LiteLLM's {@code token}
 * @param models allowed model names (groups or aliases); empty allows every model
 * @param limits the key's own limits; unused when {@code budgetId} is set
 * @param budgetId a shared budget whose limits apply instead of the key's own
 * @param metadata a JSON object, as text
 * @param tags tags every request with this key carries, for tag budgets
 * @param expires when the key stops working ({@code duration}); empty for never
 */
public record VirtualKey(
    String id,
    String tokenHash,
    String keyName,
    Optional<String> keyAlias,
    List<String> models,
    Limits limits,
    Optional<String> budgetId,
    Optional<String> userId,
    Optional<String> teamId,
    Optional<String> organizationId,
    String metadata,
    List<String> tags,
    Optional<Instant> expires,
    boolean blocked,
    Instant createdAt,
    Instant updatedAt)
    implements Entity {

  public VirtualKey {
    requireNonNull(id, "id");
    requireNonNull(tokenHash, "tokenHash");
    models = List.copyOf(models);
    tags = List.copyOf(tags);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.KEY;
  }

  /** Whether this is a team key (team budgets apply) rather than a personal key. */
  public boolean teamKey() {
    return teamId.isPresent();
  }

  /** The alias, or the masked key when there is none; for messages. */
  public String displayName() {
    return keyAlias.orElse(keyName);
  }

  public VirtualKey withBlocked(boolean value, Instant now) {
    return new VirtualKey(
        id,
        tokenHash,
        keyName,
        keyAlias,
        models,
        limits,
        budgetId,
        userId,
        teamId,
        organizationId,
        metadata,
        tags,
        expires,
        value,
        createdAt,
        now);
  }

  /** The same key under a new secret: the id, and so the spend and windows, stay. */
  public VirtualKey withSecret(String newTokenHash, String newKeyName, Instant now) {
    return new VirtualKey(
        id,
        newTokenHash,
        newKeyName,
        keyAlias,
        models,
        limits,
        budgetId,
        userId,
        teamId,
        organizationId,
        metadata,
        tags,
        expires,
        blocked,
        createdAt,
        now);
  }
}
