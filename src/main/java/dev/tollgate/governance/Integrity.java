package dev.tollgate.governance;

import dev.tollgate.common.GatewayException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that a snapshot about to be swapped in refers only to entities that exist, and that what a
 * mutation deletes is no longer referred to. Runs inside {@link Governance}'s mutation lock, so the
 * check and the swap see the same state. Failures are 404 for a missing id and 400 otherwise, with
 * a message naming the field.
 */
final class Integrity {
  private Integrity() {}

  static void check(GovernanceSnapshot s, List<EntityChange> changes, Set<String> pinnedBudgets) {
    for (EntityChange c : changes) {
      switch (c) {
        case EntityChange.Upsert u -> checkUpsert(s, u.entity());
        case EntityChange.Delete d -> checkDelete(s, d, pinnedBudgets);
      }
    }
  }

  private static void checkUpsert(GovernanceSnapshot s, Entity e) {
    switch (e) {
      case VirtualKey k -> {
        exists(s.teams(), k.teamId(), "team_id", "team");
        exists(s.users(), k.userId(), "user_id", "user");
        exists(s.organizations(), k.organizationId(), "organization_id", "organization");
        exists(s.budgets(), k.budgetId(), "budget_id", "budget");
        notBoth(k.limits(), k.budgetId());
        if (k.keyAlias().isPresent()) {
          for (VirtualKey other : s.keys().values()) {
            if (!other.id().equals(k.id()) && other.keyAlias().equals(k.keyAlias())) {
              throw GatewayException.of(
                  409,
                  "invalid_request_error",
                  "key_alias",
                  "key_alias_exists",
                  "key_alias '" + k.keyAlias().get() + "' is already used by another key");
            }
          }
        }
      }
      case Team t -> {
        exists(s.organizations(), t.organizationId(), "organization_id", "organization");
        for (TeamMember m : t.members()) {
          exists(s.users(), Optional.of(m.userId()), "user_id", "user");
          exists(s.budgets(), m.budgetId(), "budget_id", "budget");
          noModelBudgets(s, Limits.NONE, m.budgetId(), "team member");
        }
      }
      case Organization o -> {
        exists(s.budgets(), o.budgetId(), "budget_id", "budget");
        notBoth(o.limits(), o.budgetId());
        noModelBudgets(s, o.limits(), o.budgetId(), "organization");
      }
      case Customer c -> {
        exists(s.budgets(), c.budgetId(), "budget_id", "budget");
        notBoth(c.limits(), c.budgetId());
      }
      case Tag t -> {
        exists(s.budgets(), t.budgetId(), "budget_id", "budget");
        notBoth(t.limits(), t.budgetId());
        noModelBudgets(s, t.limits(), t.budgetId(), "tag");
      }
      case User u -> {}
      case SharedBudget b -> {
        if (!b.limits().modelMaxBudget().isEmpty()) {
          Optional<String> ref = Optional.of(b.id());
          boolean used =
              s.organizations().values().stream().anyMatch(o -> o.budgetId().equals(ref))
                  || s.tags().values().stream().anyMatch(t -> t.budgetId().equals(ref))
                  || s.teams().values().stream()
                      .flatMap(t -> t.members().stream())
                      .anyMatch(m -> m.budgetId().equals(ref));
          if (used) {
            throw GatewayException.badRequest(
                "model_max_budget",
                "budget '"
                    + b.id()
                    + "' is used by an organization, tag or team member, where model_max_budget"
                    + " does not apply; per-model budgets apply to keys, users and customers");
          }
        }
      }
    }
  }

  private static void checkDelete(
      GovernanceSnapshot s, EntityChange.Delete d, Set<String> pinnedBudgets) {
    String id = d.id();
    List<String> users = new ArrayList<>();
    switch (d.kind()) {
      case USER -> {
        s.keys().values().stream()
            .filter(k -> k.userId().equals(Optional.of(id)))
            .forEach(k -> users.add("key " + k.displayName()));
        s.teams().values().stream()
            .filter(t -> t.member(id).isPresent())
            .forEach(t -> users.add("team " + t.id()));
        s.organizations().values().stream()
            .filter(o -> o.member(id).isPresent())
            .forEach(o -> users.add("organization " + o.id()));
      }
      case TEAM ->
          s.keys().values().stream()
              .filter(k -> k.teamId().equals(Optional.of(id)))
              .forEach(k -> users.add("key " + k.displayName()));
      case ORGANIZATION -> {
        s.teams().values().stream()
            .filter(t -> t.organizationId().equals(Optional.of(id)))
            .forEach(t -> users.add("team " + t.id()));
        s.keys().values().stream()
            .filter(k -> k.organizationId().equals(Optional.of(id)))
            .forEach(k -> users.add("key " + k.displayName()));
      }
      case BUDGET -> {
        Optional<String> ref = Optional.of(id);
        if (pinnedBudgets.contains(id)) {
          users.add("litellm_settings.max_end_user_budget_id");
        }
        s.keys().values().stream()
            .filter(k -> k.budgetId().equals(ref))
            .forEach(k -> users.add("key " + k.displayName()));
        s.organizations().values().stream()
            .filter(o -> o.budgetId().equals(ref))
            .forEach(o -> users.add("organization " + o.id()));
        s.customers().values().stream()
            .filter(c -> c.budgetId().equals(ref))
            .forEach(c -> users.add("customer " + c.id()));
        s.tags().values().stream()
            .filter(t -> t.budgetId().equals(ref))
            .forEach(t -> users.add("tag " + t.name()));
        for (Team t : s.teams().values()) {
          for (TeamMember m : t.members()) {
            if (m.budgetId().equals(ref)) {
              users.add("member " + m.userId() + " of team " + t.id());
            }
          }
        }
      }
      case KEY, CUSTOMER, TAG -> {}
    }
    if (!users.isEmpty()) {
      throw GatewayException.badRequest(
          d.kind().idField(),
          d.kind().label()
              + " '"
              + id
              + "' is still used by "
              + String.join(", ", users.subList(0, Math.min(users.size(), 10)))
              + (users.size() > 10 ? " and " + (users.size() - 10) + " more" : "")
              + "; change or delete those first");
    }
  }

  private static void exists(Map<String, ?> map, Optional<String> id, String field, String label) {
    if (id.isPresent() && !map.containsKey(id.get())) {
      throw GatewayException.notFound(
          field, field + " '" + id.get() + "' does not exist; create the " + label + " first");
    }
  }

  /**
   * Per-model budgets exist for keys, users and customers only; elsewhere they would be ignored.
   */
  private static void noModelBudgets(
      GovernanceSnapshot s, Limits own, Optional<String> budgetId, String what) {
    Limits l = s.limitsOf(own, budgetId);
    if (!l.modelMaxBudget().isEmpty()) {
      throw GatewayException.badRequest(
          budgetId.isPresent() ? "budget_id" : "model_max_budget",
          "model_max_budget does not apply to a "
              + what
              + " (only to keys, users and customers)"
              + budgetId.map(b -> "; budget '" + b + "' has one").orElse(""));
    }
  }

  private static void notBoth(Limits own, Optional<String> budgetId) {
    if (budgetId.isPresent() && !own.isEmpty()) {
      throw GatewayException.badRequest(
          "budget_id",
          "set either budget_id or the entity's own spend limits (max_budget, soft_budget,"
              + " budget_duration, model_max_budget), not both: the shared budget's spend limits"
              + " replace the entity's own. Rate limits (rpm_limit, tpm_limit,"
              + " max_parallel_requests, model_rpm_limit, model_tpm_limit) may be set beside"
              + " budget_id, and override the shared budget's");
    }
  }
}
