package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.OrganizationMember;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Tag;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /organization/*}, {@code /customer/*}, {@code /tag/*} and {@code /budget/*}: the entities
 * that are a name, some limits and little else.
 */
final class EntityApi {
  private static final Set<String> ORG_FIELDS =
      KeyApi.plus(
          Body.ENTITY_RATE_FIELDS,
          "organization_id",
          "organization_alias",
          "models",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "metadata",
          "budget_id");
  private static final Set<String> CUSTOMER_FIELDS =
      KeyApi.plus(
          Body.ENTITY_RATE_FIELDS,
          "user_id",
          "alias",
          "blocked",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "model_max_budget",
          "budget_id");
  private static final Set<String> TAG_FIELDS =
      Set.of(
          "name",
          "description",
          "models",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "budget_id");
  private static final Set<String> BUDGET_FIELDS =
      KeyApi.plus(
          Body.ENTITY_RATE_FIELDS,
          "budget_id",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "model_max_budget");

  private final Governance governance;
  private final Enforcer enforcer;
  private final SpendResets resets;
  private final Clock clock;

  EntityApi(Governance governance, Enforcer enforcer, Clock clock, SpendResets resets) {
    this.resets = resets;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
  }

  // --- organizations ----------------------------------------------------------------------------

  JsonNode organizationNew(Call c) {
    Body b = Body.parse(c, Fields.of(ORG_FIELDS, Fields.LITELLM_ORGANIZATION));
    Instant now = clock.instant();
    String id = b.string("organization_id").orElseGet(Mutations::newId);
    Organization blank =
        new Organization(
            id, Optional.empty(), List.of(), Limits.NONE, Optional.empty(), "{}", now, now);
    Organization o = apply(b, blank, now);
    create(c, EntityKind.ORGANIZATION, "organization_id", o);
    return Views.organization(o, enforcer);
  }

  JsonNode organizationUpdate(Call c) {
    Body b =
        Body.parse(c, Fields.of(KeyApi.plus(ORG_FIELDS, "spend"), Fields.LITELLM_ORGANIZATION));
    String id = b.requiredString("organization_id");
    boolean reset = b.resetSpend();
    Instant now = clock.instant();
    Organization o =
        update(c, s -> apply(b, get(s.organizations().get(id), "organization_id", id), now));
    if (reset) {
      resets.reset(c, Level.ORGANIZATION, EntityKind.ORGANIZATION, id);
    }
    return Views.organization(o, enforcer);
  }

  JsonNode organizationInfo(Call c) {
    String id = c.requiredQuery("organization_id");
    GovernanceSnapshot s = governance.snapshot();
    Organization o = get(s.organizations().get(id), "organization_id", id);
    ObjectNode out = Views.organization(o, enforcer);
    out.set("budgets", Views.lines(enforcer.entityBudgets(Level.ORGANIZATION, id)));
    ArrayNode teams = out.putArray("teams");
    s.teams().values().stream()
        .filter(t -> t.organizationId().equals(Optional.of(id)))
        .forEach(t -> teams.add(t.id()));
    return out;
  }

