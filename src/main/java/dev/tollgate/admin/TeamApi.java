package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.VirtualKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** {@code /team/*}: teams and their members' budgets. */
final class TeamApi {
  /** The rate-limit fields of a team; the member ones apply to each member within the team. */
  private static final Set<String> RATE_FIELDS =
      KeyApi.plus(Body.ENTITY_RATE_FIELDS, "team_member_rpm_limit", "team_member_tpm_limit");

  private static final Set<String> UPDATE_FIELDS =
      KeyApi.plus(
          RATE_FIELDS,
          "team_id",
          "team_alias",
          "organization_id",
          "models",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "metadata",
          "blocked",
          "team_member_budget",
          "team_member_budget_duration",
          "team_member_permissions",
          "spend");

  private static final Set<String> NEW_FIELDS =
      KeyApi.plus(
          KeyApi.plus(
              RATE_FIELDS,
              "team_id",
              "team_alias",
              "organization_id",
              "models",
              "max_budget",
              "soft_budget",
              "budget_duration",
              "metadata",
              "blocked",
              "team_member_budget",
              "team_member_budget_duration",
              "team_member_permissions"),
          "members_with_roles");

  private final Governance governance;
  private final Enforcer enforcer;
  private final SpendResets resets;
  private final Clock clock;

  TeamApi(Governance governance, Enforcer enforcer, Clock clock, SpendResets resets) {
    this.resets = resets;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
  }

  /** {@code POST /team/new}; members named in {@code members_with_roles} become users if new. */
  JsonNode create(Call c) {
    Body b = Body.parse(c, Fields.of(NEW_FIELDS, Fields.LITELLM_TEAM_NEW));
    Instant now = clock.instant();
    String id = b.string("team_id").orElseGet(Mutations::newId);
    List<NewMember> members = new ArrayList<>();
    b.raw("members_with_roles").ifPresent(n -> members.addAll(members(n, "members_with_roles")));
    List<TeamMember> list = new ArrayList<>();
    for (NewMember m : members) {
      if (list.stream().anyMatch(x -> x.userId().equals(m.member().userId()))) {
        throw GatewayException.badRequest(
            "members_with_roles", "user_id '" + m.member().userId() + "' is listed twice");
      }
      list.add(m.member());
    }
    Team blank =
        new Team(
            id,
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Limits.NONE,
            OptionalLong.empty(),
            Optional.empty(),
            list,
            "{}",
            false,
            now,
            now);
    Team t = apply(b, blank, now);
    governance.mutate(
        c.actor(),
        s -> {
          if (s.teams().containsKey(id)) {
            throw Mutations.exists("team_id", id);
          }
          List<EntityChange> changes = new ArrayList<>();
          for (NewMember m : members) {
            Mutations.ensureUser(s, Optional.of(m.member().userId()), m.email(), now, changes);
          }
          changes.add(new EntityChange.Upsert(t));
          return new Governance.Mutation<>(changes, t);
        });
    return Views.team(t, enforcer);
  }

  /** {@code POST /team/update}; members change through the member endpoints. */
  JsonNode update(Call c) {
    Body b = Body.parse(c, Fields.of(UPDATE_FIELDS, Fields.LITELLM_TEAM_UPDATE));
    String id = b.requiredString("team_id");
    boolean reset = b.resetSpend();
    Instant now = clock.instant();
    Team t =
        governance.mutate(
            c.actor(),
            s -> {
              Team next = apply(b, find(s, id), now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
            });
    if (reset) {
      resets.reset(c, Level.TEAM, EntityKind.TEAM, id);
    }
    return Views.team(t, enforcer);
  }

  /**
   * {@code POST /team/block} and {@code /team/unblock} with {@code team_id}: the change {@code
   * /team/update} makes with {@code "blocked": true} or {@code false}. A blocked team's keys are
   * refused.
   */
  JsonNode block(Call c, boolean blocked) {
    Body b = Body.parse(c.body(), Set.of("team_id"));
    String id = b.requiredString("team_id");
    ObjectNode change = JsonNodeFactory.instance.objectNode().put("blocked", blocked);
    return Views.team(change(c, id, cur -> change), enforcer);
  }

  /**
   * {@code POST /team/model/add} with {@code team_id} and {@code models}: the team's models with
   * these added, as {@code /team/update} would set them. As in LiteLLM, a team with no models (all
   * models) is then limited to the ones added.
   */
  JsonNode modelAdd(Call c) {
    Body b = Body.parse(c.body(), Set.of("team_id", "models"));
    String id = b.requiredString("team_id");
    List<String> add = requiredModels(b);
    return Views.team(
        change(
            c,
            id,
            cur -> {
              java.util.LinkedHashSet<String> models = new java.util.LinkedHashSet<>(cur.models());
              models.addAll(add);
              return modelsChange(models);
            }),
        enforcer);
  }

  /**
   * {@code POST /team/model/delete} with {@code team_id} and {@code models}. Removing the team's
   * last model is refused: a team without models may use every model, so it would widen access;
   * send {@code "models": []} to {@code /team/update} if that is meant.
   */
  JsonNode modelDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("team_id", "models"));
    String id = b.requiredString("team_id");
    List<String> remove = requiredModels(b);
    return Views.team(
        change(
            c,
            id,
            cur -> {
              for (String m : remove) {
                if (!cur.models().contains(m)) {
                  throw GatewayException.badRequest(
                      "models",
                      "team '"
                          + id
                          + "' does not list model '"
                          + m
                          + "'; it lists "
                          + cur.models());
                }
              }
              List<String> left = cur.models().stream().filter(m -> !remove.contains(m)).toList();
              if (left.isEmpty()) {
                throw GatewayException.badRequest(
                    "models",
                    "removing every model of team '"
                        + id
                        + "' would let it use all models; to mean that, send \"models\": [] to"
                        + " /team/update");
              }
              return modelsChange(left);
            }),
        enforcer);
  }

  private static List<String> requiredModels(Body b) {
    return b.strings("models")
        .filter(l -> !l.isEmpty())
        .orElseThrow(
            () -> GatewayException.badRequest("models", "models must list at least one model"));
  }

  private static ObjectNode modelsChange(java.util.Collection<String> models) {
    ObjectNode change = JsonNodeFactory.instance.objectNode();
    ArrayNode a = change.putArray("models");
    models.forEach(a::add);
    return change;
  }

  /**
   * Applies the {@code /team/update} body that {@code change} makes from the current team, in one
   * mutation: the same rules and audit as {@code /team/update}.
   */
  private Team change(Call c, String id, java.util.function.Function<Team, ObjectNode> change) {
    Instant now = clock.instant();
    return governance.mutate(
        c.actor(),
        s -> {
          Team cur = find(s, id);
          Team next = apply(Body.of(change.apply(cur)), cur, now);
          return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
        });
  }

  /** {@code GET /team/info?team_id=}: the team, its budget, keys and memberships. */
  JsonNode info(Call c) {
    String id = c.requiredQuery("team_id");
    GovernanceSnapshot s = governance.snapshot();
    Team t = readable(c, s, id);
    Principal p = c.principal();
    // An ordinary member sees the team and its own keys; the team's admins and proxy admins, all.
    boolean allKeys = Permissions.readsAll(p) || Permissions.administers(p, s, id);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("team_id", id);
    ObjectNode info = Views.team(t, enforcer);
    info.set("budgets", Views.lines(enforcer.entityBudgets(Level.TEAM, id)));
    out.set("team_info", info);
    ArrayNode keys = out.putArray("keys");
    s.keys().values().stream()
        .filter(k -> k.teamId().equals(Optional.of(id)))
        .filter(k -> allKeys || ownKey(p, k))
        .forEach(k -> keys.add(Views.key(k, enforcer)));
    ArrayNode ms = out.putArray("team_memberships");
    t.members().forEach(m -> ms.add(Views.membership(t, m, enforcer)));
    return out;
  }

  /** {@code POST /team/delete} with {@code team_ids}: the teams and their keys, all or nothing. */
  JsonNode delete(Call c) {
    Body b = Body.parse(c.body(), Set.of("team_ids"));
    List<String> ids = b.strings("team_ids").orElse(List.of());
    if (ids.isEmpty()) {
      throw GatewayException.badRequest("team_ids", "team_ids must list at least one team");
    }
    List<VirtualKey> keys =
        governance.mutate(
            c.actor(),
            s -> {
              List<EntityChange> changes = new ArrayList<>();
              List<VirtualKey> dropped = new ArrayList<>();
              for (String id : ids) {
                find(s, id);
                for (VirtualKey k : s.keys().values()) {
                  if (k.teamId().equals(Optional.of(id))) {
                    changes.add(new EntityChange.Delete(k.kind(), k.id()));
                    dropped.add(k);
                  }
                }
              }
              for (String id : ids) {
                changes.add(new EntityChange.Delete(dev.tollgate.governance.EntityKind.TEAM, id));
              }
              return new Governance.Mutation<>(changes, dropped);
            });
    keys.forEach(k -> enforcer.reset(Level.KEY, k.id()));
    for (String id : ids) {
      enforcer.reset(Level.TEAM, id);
      enforcer.resetTeamMembers(id);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode a = out.putArray("deleted_teams");
    ids.forEach(a::add);
    out.put("deleted_keys", keys.size());
    return out;
  }

  /** {@code GET /team/list}, optionally by {@code organization_id} or member {@code user_id}. */
  JsonNode list(Call c) {
    Optional<String> org = c.query("organization_id");
    Optional<String> user = c.query("user_id");
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    governance.snapshot().teams().values().stream()
        .filter(t -> org.isEmpty() || t.organizationId().equals(org))
        .filter(t -> user.isEmpty() || t.member(user.get()).isPresent())
        .forEach(t -> out.add(Views.team(t, enforcer)));
    return out;
  }

  /**
   * {@code POST /team/member_add} with {@code team_id}, {@code member} (one or a list of {@code
   * {role, user_id, user_email}}) and an optional {@code max_budget_in_team} for all of them.
   */
  JsonNode memberAdd(Call c) {
    Body b =
        Body.parse(
            c,
            Fields.of(
                Set.of("team_id", "member", "max_budget_in_team"), Fields.LITELLM_TEAM_MEMBER_ADD));
    String id = b.requiredString("team_id");
    JsonNode raw =
        b.raw("member")
            .orElseThrow(() -> GatewayException.badRequest("member", "member is required"));
    List<NewMember> added = members(raw, "member");
    OptionalLong budget = b.usd("max_budget_in_team");
    Instant now = clock.instant();
    Team t =
        governance.mutate(
            c.actor(),
            s -> {
              Permissions.checkTeamAdmin(c.principal(), s, id);
              Team cur = find(s, id);
              withinTeam(
                  c.principal(),
                  cur,
                  budget,
                  added.stream().anyMatch(m -> m.member().budgetId().isPresent()));
              List<TeamMember> list = new ArrayList<>(cur.members());
              List<EntityChange> changes = new ArrayList<>();
              for (NewMember m : added) {
                String user = m.member().userId();
                if (list.stream().anyMatch(x -> x.userId().equals(user))) {
                  throw GatewayException.badRequest(
                      "member", "user_id '" + user + "' is already a member of team '" + id + "'");
                }
                list.add(new TeamMember(user, m.member().role(), budget, m.member().budgetId()));
                Mutations.ensureUser(s, Optional.of(user), m.email(), now, changes);
              }
              Team next = cur.withMembers(list, now);
              changes.add(new EntityChange.Upsert(next));
              return new Governance.Mutation<>(changes, next);
            });
    return Views.team(t, enforcer);
  }

  /**
   * {@code POST /team/member_update} with {@code team_id}, {@code user_id} and any of {@code role},
   * {@code max_budget_in_team}, {@code budget_duration} (the window of the member's budget), {@code
   * budget_id}.
   */
  JsonNode memberUpdate(Call c) {
    Body b =
        Body.parse(
            c,
            Fields.of(
                Set.of(
                    "team_id",
                    "user_id",
                    "role",
                    "max_budget_in_team",
                    "budget_duration",
                    "budget_id"),
                Fields.LITELLM_TEAM_MEMBER_UPDATE));
    String id = b.requiredString("team_id");
    String user = b.requiredString("user_id");
    Optional<TeamMember.Role> role = b.string("role").map(TeamApi::role);
    Instant now = clock.instant();
    Team t =
        governance.mutate(
            c.actor(),
            s -> {
              Permissions.checkTeamAdmin(c.principal(), s, id);
              Team cur = find(s, id);
              TeamMember m = cur.member(user).orElseThrow(() -> notMember(user, id));
              OptionalLong max =
                  b.has("max_budget_in_team") ? b.usd("max_budget_in_team") : m.maxBudgetInTeam();
              Optional<String> budgetId = b.has("budget_id") ? b.string("budget_id") : m.budgetId();
              if (b.hasValue("budget_id") && !b.has("max_budget_in_team")) {
                max = OptionalLong.empty();
              }
              if (b.hasValue("max_budget_in_team") && !b.has("budget_id")) {
                budgetId = Optional.empty();
              }
              if (max.isPresent() && budgetId.isPresent()) {
                throw GatewayException.badRequest(
                    "budget_id", "set either budget_id or max_budget_in_team, not both");
              }
              Optional<BudgetDuration> duration =
                  b.has("budget_duration") ? b.duration("budget_duration") : m.budgetDuration();
              if (b.hasValue("budget_id") && !b.has("budget_duration")) {
                duration = Optional.empty();
              }
              if (duration.isPresent() && budgetId.isPresent()) {
                throw GatewayException.badRequest(
                    "budget_duration",
                    "a member on shared budget '"
                        + budgetId.get()
                        + "' takes its budget_duration from it; set max_budget_in_team with"
                        + " budget_duration, or change the shared budget with /budget/update");
              }
              withinTeam(c.principal(), cur, max, b.hasValue("budget_id"));
              TeamMember next =
                  new TeamMember(user, role.orElse(m.role()), max, budgetId, duration);
              List<TeamMember> list = new ArrayList<>();
              for (TeamMember x : cur.members()) {
                list.add(x.userId().equals(user) ? next : x);
              }
              Team updated = cur.withMembers(list, now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(updated)), updated);
            });
    return Views.membership(t, t.member(user).orElseThrow(), enforcer);
  }

  /** {@code POST /team/member_delete} with {@code team_id} and {@code user_id}. */
  JsonNode memberDelete(Call c) {
    Body b =
        Body.parse(c, Fields.of(Set.of("team_id", "user_id"), Fields.LITELLM_TEAM_MEMBER_DELETE));
    String id = b.requiredString("team_id");
    String user = b.requiredString("user_id");
    Instant now = clock.instant();
    Team t =
        governance.mutate(
            c.actor(),
            s -> {
              Permissions.checkTeamAdmin(c.principal(), s, id);
              Team cur = find(s, id);
              if (cur.member(user).isEmpty()) {
                throw notMember(user, id);
              }
              List<TeamMember> list =
                  cur.members().stream().filter(m -> !m.userId().equals(user)).toList();
              Team next = cur.withMembers(list, now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
            });
    enforcer.resetMember(id, user);
    return Views.team(t, enforcer);
  }

  private Team apply(Body b, Team cur, Instant now) {
    return new Team(
        cur.id(),
        b.has("team_alias") ? b.string("team_alias") : cur.alias(),
        b.has("organization_id") ? b.string("organization_id") : cur.organizationId(),
        b.has("models") ? b.strings("models").orElse(List.of()) : cur.models(),
        b.limits(cur.limits()),
        b.has("team_member_budget") ? b.usd("team_member_budget") : cur.teamMemberBudgetNanos(),
        b.has("team_member_budget_duration")
            ? b.duration("team_member_budget_duration")
            : cur.teamMemberBudgetDuration(),
        b.has("team_member_rpm_limit")
            ? b.count("team_member_rpm_limit")
            : cur.teamMemberRpmLimit(),
        b.has("team_member_tpm_limit")
            ? b.count("team_member_tpm_limit")
            : cur.teamMemberTpmLimit(),
        cur.members(),
        b.has("metadata") ? b.object("metadata").orElse("{}") : cur.metadata(),
        b.has("blocked") ? b.bool("blocked").orElse(false) : cur.blocked(),
        cur.createdAt(),
        now,
        b.has("team_member_permissions")
            ? b.strings("team_member_permissions").map(TeamApi::memberPermissions)
            : cur.memberPermissions());
  }

  /** Refuses a {@code team_member_permissions} entry that is not one of LiteLLM's key routes. */
  private static List<String> memberPermissions(List<String> routes) {
    for (String r : routes) {
      if (!Permissions.TEAM_MEMBER_ROUTES.contains(r)) {
        throw GatewayException.badRequest(
            "team_member_permissions",
            "team_member_permissions may list only "
                + Permissions.TEAM_MEMBER_ROUTES
                + "; got '"
                + r
                + "'");
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(routes));
  }

  /**
   * {@code GET /team/permissions_list?team_id=}: the routes the team's members may call, and every
   * route a team may grant. For the team's members and admins, and proxy admins and viewers.
   */
  JsonNode permissionsList(Call c) {
    String id = c.requiredQuery("team_id");
    GovernanceSnapshot s = governance.snapshot();
    Team t = readable(c, s, id);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("team_id", t.id());
    ArrayNode granted = out.putArray("team_member_permissions");
    t.memberPermissions().orElse(Permissions.DEFAULT_TEAM_MEMBER_PERMISSIONS).forEach(granted::add);
    ArrayNode all = out.putArray("all_available_permissions");
    Permissions.TEAM_MEMBER_ROUTES.forEach(all::add);
    return out;
  }

  /** {@code POST /team/permissions_update}: sets {@code team_member_permissions}; team admins. */
  JsonNode permissionsUpdate(Call c) {
    Body b = Body.parse(c.body(), Set.of("team_id", "team_member_permissions"));
    String id = b.requiredString("team_id");
    List<String> routes =
        memberPermissions(
            b.strings("team_member_permissions")
                .orElseThrow(
                    () ->
                        GatewayException.badRequest(
                            "team_member_permissions", "team_member_permissions is required")));
    Instant now = clock.instant();
    Team t =
        governance.mutate(
            c.actor(),
            s -> {
              Permissions.checkTeamAdmin(c.principal(), s, id);
              Team next = find(s, id).withMemberPermissions(routes, now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
            });
    return Views.team(t, enforcer);
  }

  /**
   * The team, if {@code c}'s caller may read it: proxy admins and viewers, and its members. The
   * same refusal whether the team exists or not.
   */
  /** Whether {@code k} is the caller's: its user's key, or (for a key without a user) itself. */
  private static boolean ownKey(Principal p, VirtualKey k) {
    return p.userId().isPresent()
        ? k.userId().equals(p.userId())
        : p.keyId().equals(Optional.of(k.id()));
  }

  private static Team readable(Call c, GovernanceSnapshot s, String id) {
    Principal p = c.principal();
    if (!Permissions.readsAll(p)
        && !Permissions.isMember(p, s, id)
        && !p.teamId().equals(Optional.of(id))) {
      throw Permissions.forbidden("only the members of team '" + id + "' and admins may read it");
    }
    return find(s, id);
  }

  /**
   * Refuses a team admin who is not a proxy admin a member budget above the team's max budget, or a
   * shared budget, which only an admin assigns.
   */
  private static void withinTeam(
      Principal p, Team t, OptionalLong memberBudget, boolean sharedBudget) {
    if (p.admin()) {
      return;
    }
    if (sharedBudget) {
      throw Permissions.forbidden("only an admin may put a team member on a shared budget");
    }
    OptionalLong teamMax = t.limits().maxBudgetNanos();
    if (teamMax.isPresent()
        && memberBudget.isPresent()
        && memberBudget.getAsLong() > teamMax.getAsLong()) {
      throw Permissions.forbidden(
          "max_budget_in_team may not be above the max_budget of team '" + t.displayName() + "'");
    }
  }

  private static Team find(GovernanceSnapshot s, String id) {
    Team t = s.teams().get(id);
    if (t == null) {
      throw Mutations.missing("team_id", id);
    }
    return t;
  }

  /** A 400, as LiteLLM answers a change to a member the team does not have. */
  private static GatewayException notMember(String user, String team) {
    return GatewayException.badRequest(
        "user_id", "user_id '" + user + "' is not a member of team '" + team + "'");
  }

  /** A member to add, with the email to give the user if it has to be created. */
  private record NewMember(TeamMember member, Optional<String> email) {}

  private static List<NewMember> members(JsonNode n, String field) {
    List<NewMember> out = new ArrayList<>();
    if (n.isArray()) {
      for (JsonNode m : n) {
        out.add(member(m, field));
      }
    } else {
      out.add(member(n, field));
    }
    return out;
  }

  private static NewMember member(JsonNode m, String field) {
    if (!m.isObject()) {
      throw GatewayException.badRequest(
          field, field + " must be {\"role\": \"user\", \"user_id\": \"...\"} or a list of them");
    }
    for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("role", "user_id", "user_email").contains(f)) {
        throw GatewayException.badRequest(
            field + "." + f,
            "unknown field '" + f + "' in " + field + "; expected role, user_id, user_email");
      }
    }
    JsonNode user = m.get("user_id");
    if (user == null || !user.isTextual() || user.asText().isBlank()) {
      throw GatewayException.badRequest(field + ".user_id", field + ".user_id is required");
    }
    JsonNode r = m.get("role");
    TeamMember.Role role = r == null || r.isNull() ? TeamMember.Role.USER : role(r.asText());
    JsonNode email = m.get("user_email");
    return new NewMember(
        new TeamMember(user.asText(), role, OptionalLong.empty(), Optional.empty()),
        email == null || email.isNull() ? Optional.empty() : Optional.of(email.asText()));
  }

  private static TeamMember.Role role(String s) {
    return TeamMember.Role.fromWire(s)
        .orElseThrow(
            () ->
                GatewayException.badRequest(
                    "role", "role must be 'admin' or 'user', got '" + s + "'"));
  }
}
