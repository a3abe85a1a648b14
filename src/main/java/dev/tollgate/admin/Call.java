package dev.tollgate.admin;

import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Actor;
import dev.tollgate.governance.Principal;
import io.vertx.core.MultiMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One authenticated management request, detached from Vert.x's routing context so that it can be
 * handled on a worker thread. Immutable, but for {@link #warnings}, which the one thread handling
 * the call fills.
 *
 * @param actor who the audit log says made the changes this call makes
 * @param warnings the LiteLLM fields the body set that Tollgate accepted without acting on them
 */
record Call(
    Principal principal,
    byte[] body,
    MultiMap query,
    Map<String, String> path,
    Actor actor,
    Warnings warnings) {

  Call(Principal principal, byte[] body, MultiMap query, Map<String, String> path, Actor actor) {
    this(principal, body, query, path, actor, new Warnings());
  }

  /**
   * The fields a call was answered without acting on, in the order first seen. Confined to the
   * thread handling the call; the answer is built after it, so it needs no lock.
   */
  static final class Warnings {
    private final Set<String> fields = new LinkedHashSet<>();

    void add(String field) {
      fields.add(field);
    }

    List<String> fields() {
      return List.copyOf(fields);
    }
  }

  /** LiteLLM's header naming the user an admin makes a change on behalf of. */
  static final String CHANGED_BY_HEADER = "LiteLLM-Changed-By";

  /**
   * Who made a call to {@code route}: an admin may attribute it to another user with {@link
   * #CHANGED_BY_HEADER}; anyone else is recorded as the key's user. The key hash is always the
   * caller's.
   */
  static Actor actor(Principal p, String route, @Nullable String changedByHeader) {
    String changedBy =
        p.admin() && changedByHeader != null && !changedByHeader.isBlank()
            ? changedByHeader.strip()
            : p.userId().orElse(Actor.MASTER_USER);
    return new Actor(changedBy, p.keyHash(), route);
  }

  Optional<String> query(String name) {
    String v = query.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  String requiredQuery(String name) {
    return query(name)
        .orElseThrow(
            () -> GatewayException.badRequest(name, "query parameter '" + name + "' is required"));
  }

  /** A positive integer query parameter, or {@code fallback}. */
  int intQuery(String name, int fallback, int max) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.get().trim());
      if (n < 1 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw GatewayException.badRequest(
          name, name + " must be a whole number from 1 to " + max + ", got '" + v.get() + "'");
    }
  }

  boolean boolQuery(String name) {
    return query(name).map(Boolean::parseBoolean).orElse(false);
  }

  String pathParam(String name) {
    @Nullable String v = path.get(name);
    if (v == null || v.isBlank()) {
      throw GatewayException.badRequest(name, "path parameter '" + name + "' is required");
    }
    return v;
  }
}
