package dev.tollgate.admin;

import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.User;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Small pieces the management handlers share. Stateless. */
final class Mutations {
  private Mutations() {}

  static String newId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Adds a plain internal user for {@code userId} when none exists, as LiteLLM does when a key or
   * team membership names a new user.
   */
  static void ensureUser(
      GovernanceSnapshot s,
      Optional<String> userId,
      Optional<String> email,
      Instant now,
      List<EntityChange> changes) {
    if (userId.isEmpty() || s.users().containsKey(userId.get())) {
      return;
    }
    for (EntityChange c : changes) {
      if (c instanceof EntityChange.Upsert u
          && u.entity() instanceof User x
          && x.id().equals(userId.get())) {
        return;
      }
    }
    changes.add(new EntityChange.Upsert(User.plain(userId.get(), email, now)));
  }

  /** When a key created or updated at {@code now} with {@code duration} expires. */
  static Instant expiry(Instant now, BudgetDuration d) {
    return switch (d.unit()) {
      case SECONDS, MINUTES, HOURS -> now.plusSeconds(d.seconds());
      case DAYS, WEEKS -> now.plusSeconds(d.days() * 86_400);
      case MONTHS -> now.atZone(ZoneOffset.UTC).plusMonths(d.amount()).toInstant();
    };
  }

  static GatewayException exists(String field, String id) {
    return GatewayException.of(
        409,
        "invalid_request_error",
        field,
        "already_exists",
        field + " '" + id + "' already exists; use the update endpoint to change it");
  }

  static GatewayException missing(String field, String id) {
    return GatewayException.notFound(field, field + " '" + id + "' does not exist");
  }
}
