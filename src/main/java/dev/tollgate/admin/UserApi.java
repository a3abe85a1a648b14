package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** {@code /user/*}: internal users. A user's budget limits their personal keys only. */
final class UserApi {
  private static final Set<String> UPDATE_FIELDS =
      KeyApi.plus(
          Body.ENTITY_RATE_FIELDS,
          "user_id",
          "user_email",
          "user_alias",
          "user_role",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "model_max_budget",
          "models",
          "metadata",
          "spend");

  private static final Set<String> NEW_FIELDS =
      KeyApi.plus(
          Set.of(
              "user_id",
              "user_email",
              "user_alias",
              "user_role",
              "max_budget",
              "soft_budget",
              "budget_duration",
              "model_max_budget",
              "models",
              "metadata"),
          "teams",
          "auto_create_key",
          "rpm_limit",
          "tpm_limit",
          "max_parallel_requests");

  private final Governance governance;
  private final Enforcer enforcer;
  private final SpendResets resets;
  private final Clock clock;

  UserApi(Governance governance, Enforcer enforcer, Clock clock, SpendResets resets) {
    this.resets = resets;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
  }

  /**
   * {@code POST /user/new}. As in LiteLLM, {@code auto_create_key} (default true) also creates a
   * personal key for the user and returns it once as {@code key}; {@code teams} adds the user to
   * existing teams as a {@code user}.
   */
  JsonNode create(Call c) {
    Body b = Body.parse(c, Fields.of(NEW_FIELDS, Fields.LITELLM_USER_NEW));
    Instant now = clock.instant();
    String id = b.string("user_id").orElseGet(Mutations::newId);
    List<String> teams = b.strings("teams").orElse(List.of());
    boolean withKey = b.bool("auto_create_key").orElse(true);
    User blank =
        new User(
            id,
            Optional.empty(),
            Optional.empty(),
            UserRole.INTERNAL_USER,
            List.of(),
            Limits.NONE,
            "{}",
            now,
            now);
    User u = apply(b, blank, now);
    String secret = KeySecrets.generate();
    Optional<VirtualKey> key =
        withKey
            ? Optional.of(
                new VirtualKey(
                    Mutations.newId(),
                    KeySecrets.hash(secret),
                    KeySecrets.mask(secret),
                    Optional.empty(),
                    List.of(),
                    Limits.NONE,
                    Optional.empty(),
                    Optional.of(id),
                    Optional.empty(),
                    Optional.empty(),
                    "{}",
                    List.of(),
                    Optional.empty(),
                    false,
                    now,
                    now))
            : Optional.empty();
    governance.mutate(
        c.actor(),
        s -> {
          if (s.users().containsKey(id)) {
            throw Mutations.exists("user_id", id);
          }
          List<EntityChange> changes = new ArrayList<>();
          changes.add(new EntityChange.Upsert(u));
          for (String teamId : teams) {
            Team t = s.teams().get(teamId);
            if (t == null) {
              throw Mutations.missing("teams", teamId);
            }
            List<TeamMember> members = new ArrayList<>(t.members());
            members.add(
                new TeamMember(id, TeamMember.Role.USER, OptionalLong.empty(), Optional.empty()));
            changes.add(new EntityChange.Upsert(t.withMembers(members, now)));
          }
          key.ifPresent(k -> changes.add(new EntityChange.Upsert(k)));
          return new Governance.Mutation<>(changes, u);
        });
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (key.isPresent()) {
      out.put("key", secret);
      out.put("token", key.get().tokenHash());
    }
    out.setAll(Views.user(u, enforcer));
    ArrayNode ts = out.putArray("teams");
    teams.forEach(ts::add);
    return out;
  }

  /** {@code POST /user/update}; {@code spend: 0} resets the personal spend. */
  JsonNode update(Call c) {
    Body b = Body.parse(c, Fields.of(UPDATE_FIELDS, Fields.LITELLM_USER_UPDATE));
    String id = b.requiredString("user_id");
    boolean reset = b.resetSpend();
    Instant now = clock.instant();
    User u =
        governance.mutate(
            c.actor(),
            s -> {
              User next = apply(b, find(s, id), now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
            });
    if (reset) {
      resets.reset(c, Level.USER, EntityKind.USER, id);
    }
    return Views.user(u, enforcer);
  }

  /** {@code GET /user/info?user_id=}: the user, their budgets, keys and teams. */
  JsonNode info(Call c) {
    String id =
        Permissions.readsAll(c.principal())
            ? c.requiredQuery("user_id")
            : Permissions.self(c.principal(), c.query("user_id"), "info");
    GovernanceSnapshot s = governance.snapshot();
    User u = find(s, id);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("user_id", id);
    ObjectNode info = Views.user(u, enforcer);
    info.set("budgets", Views.lines(enforcer.entityBudgets(Level.USER, id)));
    out.set("user_info", info);
    ArrayNode keys = out.putArray("keys");
    s.keys().values().stream()
        .filter(k -> k.userId().equals(Optional.of(id)))
        .forEach(k -> keys.add(Views.key(k, enforcer)));
    ArrayNode teams = out.putArray("teams");
    s.teams().values().stream()
        .filter(t -> t.member(id).isPresent())
        .forEach(t -> teams.add(Views.team(t, enforcer)));
    return out;
  }

  /**
   * {@code POST /user/delete} with {@code user_ids}: the users, their keys and their team
   * memberships, all or nothing.
   */
  JsonNode delete(Call c) {
    Body b = Body.parse(c.body(), Set.of("user_ids"));
    List<String> ids = b.strings("user_ids").orElse(List.of());
    if (ids.isEmpty()) {
      throw GatewayException.badRequest("user_ids", "user_ids must list at least one user");
    }
    Instant now = clock.instant();
    record Dropped(List<VirtualKey> keys, List<String> teams) {}
    Dropped d =
        governance.mutate(
            c.actor(),
            s -> {
              List<EntityChange> changes = new ArrayList<>();
              List<VirtualKey> keys = new ArrayList<>();
              List<String> teams = new ArrayList<>();
              for (String id : ids) {
                find(s, id);
              }
              for (VirtualKey k : s.keys().values()) {
                if (k.userId().isPresent() && ids.contains(k.userId().get())) {
                  changes.add(new EntityChange.Delete(k.kind(), k.id()));
                  keys.add(k);
                }
              }
              for (Team t : s.teams().values()) {
                List<TeamMember> kept =
                    t.members().stream().filter(m -> !ids.contains(m.userId())).toList();
                if (kept.size() != t.members().size()) {
                  changes.add(new EntityChange.Upsert(t.withMembers(kept, now)));
                  teams.add(t.id());
                }
              }
              ids.forEach(id -> changes.add(new EntityChange.Delete(EntityKind.USER, id)));
              return new Governance.Mutation<>(changes, new Dropped(keys, teams));
            });
    d.keys().forEach(k -> enforcer.reset(Level.KEY, k.id()));
    for (String id : ids) {
      enforcer.reset(Level.USER, id);
      d.teams().forEach(t -> enforcer.resetMember(t, id));
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode a = out.putArray("deleted_users");
    ids.forEach(a::add);
    out.put("deleted_keys", d.keys().size());
    return out;
  }

  /**
   * {@code GET /user/list}, optionally by {@code role}, paged by {@code page}/{@code page_size}.
   */
  JsonNode list(Call c) {
    int page = c.intQuery("page", 1, Integer.MAX_VALUE);
    int size = c.intQuery("page_size", 25, 1000);
    Optional<UserRole> role = c.query("role").map(UserApi::role);
    List<User> all =
        governance.snapshot().users().values().stream()
            .filter(u -> role.isEmpty() || u.role() == role.get())
            .toList();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode users = out.putArray("users");
    all.stream()
        .skip((long) (page - 1) * size)
        .limit(size)
        .forEach(u -> users.add(Views.user(u, enforcer)));
    out.put("total", all.size());
    out.put("page", page);
    out.put("page_size", size);
    out.put("total_pages", (all.size() + size - 1) / size);
    return out;
  }

  /**
   * {@code GET /spend/users}: every user, most spend first, as LiteLLM lists its user table; with
   * {@code user_id}, a list of that one user. A caller who does not read all gets its own user.
   */
  JsonNode spendUsers(Call c) {
    GovernanceSnapshot s = governance.snapshot();
    Optional<String> id =
        Permissions.readsAll(c.principal())
            ? c.query("user_id")
            : Optional.of(Permissions.self(c.principal(), c.query("user_id"), "spend"));
    List<ObjectNode> users =
        id.isPresent()
            ? List.of(Views.user(find(s, id.get()), enforcer))
            : s.users().values().stream().map(u -> Views.user(u, enforcer)).toList();
    return Views.bySpend(users);
  }

  private User apply(Body b, User cur, Instant now) {
    return new User(
        cur.id(),
        b.has("user_email") ? b.string("user_email") : cur.email(),
        b.has("user_alias") ? b.string("user_alias") : cur.alias(),
        b.hasValue("user_role") ? role(b.requiredString("user_role")) : cur.role(),
        b.has("models") ? b.strings("models").orElse(List.of()) : cur.models(),
        b.limits(cur.limits()),
        b.has("metadata") ? b.object("metadata").orElse("{}") : cur.metadata(),
        cur.createdAt(),
        now);
  }

  private static User find(GovernanceSnapshot s, String id) {
    User u = s.users().get(id);
    if (u == null) {
      throw Mutations.missing("user_id", id);
    }
    return u;
  }

  private static UserRole role(String s) {
    return UserRole.fromWire(s)
        .orElseThrow(
            () ->
                GatewayException.badRequest(
                    "user_role",
                    "user_role must be one of "
                        + Arrays.stream(UserRole.values()).map(UserRole::wire).toList()
                        + ", got '"
                        + s
                        + "'"));
  }
}
