package dev.tollgate.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.OrganizationMember;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Tag;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code governance_entities.json} text of each entity type, and its {@code kind} column.
 * Exact: {@code decode(kind, encode(e)).equals(e)} for every entity. Money is integer nano-USD,
 * instants are ISO-8601 text with every nanosecond, an absent optional is an absent field, and
 * metadata is kept as the text it was given. A virtual key whose token is not a SHA-256 hex digest
 * is refused, so a raw key never reaches the database. Stateless and thread-safe.
 */
final class GovernanceJson {
  private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,9})(s|m|h|d|w|mo)");

  private GovernanceJson() {}

  /** The {@code kind} column of {@code kind}; stable across releases. */
  static String kindColumn(EntityKind kind) {
    return switch (kind) {
      case KEY -> "key";
      case USER -> "user";
      case TEAM -> "team";
      case ORGANIZATION -> "organization";
      case CUSTOMER -> "customer";
      case TAG -> "tag";
      case BUDGET -> "budget";
    };
  }

  /** The kind a {@code kind} column names. */
  static EntityKind kindOf(String column) {
    for (EntityKind k : EntityKind.values()) {
      if (kindColumn(k).equals(column)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown entity kind '" + column + "'");
  }

  /**
   * The JSON text of {@code e}.
   *
   * @throws IllegalArgumentException if {@code e} must not be stored (a key holding a raw secret)
   */
  static String encode(Entity e) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    switch (e) {
      case VirtualKey k -> {
        if (!KeySecrets.looksLikeHash(k.tokenHash())) {
          throw new IllegalArgumentException(
              "key " + k.id() + ": token is not a SHA-256 hex digest; only key hashes are stored");
        }
        o.put("id", k.id());
        o.put("token_hash", k.tokenHash());
        o.put("key_name", k.keyName());
        optional(o, "key_alias", k.keyAlias());
        strings(o, "models", k.models());
        o.set("limits", limits(k.limits()));
        optional(o, "budget_id", k.budgetId());
        optional(o, "user_id", k.userId());
        optional(o, "team_id", k.teamId());
        optional(o, "organization_id", k.organizationId());
        o.put("metadata", k.metadata());
        strings(o, "tags", k.tags());
        k.expires().ifPresent(t -> o.put("expires", t.toString()));
        o.put("blocked", k.blocked());
        times(o, k.createdAt(), k.updatedAt());
      }
      case User u -> {
        o.put("id", u.id());
        optional(o, "user_email", u.email());
        optional(o, "user_alias", u.alias());
        o.put("user_role", u.role().wire());
        strings(o, "models", u.models());
        o.set("limits", limits(u.limits()));
        o.put("metadata", u.metadata());
        times(o, u.createdAt(), u.updatedAt());
      }
      case Team t -> {
        o.put("id", t.id());
        optional(o, "team_alias", t.alias());
        optional(o, "organization_id", t.organizationId());
        strings(o, "models", t.models());
        o.set("limits", limits(t.limits()));
        optional(o, "team_member_budget_nanos", t.teamMemberBudgetNanos());
        t.teamMemberBudgetDuration().ifPresent(d -> o.put("team_member_budget_duration", d.text()));
        optional(o, "team_member_rpm_limit", t.teamMemberRpmLimit());
        optional(o, "team_member_tpm_limit", t.teamMemberTpmLimit());
        ArrayNode members = o.putArray("members_with_roles");
        for (TeamMember m : t.members()) {
          ObjectNode mo = members.addObject();
          mo.put("user_id", m.userId());
          mo.put("role", m.role().wire());
          optional(mo, "max_budget_in_team_nanos", m.maxBudgetInTeam());
          optional(mo, "budget_id", m.budgetId());
          m.budgetDuration().ifPresent(d -> mo.put("budget_duration", d.text()));
        }
        o.put("metadata", t.metadata());
        o.put("blocked", t.blocked());
        t.memberPermissions().ifPresent(r -> strings(o, "team_member_permissions", r));
        times(o, t.createdAt(), t.updatedAt());
      }
      case Organization org -> {
        o.put("id", org.id());
        optional(o, "organization_alias", org.alias());
        strings(o, "models", org.models());
        o.set("limits", limits(org.limits()));
        optional(o, "budget_id", org.budgetId());
        o.put("metadata", org.metadata());
        times(o, org.createdAt(), org.updatedAt());
        if (!org.members().isEmpty()) {
          ArrayNode members = o.putArray("members");
          for (OrganizationMember m : org.members()) {
            members.addObject().put("user_id", m.userId()).put("role", m.role().wire());
          }
        }
      }
      case Customer c -> {
        o.put("id", c.id());
        optional(o, "alias", c.alias());
        o.put("blocked", c.blocked());
        o.set("limits", limits(c.limits()));
        optional(o, "budget_id", c.budgetId());
        times(o, c.createdAt(), c.updatedAt());
      }
      case Tag t -> {
        o.put("name", t.name());
        optional(o, "description", t.description());
        strings(o, "models", t.models());
        o.set("limits", limits(t.limits()));
        optional(o, "budget_id", t.budgetId());
        times(o, t.createdAt(), t.updatedAt());
      }
      case SharedBudget b -> {
        o.put("id", b.id());
        o.set("limits", limits(b.limits()));
        times(o, b.createdAt(), b.updatedAt());
      }
    }
    try {
      return Json.MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException ex) {
      throw new IllegalArgumentException(
          kindColumn(e.kind()) + " " + e.id() + ": cannot encode: " + ex.getMessage(), ex);
    }
  }

  /**
   * The entity of {@code kind} in {@code json}.
   *
   * @throws IllegalArgumentException naming the field, if the text is not what {@link #encode}
   *     writes
   */
  static Entity decode(EntityKind kind, String json) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    return switch (kind) {
      case KEY ->
          new VirtualKey(
              text(n, "id"),
              text(n, "token_hash"),
              text(n, "key_name"),
              optionalText(n, "key_alias"),
              strings(n, "models"),
              limits(field(n, "limits")),
              optionalText(n, "budget_id"),
              optionalText(n, "user_id"),
              optionalText(n, "team_id"),
              optionalText(n, "organization_id"),
              text(n, "metadata"),
              strings(n, "tags"),
              optionalText(n, "expires").map(s -> instant("expires", s)),
              bool(n, "blocked"),
              instant(n, "created_at"),
              instant(n, "updated_at"));
      case USER ->
          new User(
              text(n, "id"),
              optionalText(n, "user_email"),
              optionalText(n, "user_alias"),
              UserRole.fromWire(text(n, "user_role"))
                  .orElseThrow(() -> bad("user_role", "a user role")),
              strings(n, "models"),
              limits(field(n, "limits")),
              text(n, "metadata"),
              instant(n, "created_at"),
              instant(n, "updated_at"));
      case TEAM -> {
        List<TeamMember> members = new ArrayList<>();
        for (JsonNode m : array(n, "members_with_roles")) {
          if (!m.isObject()) {
            throw bad("members_with_roles", "objects");
          }
          members.add(
              new TeamMember(
                  text(m, "user_id"),
                  TeamMember.Role.fromWire(text(m, "role"))
                      .orElseThrow(() -> bad("role", "admin or user")),
                  optionalLong(m, "max_budget_in_team_nanos"),
                  optionalText(m, "budget_id"),
                  optionalText(m, "budget_duration").map(d -> duration("budget_duration", d))));
        }
        yield new Team(
            text(n, "id"),
            optionalText(n, "team_alias"),
            optionalText(n, "organization_id"),
            strings(n, "models"),
            limits(field(n, "limits")),
            optionalLong(n, "team_member_budget_nanos"),
            optionalText(n, "team_member_budget_duration")
                .map(s -> duration("team_member_budget_duration", s)),
            optionalCount(n, "team_member_rpm_limit"),
            optionalCount(n, "team_member_tpm_limit"),
            members,
            text(n, "metadata"),
            bool(n, "blocked"),
            instant(n, "created_at"),
            instant(n, "updated_at"),
            n.has("team_member_permissions")
                ? Optional.of(strings(n, "team_member_permissions"))
                : Optional.empty());
      }
      case ORGANIZATION ->
          new Organization(
              text(n, "id"),
              optionalText(n, "organization_alias"),
              strings(n, "models"),
              limits(field(n, "limits")),
              optionalText(n, "budget_id"),
              text(n, "metadata"),
              instant(n, "created_at"),
              instant(n, "updated_at"),
              organizationMembers(n));
      case CUSTOMER ->
          new Customer(
              text(n, "id"),
              optionalText(n, "alias"),
              bool(n, "blocked"),
              limits(field(n, "limits")),
              optionalText(n, "budget_id"),
              instant(n, "created_at"),
              instant(n, "updated_at"));
      case TAG ->
          new Tag(
              text(n, "name"),
              optionalText(n, "description"),
              strings(n, "models"),
              limits(field(n, "limits")),
              optionalText(n, "budget_id"),
              instant(n, "created_at"),
              instant(n, "updated_at"));
      case BUDGET ->
          new SharedBudget(
              text(n, "id"),
              limits(field(n, "limits")),
              instant(n, "created_at"),
              instant(n, "updated_at"));
    };
  }

  /**
   * Parses a duration's {@link BudgetDuration#text()}. Wider than {@link BudgetDuration#parse},
   * which limits what the API accepts: whatever was stored reads back.
   */
  static BudgetDuration duration(String field, String text) {
    Matcher m = DURATION.matcher(text);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      for (BudgetDuration.Unit u : BudgetDuration.Unit.values()) {
        if (amount <= Integer.MAX_VALUE && u.suffix().equals(m.group(2))) {
          return new BudgetDuration((int) amount, u);
        }
      }
    }
    throw bad(field, "a duration such as 30s, 1d or 1mo, got '" + text + "'");
  }

  private static ObjectNode limits(Limits l) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    optional(o, "max_budget_nanos", l.maxBudgetNanos());
    optional(o, "soft_budget_nanos", l.softBudgetNanos());
    l.duration().ifPresent(d -> o.put("budget_duration", d.text()));
    ObjectNode models = o.putObject("model_max_budget");
    for (Map.Entry<String, ModelBudget> e : l.modelMaxBudget().entrySet()) {
      ModelBudget b = e.getValue();
      ObjectNode mb = models.putObject(e.getKey());
      optional(mb, "budget_limit_nanos", b.maxBudgetNanos());
      b.duration().ifPresent(d -> mb.put("time_period", d.text()));
      optional(mb, "tpm_limit", b.tpmLimit());
      optional(mb, "rpm_limit", b.rpmLimit());
      // Entries stored before spellings existed read back as the aliases, as they were returned.
      if (b.spelling() != ModelBudget.Spelling.GENERIC) {
        mb.put("spelling", b.spelling().wire());
      }
    }
    RateLimits r = l.rate();
    optional(o, "rpm_limit", r.rpmLimit());
    optional(o, "tpm_limit", r.tpmLimit());
    optional(o, "max_parallel_requests", r.maxParallelRequests());
    counts(o, "model_rpm_limit", r.modelRpmLimit());
    counts(o, "model_tpm_limit", r.modelTpmLimit());
    return o;
  }

  /** Written only when not empty, so entities without rate limits keep their old text. */
  private static void counts(ObjectNode o, String name, Map<String, Long> m) {
    if (!m.isEmpty()) {
      ObjectNode x = o.putObject(name);
      m.forEach(x::put);
    }
  }

  /** Rate limits, absent from entities stored before they existed: {@link RateLimits#NONE}. */
  private static RateLimits rate(JsonNode n) {
    return new RateLimits(
        optionalCount(n, "rpm_limit"),
        optionalCount(n, "tpm_limit"),
        optionalCount(n, "max_parallel_requests"),
        counts(n, "model_rpm_limit"),
        counts(n, "model_tpm_limit"));
  }

  private static Map<String, Long> counts(JsonNode n, String name) {
    if (!n.has(name)) {
      return Map.of();
    }
    JsonNode m = field(n, name);
    if (!m.isObject()) {
      throw bad(name, "an object");
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : m.properties()) {
      out.put(e.getKey(), count(e.getValue(), name + "." + e.getKey()));
    }
    return out;
  }

  private static OptionalLong optionalCount(JsonNode n, String name) {
    return n.has(name) ? OptionalLong.of(count(field(n, name), name)) : OptionalLong.empty();
  }

  private static long count(JsonNode v, String name) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad(name, "an integer");
    }
    return v.longValue();
  }

  private static Limits limits(JsonNode n) {
    if (!n.isObject()) {
      throw bad("limits", "an object");
    }
    JsonNode models = field(n, "model_max_budget");
    if (!models.isObject()) {
      throw bad("model_max_budget", "an object");
    }
    Map<String, ModelBudget> perModel = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : models.properties()) {
      JsonNode mb = e.getValue();
      if (!mb.isObject()) {
        throw bad("model_max_budget." + e.getKey(), "an object");
      }
      String path = "model_max_budget." + e.getKey();
      ModelBudget.Spelling spelling =
          optionalText(mb, "spelling")
              .map(
                  s ->
                      ModelBudget.Spelling.fromWire(s)
                          .orElseThrow(
                              () -> bad(path + ".spelling", "number, budget_config or generic")))
              .orElse(ModelBudget.Spelling.GENERIC);
      try {
        perModel.put(
            e.getKey(),
            new ModelBudget(
                optionalLong(mb, "budget_limit_nanos"),
                optionalText(mb, "time_period").map(s -> duration("time_period", s)),
                optionalCount(mb, "tpm_limit"),
                optionalCount(mb, "rpm_limit"),
                spelling));
      } catch (IllegalArgumentException x) {
        throw bad(path, "a valid model budget (" + x.getMessage() + ")");
      }
    }
    return new Limits(
        optionalLong(n, "max_budget_nanos"),
        optionalLong(n, "soft_budget_nanos"),
        optionalText(n, "budget_duration").map(s -> duration("budget_duration", s)),
        perModel,
        rate(n));
  }

  private static void times(ObjectNode o, Instant created, Instant updated) {
    o.put("created_at", created.toString());
    o.put("updated_at", updated.toString());
  }

  private static void optional(ObjectNode o, String name, Optional<String> v) {
    v.ifPresent(s -> o.put(name, s));
  }

  private static void optional(ObjectNode o, String name, OptionalLong v) {
    v.ifPresent(x -> o.put(name, x));
  }

  private static void strings(ObjectNode o, String name, List<String> values) {
    ArrayNode a = o.putArray(name);
    values.forEach(a::add);
  }

  private static JsonNode field(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null) {
      throw bad(name, "a value");
    }
    return v;
  }

  private static JsonNode array(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isArray()) {
      throw bad(name, "an array");
    }
    return v;
  }

  /** An organization's members; none when the field is absent (stored before members were). */
  private static List<OrganizationMember> organizationMembers(JsonNode n) {
    List<OrganizationMember> out = new ArrayList<>();
    if (!n.has("members")) {
      return out;
    }
    for (JsonNode m : array(n, "members")) {
      if (!m.isObject()) {
        throw bad("members", "objects");
      }
      out.add(
          new OrganizationMember(
              text(m, "user_id"),
              OrganizationMember.Role.fromWire(text(m, "role"))
                  .orElseThrow(
                      () -> bad("role", "org_admin, internal_user or internal_user_viewer"))));
    }
    return out;
  }

  private static List<String> strings(JsonNode n, String name) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : array(n, name)) {
      if (!e.isTextual()) {
        throw bad(name, "an array of strings");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static String text(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isTextual()) {
      throw bad(name, "a string");
    }
    return v.textValue();
  }

  private static Optional<String> optionalText(JsonNode n, String name) {
    return n.has(name) ? Optional.of(text(n, name)) : Optional.empty();
  }

  private static long number(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad(name, "an integer (nano-USD)");
    }
    return v.longValue();
  }

  private static OptionalLong optionalLong(JsonNode n, String name) {
    return n.has(name) ? OptionalLong.of(number(n, name)) : OptionalLong.empty();
  }

  private static boolean bool(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isBoolean()) {
      throw bad(name, "true or false");
    }
    return v.booleanValue();
  }

  private static Instant instant(JsonNode n, String name) {
    return instant(name, text(n, name));
  }

  private static Instant instant(String name, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw bad(name, "an ISO-8601 instant, got '" + text + "'");
    }
  }

  private static IllegalArgumentException bad(String field, String expected) {
    return new IllegalArgumentException(field + ": expected " + expected);
  }
}
