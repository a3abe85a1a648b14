package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

/**
 * Names one spend counter. Immutable.
 *
 * @param level the budget level
 * @param id the entity's id: key id, user id, team id, organization id, customer id, tag name, or
 *     {@code proxy} for the global budget
 * @param sub the model name for per-model levels, the user id for {@link Level#TEAM_MEMBER}, else
 *     empty
 */
public record CounterKey(Level level, String id, String sub) {
  /** The id of the one global counter. */
  public static final String GLOBAL_ID = "proxy";

  public CounterKey {
    requireNonNull(level, "level");
    requireNonNull(id, "id");
    requireNonNull(sub, "sub");
  }

  public static CounterKey of(Level level, String id) {
    return new CounterKey(level, id, "");
  }
}