  /** Refused while teams or keys belong to the organization. */
  JsonNode organizationDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("organization_ids"));
    List<String> ids = required(b, "organization_ids");
    delete(
        c, EntityKind.ORGANIZATION, "organization_ids", ids, s -> s.organizations()::containsKey);
    ids.forEach(id -> enforcer.reset(Level.ORGANIZATION, id));
    return deleted("deleted_organizations", ids);
  }

  JsonNode organizationList(Call c) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    governance
        .snapshot()
        .organizations()
        .values()
        .forEach(o -> out.add(Views.organization(o, enforcer)));
    return out;
  }

  private Organization apply(Body b, Organization cur, Instant now) {
    Body.Budgeting budgeting =
        b.budgeting(cur.limits(), cur.budgetId(), "organization '" + cur.id() + "'");
    return new Organization(
        cur.id(),
        b.has("organization_alias") ? b.string("organization_alias") : cur.alias(),
        b.has("models") ? b.strings("models").orElse(List.of()) : cur.models(),
        budgeting.limits(),
        budgeting.budgetId(),
        b.has("metadata") ? b.object("metadata").orElse("{}") : cur.metadata(),
        cur.createdAt(),
        now,
        cur.members());
  }

  /** LiteLLM's organization member requests take a budget per member, which Tollgate has not. */
  private static final Fields MEMBER_ADD =
      Fields.of(
          Set.of("organization_id", "member"),
          Set.of("organization_id", "member", "max_budget_in_organization"));

  private static final Fields MEMBER_UPDATE =
      Fields.of(
          Set.of("organization_id", "user_id", "user_email", "role"),
          Set.of("organization_id", "user_id", "user_email", "role", "max_budget_in_organization"));

  /**
   * {@code POST /organization/member_add} with {@code organization_id} and {@code member}: one or a
   * list of {@code {user_id or user_email, role}}. A user named only by an email no user has is
   * created, as LiteLLM does. Answers LiteLLM's {@code updated_users} and {@code
   * updated_organization_memberships}.
   */
  JsonNode organizationMemberAdd(Call c) {
    Body b = Body.parse(c, MEMBER_ADD);
    String id = b.requiredString("organization_id");
    JsonNode raw =
        b.raw("member")
            .orElseThrow(() -> GatewayException.badRequest("member", "member is required"));
    List<JsonNode> asked = new ArrayList<>();
    if (raw.isArray()) {
      raw.forEach(asked::add);
    } else {
      asked.add(raw);
    }
    if (asked.isEmpty()) {
      throw GatewayException.badRequest("member", "member must name at least one user");
    }
    Instant now = clock.instant();
    record Added(Organization org, List<dev.tollgate.governance.User> users) {}
    Added added =
        governance.mutate(
            c.actor(),
            s -> {
              Organization cur = get(s.organizations().get(id), "organization_id", id);
              List<OrganizationMember> members = new ArrayList<>(cur.members());
              List<EntityChange> changes = new ArrayList<>();
              List<String> userIds = new ArrayList<>();
              for (JsonNode m : asked) {
                OrganizationMember.Role role = orgRole(m);
                String user = memberUser(s, m, now, changes);
                if (cur.member(user).isPresent() || userIds.contains(user)) {
                  throw GatewayException.badRequest(
                      "member",
                      "user_id '" + user + "' is already a member of organization '" + id + "'");
                }
                userIds.add(user);
                members.add(new OrganizationMember(user, role));
              }
              Organization next = cur.withMembers(members, now);
              changes.add(new EntityChange.Upsert(next));
              List<dev.tollgate.governance.User> users = new ArrayList<>();
              for (String u : userIds) {
                dev.tollgate.governance.User x = s.users().get(u);
                if (x == null) {
                  for (EntityChange ch : changes) {
                    if (ch instanceof EntityChange.Upsert up
                        && up.entity() instanceof dev.tollgate.governance.User nu
                        && nu.id().equals(u)) {
                      x = nu;
                    }
                  }
                }
                if (x != null) {
                  users.add(x);
                }
              }
              return new Governance.Mutation<>(changes, new Added(next, users));
            });
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("organization_id", id);
    ArrayNode users = out.putArray("updated_users");
    added.users().forEach(u -> users.add(Views.user(u, enforcer)));
    ArrayNode ms = out.putArray("updated_organization_memberships");
    for (dev.tollgate.governance.User u : added.users()) {
      added.org().member(u.id()).ifPresent(m -> ms.add(Views.organizationMembership(id, m)));
    }
    return out;
  }

  /**
   * {@code POST /organization/member_update} with {@code organization_id}, {@code user_id} (or
   * {@code user_email}) and {@code role}: the membership after the change.
   */
  JsonNode organizationMemberUpdate(Call c) {
    Body b = Body.parse(c, MEMBER_UPDATE);
    String id = b.requiredString("organization_id");
    Optional<OrganizationMember.Role> role =
        b.string("role")
            .map(r -> OrganizationMember.Role.fromWire(r).orElseThrow(() -> badOrgRole("role", r)));
    Instant now = clock.instant();
    OrganizationMember updated =
        governance.mutate(
            c.actor(),
            s -> {
              Organization cur = get(s.organizations().get(id), "organization_id", id);
              OrganizationMember m = existingMember(s, cur, b);
              OrganizationMember next = new OrganizationMember(m.userId(), role.orElse(m.role()));
              List<OrganizationMember> members = new ArrayList<>();
              for (OrganizationMember x : cur.members()) {
                members.add(x.userId().equals(m.userId()) ? next : x);
              }
              Organization o = cur.withMembers(members, now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(o)), next);
            });
    return Views.organizationMembership(id, updated);
  }

  /**
   * {@code POST /organization/member_delete} with {@code organization_id} and {@code user_id} (or
   * {@code user_email}); a user who is not a member is a 400, as LiteLLM answers.
   */
  JsonNode organizationMemberDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("organization_id", "user_id", "user_email"));
    String id = b.requiredString("organization_id");
    Instant now = clock.instant();
    OrganizationMember removed =
        governance.mutate(
            c.actor(),
            s -> {
              Organization cur = get(s.organizations().get(id), "organization_id", id);
              OrganizationMember m = existingMember(s, cur, b);
              Organization o =
                  cur.withMembers(
                      cur.members().stream().filter(x -> !x.userId().equals(m.userId())).toList(),
                      now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(o)), m);
            });
    ObjectNode out = Views.organizationMembership(id, removed);
    out.put("deleted", true);
    return out;
  }

  private static OrganizationMember existingMember(GovernanceSnapshot s, Organization org, Body b) {
    Optional<String> user = b.string("user_id");
    if (user.isEmpty()) {
      Optional<String> email = b.string("user_email");
      if (email.isEmpty()) {
        throw GatewayException.badRequest("user_id", "user_id or user_email is required");
      }
      user =
          s.users().values().stream()
              .filter(u -> u.email().equals(email))
              .map(dev.tollgate.governance.User::id)
              .filter(u -> org.member(u).isPresent())
              .findFirst();
      if (user.isEmpty()) {
        throw GatewayException.badRequest(
            "user_email",
            "no member of organization '" + org.id() + "' has user_email '" + email.get() + "'");
      }
    }
    String u = user.get();
    return org.member(u)
        .orElseThrow(
            () ->
                GatewayException.badRequest(
                    "user_id",
                    "user_id '" + u + "' is not a member of organization '" + org.id() + "'"));
  }

  private static OrganizationMember.Role orgRole(JsonNode m) {
    if (!m.isObject()) {
      throw GatewayException.badRequest(
          "member",
          "member must be {\"role\": \"internal_user\", \"user_id\": \"...\"} or a list of them");
    }
    for (String f : (Iterable<String>) m::fieldNames) {
      if (!Set.of("role", "user_id", "user_email").contains(f)) {
        throw GatewayException.badRequest(
            "member." + f,
            "unknown field '" + f + "' in member; expected role, user_id, user_email");
      }
    }
    JsonNode r = m.get("role");
    if (r == null || !r.isTextual()) {
      throw GatewayException.badRequest(
          "member.role",
          "member.role is required: org_admin, internal_user or internal_user_viewer");
    }
    return OrganizationMember.Role.fromWire(r.asText())
        .orElseThrow(() -> badOrgRole("member.role", r.asText()));
  }

  private static GatewayException badOrgRole(String field, String got) {
    return GatewayException.badRequest(
        field,
        field + " must be org_admin, internal_user or internal_user_viewer, got '" + got + "'");
  }

  /** The user a member entry names, created (as LiteLLM does) when new. */
  private static String memberUser(
      GovernanceSnapshot s, JsonNode m, Instant now, List<EntityChange> changes) {
    JsonNode id = m.get("user_id");
    JsonNode email = m.get("user_email");
    Optional<String> mail =
        email != null && email.isTextual() && !email.asText().isBlank()
            ? Optional.of(email.asText())
            : Optional.empty();
    if (id != null && id.isTextual() && !id.asText().isBlank()) {
      Mutations.ensureUser(s, Optional.of(id.asText()), mail, now, changes);
      return id.asText();
    }
    if (mail.isEmpty()) {
      throw GatewayException.badRequest(
          "member.user_id", "each member needs user_id or user_email");
    }
    Optional<String> known =
        s.users().values().stream()
            .filter(u -> u.email().equals(mail))
            .map(dev.tollgate.governance.User::id)
            .findFirst();
    if (known.isPresent()) {
      return known.get();
    }
    String fresh = Mutations.newId();
    Mutations.ensureUser(s, Optional.of(fresh), mail, now, changes);
    return fresh;
  }

  // --- customers --------------------------------------------------------------------------------

  JsonNode customerNew(Call c) {
    Body b = Body.parse(c, Fields.of(CUSTOMER_FIELDS, Fields.LITELLM_CUSTOMER_NEW));
    Instant now = clock.instant();
    String id = b.requiredString("user_id");
    Customer blank =
        new Customer(id, Optional.empty(), false, Limits.NONE, Optional.empty(), now, now);
    Customer x = apply(b, blank, now);
    create(c, EntityKind.CUSTOMER, "user_id", x);
    return Views.customer(id, Optional.of(x), enforcer);
  }

  JsonNode customerUpdate(Call c) {
    Body b =
        Body.parse(
            c,
            Fields.of(
                KeyApi.plus(CUSTOMER_FIELDS, "spend"),
                KeyApi.plus(
                    Fields.LITELLM_CUSTOMER_NEW,
                    Fields.LITELLM_CUSTOMER_UPDATE.toArray(String[]::new))));
    String id = b.requiredString("user_id");
    boolean reset = b.resetSpend();
    Instant now = clock.instant();
    Customer x = update(c, s -> apply(b, get(s.customers().get(id), "user_id", id), now));
    if (reset) {
      resets.reset(c, Level.CUSTOMER, EntityKind.CUSTOMER, id);
    }
    return Views.customer(id, Optional.of(x), enforcer);
  }

  /**
   * {@code GET /customer/info?end_user_id=}: a created customer, or one only seen in requests (held
   * to the default end-user budget); 404 for neither.
   */
  JsonNode customerInfo(Call c) {
    String id = c.requiredQuery("end_user_id");
    Optional<Customer> x = Optional.ofNullable(governance.snapshot().customers().get(id));
    if (x.isEmpty() && !enforcer.hasSpend(Level.CUSTOMER, id)) {
      throw GatewayException.notFound(
          "end_user_id", "customer '" + id + "' does not exist and has made no requests");
    }
    ObjectNode out = Views.customer(id, x, enforcer);
    out.set("budgets", Views.lines(enforcer.entityBudgets(Level.CUSTOMER, id)));
    return out;
  }

  JsonNode customerDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("user_ids"));
    List<String> ids = required(b, "user_ids");
    delete(c, EntityKind.CUSTOMER, "user_ids", ids, s -> s.customers()::containsKey);
    ids.forEach(id -> enforcer.reset(Level.CUSTOMER, id));
    return deleted("deleted_customers", ids);
  }

  /**
   * {@code POST /customer/block} and {@code /customer/unblock} with {@code user_ids}. Blocking a
   * customer that was never created creates it, blocked, as LiteLLM does.
   */
  JsonNode customerBlock(Call c, boolean blocked) {
    Body b = Body.parse(c.body(), Set.of("user_ids"));
    List<String> ids = required(b, "user_ids");
    Instant now = clock.instant();
    List<Customer> out =
        governance.mutate(
            c.actor(),
            s -> {
              List<EntityChange> changes = new ArrayList<>();
              List<Customer> result = new ArrayList<>();
              for (String id : ids) {
                Customer cur = s.customers().get(id);
                if (cur == null && !blocked) {
                  throw Mutations.missing("user_ids", id);
                }
                Customer next =
                    cur == null
                        ? new Customer(
                            id, Optional.empty(), true, Limits.NONE, Optional.empty(), now, now)
                        : new Customer(
                            id,
                            cur.alias(),
                            blocked,
                            cur.limits(),
                            cur.budgetId(),
                            cur.createdAt(),
                            now);
                changes.add(new EntityChange.Upsert(next));
                result.add(next);
              }
              return new Governance.Mutation<>(changes, result);
            });
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    ArrayNode a = r.putArray(blocked ? "blocked_users" : "unblocked_users");
    out.forEach(x -> a.add(x.id()));
    return r;
  }

  JsonNode customerList(Call c) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    governance
        .snapshot()
        .customers()
        .values()
        .forEach(x -> out.add(Views.customer(x.id(), Optional.of(x), enforcer)));
    return out;
  }

  private Customer apply(Body b, Customer cur, Instant now) {
    Body.Budgeting budgeting =
        b.budgeting(cur.limits(), cur.budgetId(), "customer '" + cur.id() + "'");
    return new Customer(
        cur.id(),
        b.has("alias") ? b.string("alias") : cur.alias(),
        b.has("blocked") ? b.bool("blocked").orElse(false) : cur.blocked(),
        budgeting.limits(),
        budgeting.budgetId(),
        cur.createdAt(),
        now);
  }

  // --- tags -------------------------------------------------------------------------------------

  JsonNode tagNew(Call c) {
    Body b = Body.parse(c, Fields.of(TAG_FIELDS, Fields.LITELLM_TAG));
    Instant now = clock.instant();
    String name = b.requiredString("name");
    Tag blank = new Tag(name, Optional.empty(), List.of(), Limits.NONE, Optional.empty(), now, now);
    Tag t = apply(b, blank, now);
    create(c, EntityKind.TAG, "name", t);
    return Views.tag(t, enforcer);
  }

  JsonNode tagUpdate(Call c) {
    Body b = Body.parse(c, Fields.of(KeyApi.plus(TAG_FIELDS, "spend"), Fields.LITELLM_TAG));
    String name = b.requiredString("name");
    boolean reset = b.resetSpend();
    Instant now = clock.instant();
    Tag t = update(c, s -> apply(b, get(s.tags().get(name), "name", name), now));
    if (reset) {
      resets.reset(c, Level.TAG, EntityKind.TAG, name);
    }
    return Views.tag(t, enforcer);
  }

  /** {@code POST /tag/info} with {@code names}: {@code {name: tag}} for each. */
  JsonNode tagInfo(Call c) {
    Body b = Body.parse(c.body(), Set.of("names"));
    List<String> names = required(b, "names");
    GovernanceSnapshot s = governance.snapshot();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (String n : names) {
      Tag t = get(s.tags().get(n), "names", n);
      ObjectNode o = Views.tag(t, enforcer);
      o.set("budgets", Views.lines(enforcer.entityBudgets(Level.TAG, n)));
      out.set(n, o);
    }
    return out;
  }

  JsonNode tagDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("name"));
    String name = b.requiredString("name");
    delete(c, EntityKind.TAG, "name", List.of(name), s -> s.tags()::containsKey);
    enforcer.reset(Level.TAG, name);
    return deleted("deleted_tags", List.of(name));
  }

  JsonNode tagList(Call c) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    governance.snapshot().tags().values().forEach(t -> out.add(Views.tag(t, enforcer)));
    return out;
  }

  private Tag apply(Body b, Tag cur, Instant now) {
    Body.Budgeting budgeting = b.budgeting(cur.limits(), cur.budgetId(), "tag '" + cur.id() + "'");
    return new Tag(
        cur.name(),
        b.has("description") ? b.string("description") : cur.description(),
        b.has("models") ? b.strings("models").orElse(List.of()) : cur.models(),
        budgeting.limits(),
        budgeting.budgetId(),
        cur.createdAt(),
        now);
  }

  // --- shared budgets ---------------------------------------------------------------------------

  private ObjectNode budgetView(SharedBudget b) {
    return Views.budget(b, enforcer.windows(), clock.instant());
  }

  JsonNode budgetNew(Call c) {
    Body b = Body.parse(c, Fields.of(BUDGET_FIELDS, Fields.LITELLM_BUDGET));
    Instant now = clock.instant();
    String id = b.string("budget_id").orElseGet(Mutations::newId);
    SharedBudget x = new SharedBudget(id, b.limits(Limits.NONE), now, now);
    create(c, EntityKind.BUDGET, "budget_id", x);
    return budgetView(x);
  }

  JsonNode budgetUpdate(Call c) {
    Body b = Body.parse(c, Fields.of(BUDGET_FIELDS, Fields.LITELLM_BUDGET));
    String id = b.requiredString("budget_id");
    Instant now = clock.instant();
    SharedBudget x =
        update(
            c,
            s -> {
              SharedBudget cur = get(s.budgets().get(id), "budget_id", id);
              return new SharedBudget(id, b.limits(cur.limits()), cur.createdAt(), now);
            });
    return budgetView(x);
  }

  /** {@code POST /budget/info} with {@code budgets}: a list, one per id. */
  JsonNode budgetInfo(Call c) {
    Body b = Body.parse(c.body(), Set.of("budgets"));
    List<String> ids = required(b, "budgets");
    GovernanceSnapshot s = governance.snapshot();
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    ids.forEach(id -> out.add(budgetView(get(s.budgets().get(id), "budgets", id))));
    return out;
  }

  /** {@code GET /budget/info?budget_id=}. */
  JsonNode budgetInfoGet(Call c) {
    String id = c.requiredQuery("budget_id");
    return budgetView(get(governance.snapshot().budgets().get(id), "budget_id", id));
  }

  /** {@code POST /budget/delete} with {@code id}; refused while anything references it. */
  JsonNode budgetDelete(Call c) {
    Body b = Body.parse(c.body(), Set.of("id", "budget_id"));
    String id =
        b.string("id")
            .or(() -> b.string("budget_id"))
            .orElseThrow(() -> GatewayException.badRequest("id", "id is required"));
    delete(c, EntityKind.BUDGET, "id", List.of(id), s -> s.budgets()::containsKey);
    return deleted("deleted_budgets", List.of(id));
  }

  JsonNode budgetList(Call c) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    governance.snapshot().budgets().values().forEach(x -> out.add(budgetView(x)));
    return out;
  }

  // --- shared -----------------------------------------------------------------------------------

  private <T extends dev.tollgate.governance.Entity> void create(
      Call c, EntityKind kind, String field, T entity) {
    governance.mutate(
        c.actor(),
        s -> {
          if (s.get(kind, entity.id()).isPresent()) {
            throw Mutations.exists(field, entity.id());
          }
          return new Governance.Mutation<>(List.of(new EntityChange.Upsert(entity)), entity);
        });
  }

  private <T extends dev.tollgate.governance.Entity> T update(
      Call c, java.util.function.Function<GovernanceSnapshot, T> next) {
    return governance.mutate(
        c.actor(),
        s -> {
          T e = next.apply(s);
          return new Governance.Mutation<>(List.of(new EntityChange.Upsert(e)), e);
        });
  }

  private void delete(
      Call c,
      EntityKind kind,
      String field,
      List<String> ids,
      java.util.function.Function<GovernanceSnapshot, java.util.function.Predicate<String>>
          exists) {
    governance.mutate(
        c.actor(),
        s -> {
          java.util.function.Predicate<String> present = exists.apply(s);
          List<EntityChange> changes = new ArrayList<>();
          for (String id : ids) {
            if (!present.test(id)) {
              throw Mutations.missing(field, id);
            }
            changes.add(new EntityChange.Delete(kind, id));
          }
          return new Governance.Mutation<>(changes, ids);
        });
  }

  private static <T> T get(@org.jspecify.annotations.Nullable T value, String field, String id) {
    if (value == null) {
      throw Mutations.missing(field, id);
    }
    return value;
  }

  private static List<String> required(Body b, String field) {
    List<String> ids = b.strings(field).orElse(List.of());
    if (ids.isEmpty()) {
      throw GatewayException.badRequest(field, field + " must list at least one id");
    }
    return ids;
  }

  private static ObjectNode deleted(String field, List<String> ids) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode a = out.putArray(field);
    ids.forEach(a::add);
    return out;
  }
}
