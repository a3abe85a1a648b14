package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

/**
 * Who made a management change, for the audit log. Immutable.
 *
 * @param changedBy the user the change is attributed to: an admin's {@code LiteLLM-Changed-By}
 *     header, else the caller's user id, else {@code default_user_id} (LiteLLM's name for the
 *     master key's user)
 * @param apiKeyHash SHA-256 of the key that made the call, hex; never the key itself
 * @param route the management route, as {@code "POST /key/generate"}
 */
public record Actor(String changedBy, String apiKeyHash, String route) {
  /** The user LiteLLM records for the master key, which has none. */
  public static final String MASTER_USER = "default_user_id";

  public Actor {
    requireNonNull(changedBy, "changedBy");
    requireNonNull(apiKeyHash, "apiKeyHash");
    requireNonNull(route, "route");
  }
}
