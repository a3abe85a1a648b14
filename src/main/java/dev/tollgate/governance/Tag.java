package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A tag with a budget. Requests carry tags in {@code metadata.tags} or {@code x-litellm-tags}, and
 * keys carry their own; each tag that exists here is a budget level. Immutable.
 *
 * @param name the tag, which is also its id
 */
public record Tag(
    String name,
    Optional<String> description,
    List<String> models,
    Limits limits,
    Optional<String> budgetId,
    Instant createdAt,
    Instant updatedAt)
    implements Entity {

  public Tag {
    requireNonNull(name, "name");
    models = List.copyOf(models);
  }

  @Override
  public EntityKind kind() {
    return EntityKind.TAG;
  }

  @Override
  public String id() {
    return name;
  }
}
