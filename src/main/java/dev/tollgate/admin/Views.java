package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.BudgetLine;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.budget.Usd;
import dev.tollgate.budget.Windows;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Customer;
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
import dev.tollgate.governance.VirtualKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Renders governance entities in LiteLLM's field names, with spend read from the enforcer's
 * counters (the numbers admission compares). Money is exact dollars; times are ISO-8601 UTC.
 */
final class Views {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Views() {}

  static ObjectNode key(VirtualKey k, Enforcer e) {
    return key(k, e.entityBudgets(Level.KEY, k.id()));
  }

  /** Each key with its own budget lines, all read from the counters at once. */
  static List<ObjectNode> keys(List<VirtualKey> keys, Enforcer e) {
    List<List<BudgetLine>> lines =
        e.entityBudgets(Level.KEY, keys.stream().map(VirtualKey::id).toList());
    List<ObjectNode> out = new java.util.ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out.add(key(keys.get(i), lines.get(i)));
    }
    return out;
  }

  /** A key with {@code lines}, its budgets as {@link Enforcer#entityBudgets} returns them. */
  static ObjectNode key(VirtualKey k, List<BudgetLine> lines) {
    ObjectNode o = F.objectNode();
    o.put("token", k.tokenHash());
    o.put("key_id", k.id());
    o.put("key_name", k.keyName());
    o.put("key_alias", k.keyAlias().orElse(null));
    spend(o, lines);
    limits(o, k.limits());
    counts(o, "model_rpm_limit", k.limits().rate().modelRpmLimit());
    counts(o, "model_tpm_limit", k.limits().rate().modelTpmLimit());
    o.put("budget_id", k.budgetId().orElse(null));
    strings(o, "models", k.models());
    o.put("user_id", k.userId().orElse(null));
    o.put("team_id", k.teamId().orElse(null));
    o.put("organization_id", k.organizationId().orElse(null));
    o.set("metadata", json(k.metadata()));
    strings(o, "tags", k.tags());
    time(o, "expires", k.expires());
    o.put("blocked", k.blocked());
    time(o, "created_at", Optional.of(k.createdAt()));
    time(o, "updated_at", Optional.of(k.updatedAt()));
    return o;
  }

  static ObjectNode user(User u, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("user_id", u.id());
    o.put("user_email", u.email().orElse(null));
    o.put("user_alias", u.alias().orElse(null));
    o.put("user_role", u.role().wire());
    spend(o, e.entityBudgets(Level.USER, u.id()));
    limits(o, u.limits());
    strings(o, "models", u.models());
    o.set("metadata", json(u.metadata()));
    time(o, "created_at", Optional.of(u.createdAt()));
    time(o, "updated_at", Optional.of(u.updatedAt()));
    return o;
  }

  static ObjectNode team(Team t, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("team_id", t.id());
    o.put("team_alias", t.alias().orElse(null));
    o.put("organization_id", t.organizationId().orElse(null));
    List<BudgetLine> lines = e.entityBudgets(Level.TEAM, t.id());
    spend(o, lines);
    limits(o, t.limits());
    o.remove("model_max_budget");
    o.set("litellm_budget_table", budgetTable(lines.get(0), t.limits()));
    money(o, "team_member_budget", t.teamMemberBudgetNanos());
    o.put(
        "team_member_budget_duration",
        t.teamMemberBudgetDuration().map(d -> d.text()).orElse(null));
    count(o, "team_member_rpm_limit", t.teamMemberRpmLimit());
    count(o, "team_member_tpm_limit", t.teamMemberTpmLimit());
    strings(o, "models", t.models());
    ArrayNode members = o.putArray("members_with_roles");
    for (TeamMember m : t.members()) {
      ObjectNode x = members.addObject();
      x.put("user_id", m.userId());
      x.put("role", m.role().wire());
    }
    o.set("metadata", json(t.metadata()));
    o.put("blocked", t.blocked());
    strings(
        o,
        "team_member_permissions",
        t.memberPermissions().orElse(Permissions.DEFAULT_TEAM_MEMBER_PERMISSIONS));
    time(o, "created_at", Optional.of(t.createdAt()));
    time(o, "updated_at", Optional.of(t.updatedAt()));
    return o;
  }

  static ObjectNode membership(Team t, TeamMember m, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("team_id", t.id());
    o.put("user_id", m.userId());
    o.put("role", m.role().wire());
    money(o, "max_budget_in_team", m.maxBudgetInTeam());
    o.put("budget_duration", m.budgetDuration().map(d -> d.text()).orElse(null));
    o.put("budget_id", m.budgetId().orElse(null));
    BudgetLine l = e.memberBudget(t.id(), m.userId());
    money(o, "spend", OptionalLong.of(l.spendNanos()));
    o.set("budget", line(l));
    return o;
  }

  static ObjectNode organization(Organization org, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("organization_id", org.id());
    o.put("organization_alias", org.alias().orElse(null));
    List<BudgetLine> lines = e.entityBudgets(Level.ORGANIZATION, org.id());
    spend(o, lines);
    limits(o, org.limits());
    o.remove("model_max_budget");
    o.put("budget_id", org.budgetId().orElse(null));
    o.set("litellm_budget_table", budgetTable(lines.get(0), org.limits()));
    strings(o, "models", org.models());
    o.set("metadata", json(org.metadata()));
    time(o, "created_at", Optional.of(org.createdAt()));
    time(o, "updated_at", Optional.of(org.updatedAt()));
    ArrayNode members = o.putArray("members");
    org.members().forEach(m -> members.add(organizationMembership(org.id(), m)));
    return o;
  }

  /**
   * {@code rows} as a list, most {@code spend} first (exact: spend is decimal dollars), ties in the
   * order given.
   */
  static ArrayNode bySpend(List<ObjectNode> rows) {
    List<ObjectNode> sorted = new java.util.ArrayList<>(rows);
    sorted.sort(
        java.util.Comparator.comparing(
                (ObjectNode o) ->
                    o.path("spend").isNumber()
                        ? o.path("spend").decimalValue()
                        : java.math.BigDecimal.ZERO)
            .reversed());
    ArrayNode out = F.arrayNode();
    sorted.forEach(out::add);
    return out;
  }

  /** A row of LiteLLM's {@code LiteLLM_OrganizationMembership}. */
  static ObjectNode organizationMembership(String organizationId, OrganizationMember m) {
    ObjectNode o = F.objectNode();
    o.put("user_id", m.userId());
    o.put("organization_id", organizationId);
    o.put("user_role", m.role().wire());
    return o;
  }

  /**
   * A customer, or (when {@code c} is empty) one only seen in requests, with the default budget.
   */
  static ObjectNode customer(String id, Optional<Customer> c, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("user_id", id);
    o.put("alias", c.flatMap(Customer::alias).orElse(null));
    o.put("blocked", c.map(Customer::blocked).orElse(false));
    List<BudgetLine> lines = e.entityBudgets(Level.CUSTOMER, id);
    spend(o, lines);
    limits(o, c.map(Customer::limits).orElse(Limits.NONE));
    o.put("budget_id", c.flatMap(Customer::budgetId).orElse(null));
    o.put("default_budget", c.isEmpty() || isDefault(c.get()));
    o.set("budget", line(lines.get(0)));
    c.ifPresent(x -> time(o, "created_at", Optional.of(x.createdAt())));
    return o;
  }

  private static boolean isDefault(Customer c) {
    return c.budgetId().isEmpty() && c.limits().isEmpty();
  }

  static ObjectNode tag(Tag t, Enforcer e) {
    ObjectNode o = F.objectNode();
    o.put("name", t.name());
    o.put("description", t.description().orElse(null));
    spend(o, e.entityBudgets(Level.TAG, t.name()));
    limits(o, t.limits());
    o.remove("model_max_budget");
    o.put("budget_id", t.budgetId().orElse(null));
    strings(o, "models", t.models());
    time(o, "created_at", Optional.of(t.createdAt()));
    time(o, "updated_at", Optional.of(t.updatedAt()));
    return o;
  }

  /**
   * A shared budget as LiteLLM's budget table row; {@code budget_reset_at} is the end of the window
   * current at {@code now} (windows are aligned to the calendar, the same for every entity that
   * references the budget), null for a lifetime budget.
   */
  static ObjectNode budget(SharedBudget b, Windows windows, Instant now) {
    ObjectNode o = F.objectNode();
    o.put("budget_id", b.id());
    limits(o, b.limits());
    time(o, "budget_reset_at", b.limits().duration().map(d -> windows.at(d, now).end()));
    time(o, "created_at", Optional.of(b.createdAt()));
    time(o, "updated_at", Optional.of(b.updatedAt()));
    return o;
  }

  /**
   * LiteLLM's {@code litellm_budget_table} of a team or organization: the budget row that holds its
   * limits ({@code main}, its own budget line, says the effective ones and the next reset), or null
   * when it has no budget and no rate limit.
   */
  private static JsonNode budgetTable(BudgetLine main, Limits own) {
    if (own.isUnset()
        && main.budgetId().isEmpty()
        && main.maxBudgetNanos().isEmpty()
        && main.softBudgetNanos().isEmpty()) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    o.put("budget_id", main.budgetId().orElse(null));
    limits(o, own);
    money(o, "max_budget", main.maxBudgetNanos());
    money(o, "soft_budget", main.softBudgetNanos());
    o.put("budget_duration", main.duration().map(d -> d.text()).orElse(null));
    time(o, "budget_reset_at", main.resetAt());
    return o;
  }

  /** One budget of a chain: level, entity, spend, max, window and next reset. */
  static ObjectNode line(BudgetLine l) {
    ObjectNode o = F.objectNode();
    o.put("level", l.level().wire());
    o.put("entity_id", l.entityId());
    if (!l.sub().isEmpty()) {
      o.put(l.level() == Level.TEAM_MEMBER ? "user_id" : "model", l.sub());
    }
    o.put("entity", l.label());
    money(o, "spend", OptionalLong.of(l.spendNanos()));
    money(o, "reserved", OptionalLong.of(l.reservedNanos()));
    money(o, "max_budget", l.maxBudgetNanos());
    money(o, "soft_budget", l.softBudgetNanos());
    money(
        o,
        "remaining",
        l.maxBudgetNanos().isPresent()
            ? OptionalLong.of(Math.max(0, l.maxBudgetNanos().getAsLong() - l.spendNanos()))
            : OptionalLong.empty());
    o.put("exhausted", l.exhausted());
    o.put("budget_duration", l.duration().map(d -> d.text()).orElse(null));
    time(o, "window_start", Optional.of(l.windowStart()));
    time(o, "budget_reset_at", l.resetAt());
    o.put("unpriced_requests", l.unpricedRequests());
    o.put("unpriced_tokens", l.unpricedTokens());
    o.put("budget_id", l.budgetId().orElse(null));
    return o;
  }

  static ArrayNode lines(List<BudgetLine> lines) {
    return lines(lines, true);
  }

  /**
   * As {@link #lines(List)}; without {@code proxyWide}, the global and provider budgets keep their
   * limit and whether they are exhausted, but not the proxy's spend: that is for admins only.
   */
  static ArrayNode lines(List<BudgetLine> lines, boolean proxyWide) {
    ArrayNode a = F.arrayNode();
    for (BudgetLine l : lines) {
      ObjectNode o = line(l);
      if (!proxyWide && (l.level() == Level.GLOBAL || l.level() == Level.PROVIDER)) {
        for (String f :
            new String[] {
              "spend", "reserved", "remaining", "unpriced_requests", "unpriced_tokens"
            }) {
          o.putNull(f);
        }
        o.put("figures_hidden", "the proxy's own spend is shown to admins only");
      }
      a.add(o);
    }
    return a;
  }

  /** The entity's spend, reset time and unpriced counts, and per-model spend, from its lines. */
  private static void spend(ObjectNode o, List<BudgetLine> lines) {
    BudgetLine main = lines.get(0);
    money(o, "spend", OptionalLong.of(main.spendNanos()));
    time(o, "budget_reset_at", main.resetAt());
    o.put("unpriced_requests", main.unpricedRequests());
    o.put("unpriced_tokens", main.unpricedTokens());
    if (lines.size() > 1) {
      ObjectNode models = o.putObject("model_spend");
      for (BudgetLine l : lines.subList(1, lines.size())) {
        money(models, l.sub(), OptionalLong.of(l.spendNanos()));
      }
    }
  }

  static void limits(ObjectNode o, Limits l) {
    money(o, "max_budget", l.maxBudgetNanos());
    money(o, "soft_budget", l.softBudgetNanos());
    o.put("budget_duration", l.duration().map(d -> d.text()).orElse(null));
    ObjectNode m = o.putObject("model_max_budget");
    for (Map.Entry<String, ModelBudget> e : l.modelMaxBudget().entrySet()) {
      modelBudget(m, e.getKey(), e.getValue());
    }
    RateLimits r = l.rate();
    count(o, "rpm_limit", r.rpmLimit());
    count(o, "tpm_limit", r.tpmLimit());
    count(o, "max_parallel_requests", r.maxParallelRequests());
  }

  /**
   * One {@code model_max_budget} entry as LiteLLM returns it: in the shape and with the names it
   * was written with (LiteLLM stores the object as sent).
   */
  private static void modelBudget(ObjectNode m, String model, ModelBudget b) {
    if (b.spelling() == ModelBudget.Spelling.NUMBER) {
      m.put(model, Usd.of(b.maxBudgetNanos().orElseThrow()));
      return;
    }
    ObjectNode x = m.putObject(model);
    boolean generic = b.spelling() == ModelBudget.Spelling.GENERIC;
    if (generic) {
      // The shape Tollgate has always returned for these, time_period null when lifetime.
      x.put(
          "budget_limit",
          b.maxBudgetNanos().isPresent() ? Usd.of(b.maxBudgetNanos().getAsLong()) : null);
      x.put("time_period", b.duration().map(d -> d.text()).orElse(null));
    } else {
      b.maxBudgetNanos().ifPresent(v -> x.put("max_budget", Usd.of(v)));
      b.duration().ifPresent(d -> x.put("budget_duration", d.text()));
    }
    b.tpmLimit().ifPresent(v -> x.put("tpm_limit", v));
    b.rpmLimit().ifPresent(v -> x.put("rpm_limit", v));
  }

  private static void count(ObjectNode o, String f, OptionalLong v) {
    if (v.isPresent()) {
      o.put(f, v.getAsLong());
    } else {
      o.putNull(f);
    }
  }

  /** A per-model limit map as an object, or null when there is none, as LiteLLM renders it. */
  private static void counts(ObjectNode o, String f, Map<String, Long> m) {
    if (m.isEmpty()) {
      o.putNull(f);
      return;
    }
    ObjectNode x = o.putObject(f);
    m.forEach(x::put);
  }

  static void money(ObjectNode o, String f, OptionalLong nanos) {
    if (nanos.isPresent()) {
      o.put(f, Usd.of(nanos.getAsLong()));
    } else {
      o.putNull(f);
    }
  }

  static void time(ObjectNode o, String f, Optional<Instant> t) {
    o.put(f, t.map(Instant::toString).orElse(null));
  }

  private static void strings(ObjectNode o, String f, List<String> values) {
    ArrayNode a = o.putArray(f);
    values.forEach(a::add);
  }

  private static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
