package dev.tollgate.migrate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Charge;
import dev.tollgate.budget.Charges;
import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.CounterState;
import dev.tollgate.budget.Level;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.budget.Usd;
import dev.tollgate.budget.Window;
import dev.tollgate.budget.Windows;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
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
import dev.tollgate.routing.ModelStore;
import dev.tollgate.secrets.ModelSecrets;
import dev.tollgate.secrets.SecretCipher;
import dev.tollgate.secrets.SecretException;
import dev.tollgate.store.Database;
import dev.tollgate.store.SpendLog;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Reads a LiteLLM database and writes what it holds into Tollgate's store: shared budgets, users,
 * organizations, teams with their members, keys (by their SHA-256, so they keep working), end
 * users, tags, the models stored in the database, and each entity's spend as one opening spend row
 * charged to its budget counter. An entity already in Tollgate is left as it is: reported unchanged
 * when it matches, skipped when it differs, so a second run changes nothing. Blocking; runs on the
 * calling thread.
 */
final class Importer {
  /** The model group, and request-id prefix, of the opening spend rows. */
  static final String SPEND_ROW = "litellm-import";

  private final Governance governance;
  private final ModelStore models;
  private final SpendLog spendLog;
  private final Optional<LitellmCipher> opener;
  private final Optional<SecretCipher> sealer;
  private final Windows windows;
  private final Clock clock;
  private final ImportReport report = new ImportReport();
  private final Map<String, LitellmRow> budgetRows = new HashMap<>();

  /** Whether the last {@link #entity} call created its entity (rather than finding it). */
  private boolean lastCreated;

  Importer(
      Database db,
      Optional<LitellmCipher> opener,
      Optional<SecretCipher> sealer,
      Windows windows,
      Clock clock) {
    this.governance =
        Governance.load(db.governance(), java.util.Set.of(), () -> {}, Optional.empty());
    this.models = db.models();
    this.spendLog = db.spendLog();
    this.opener = opener;
    this.sealer = sealer;
    this.windows = windows;
    this.clock = clock;
  }

  /** Imports everything {@code litellm} holds; returns what happened. */
  ImportReport run(Connection litellm) throws SQLException {
    Instant now = clock.instant();
    List<LitellmRow> budgets = LitellmRow.readAll(litellm, "LiteLLM_BudgetTable", "budget_id");
    List<LitellmRow> users = LitellmRow.readAll(litellm, "LiteLLM_UserTable", "user_id");
    List<LitellmRow> orgs =
        LitellmRow.readAll(litellm, "LiteLLM_OrganizationTable", "organization_id");
    List<LitellmRow> orgMembers =
        LitellmRow.readAll(litellm, "LiteLLM_OrganizationMembership", "organization_id, user_id");
    List<LitellmRow> teams = LitellmRow.readAll(litellm, "LiteLLM_TeamTable", "team_id");
    List<LitellmRow> teamMembers =
        LitellmRow.readAll(litellm, "LiteLLM_TeamMembership", "team_id, user_id");
    List<LitellmRow> keys = LitellmRow.readAll(litellm, "LiteLLM_VerificationToken", "token");
    List<LitellmRow> endUsers = LitellmRow.readAll(litellm, "LiteLLM_EndUserTable", "user_id");
    List<LitellmRow> tags = LitellmRow.readAll(litellm, "LiteLLM_TagTable", "tag_name");
    List<LitellmRow> stored = LitellmRow.readAll(litellm, "LiteLLM_ProxyModelTable", "model_id");

    List<Opening> spend = new ArrayList<>();
    for (LitellmRow r : budgets) {
      budgetRows.put(r.requiredText("budget_id"), r);
      entity(
          EntityKind.BUDGET,
          r.requiredText("budget_id"),
          () ->
              new SharedBudget(
                  r.requiredText("budget_id"), limits(r), created(r, now), updated(r, now)));
    }
    for (LitellmRow r : users) {
      String id = r.requiredText("user_id");
      Optional<User> u =
          entity(
              EntityKind.USER,
              id,
              () ->
                  new User(
                      id,
                      r.text("user_email"),
                      r.text("user_alias"),
                      role(r),
                      r.strings("models"),
                      limits(r),
                      metadata(r),
                      created(r, now),
                      updated(r, now)));
      u.ifPresent(x -> spend.add(opening(r, Level.USER, id, "", x.limits())));
    }
    Map<String, List<OrganizationMember>> orgMembership = new LinkedHashMap<>();
    for (LitellmRow r : orgMembers) {
      String user = r.requiredText("user_id");
      ensureUser(user, now);
      OrganizationMember.Role role =
          r.text("user_role")
              .flatMap(OrganizationMember.Role::fromWire)
              .orElse(OrganizationMember.Role.INTERNAL_USER);
      orgMembership
          .computeIfAbsent(r.requiredText("organization_id"), k -> new ArrayList<>())
          .add(new OrganizationMember(user, role));
    }
    for (LitellmRow r : orgs) {
      String id = r.requiredText("organization_id");
      Optional<String> budgetId = r.text("budget_id");
      Optional<Organization> o =
          entity(
              EntityKind.ORGANIZATION,
              id,
              () ->
                  new Organization(
                      id,
                      r.text("organization_alias"),
                      r.strings("models"),
                      Limits.NONE,
                      budgetId,
                      metadata(r),
                      created(r, now),
                      updated(r, now),
                      orgMembership.getOrDefault(id, List.of())));
      o.ifPresent(
          x ->
              spend.add(
                  opening(
                      r,
                      Level.ORGANIZATION,
                      id,
                      "",
                      snapshot().limitsOf(Limits.NONE, budgetId),
                      budgetId.map(budgetRows::get))));
    }
    Map<String, List<LitellmRow>> membershipRows = new HashMap<>();
    for (LitellmRow r : teamMembers) {
      membershipRows.computeIfAbsent(r.requiredText("team_id"), k -> new ArrayList<>()).add(r);
    }
    for (LitellmRow r : teams) {
      String id = r.requiredText("team_id");
      List<LitellmRow> rows = membershipRows.getOrDefault(id, List.of());
      List<TeamMember> members = members(r, rows, now);
      Optional<Team> t =
          entity(
              EntityKind.TEAM,
              id,
              () ->
                  new Team(
                      id,
                      r.text("team_alias"),
                      r.text("organization_id"),
                      r.strings("models"),
                      limits(r),
                      OptionalLong.empty(),
                      Optional.empty(),
                      OptionalLong.empty(),
                      OptionalLong.empty(),
                      members,
                      metadata(r),
                      r.bool("blocked"),
                      created(r, now),
                      updated(r, now),
                      r.strings("team_member_permissions").isEmpty()
                          ? Optional.empty()
                          : Optional.of(r.strings("team_member_permissions"))));
      if (t.isPresent()) {
        spend.add(opening(r, Level.TEAM, id, "", t.get().limits()));
        for (LitellmRow m : rows) {
          Optional<String> budgetId = m.text("budget_id");
          spend.add(
              opening(
                  m,
                  Level.TEAM_MEMBER,
                  id,
                  m.requiredText("user_id"),
                  snapshot().limitsOf(Limits.NONE, budgetId),
                  budgetId.map(budgetRows::get)));
        }
      }
    }
    for (LitellmRow r : keys) {
      String hash = r.requiredText("token");
      Optional<String> existing = snapshot().keyByHash(hash).map(VirtualKey::id);
      String id = existing.orElseGet(() -> UUID.randomUUID().toString());
      r.text("user_id").ifPresent(u -> ensureUser(u, now));
      Optional<VirtualKey> k = entity(EntityKind.KEY, id, () -> key(r, id, now));
      k.ifPresent(
          x ->
              spend.add(
                  opening(
                      r,
                      Level.KEY,
                      id,
                      "",
                      snapshot().limitsOf(x.limits(), x.budgetId()),
                      x.budgetId().map(budgetRows::get))));
    }
    for (LitellmRow r : endUsers) {
      String id = r.requiredText("user_id");
      Optional<String> budgetId = r.text("budget_id");
      Optional<Customer> c =
          entity(
              EntityKind.CUSTOMER,
              id,
              () ->
                  new Customer(
                      id, r.text("alias"), r.bool("blocked"), Limits.NONE, budgetId, now, now));
      c.ifPresent(
          x ->
              spend.add(
                  opening(
                      r,
                      Level.CUSTOMER,
                      id,
                      "",
                      snapshot().limitsOf(Limits.NONE, budgetId),
                      budgetId.map(budgetRows::get))));
    }
    for (LitellmRow r : tags) {
      String name = r.requiredText("tag_name");
      Optional<String> budgetId = r.text("budget_id");
      Optional<Tag> t =
          entity(
              EntityKind.TAG,
              name,
              () ->
                  new Tag(
                      name,
                      r.text("description"),
                      r.strings("models"),
                      Limits.NONE,
                      budgetId,
                      created(r, now),
                      updated(r, now)));
      t.ifPresent(
          x ->
              spend.add(
                  opening(
                      r,
                      Level.TAG,
                      name,
                      "",
                      snapshot().limitsOf(Limits.NONE, budgetId),
                      budgetId.map(budgetRows::get))));
    }
    for (LitellmRow r : stored) {
      model(r);
    }
    writeSpend(spend, now);
    return report;
  }

  private GovernanceSnapshot snapshot() {
    return governance.snapshot();
  }

  // --- entities ---------------------------------------------------------------------------------

  /**
   * Creates the entity {@code build} makes unless one of this kind and id exists: present (and
   * returned) when it was created now or already matched, empty when it was skipped.
   */
  private <E extends Entity> Optional<E> entity(
      EntityKind kind, String id, java.util.function.Supplier<E> build) {
    E e;
    try {
      e = build.get();
    } catch (IllegalArgumentException ex) {
      report.skipped(kind.label(), id, String.valueOf(ex.getMessage()));
      return Optional.empty();
    }
    lastCreated = false;
    String who = e instanceof VirtualKey k ? k.displayName() : id;
    Optional<Entity> have = snapshot().get(kind, id);
    if (have.isPresent()) {
      if (sameIgnoringTimes(have.get(), e)) {
        report.unchanged(kind.label());
        return Optional.of(e);
      }
      report.skipped(kind.label(), who, "already in Tollgate with other settings; left as it is");
      return Optional.empty();
    }
    if (e instanceof VirtualKey k && snapshot().keyByHash(k.tokenHash()).isPresent()) {
      report.skipped(kind.label(), who, "its key is already in Tollgate under another id");
      return Optional.empty();
    }
    try {
      governance.mutate(s -> new Governance.Mutation<>(List.of(new EntityChange.Upsert(e)), e));
    } catch (GatewayException ex) {
      report.skipped(kind.label(), who, String.valueOf(ex.getMessage()));
      return Optional.empty();
    }
    report.imported(kind.label());
    lastCreated = true;
    return Optional.of(e);
  }

  /** A user a key or membership names but LiteLLM's user table lacks, as LiteLLM adds one. */
  private void ensureUser(String userId, Instant now) {
    if (snapshot().users().containsKey(userId)) {
      return;
    }
    User u = User.plain(userId, Optional.empty(), now);
    governance.mutate(s -> new Governance.Mutation<>(List.of(new EntityChange.Upsert(u)), u));
    report.imported(EntityKind.USER.label());
  }

  private static boolean sameIgnoringTimes(Entity a, Entity b) {
    return withoutTimes(Database.auditJson(a)).equals(withoutTimes(Database.auditJson(b)));
  }

  private static JsonNode withoutTimes(String json) {
    try {
      ObjectNode o = (ObjectNode) Json.MAPPER.readTree(json);
      o.remove(List.of("created_at", "updated_at"));
      return o;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the store's entity JSON does not parse", e);
    }
  }

  private VirtualKey key(LitellmRow r, String id, Instant now) {
    String hash = r.requiredText("token");
    if (!dev.tollgate.governance.KeySecrets.looksLikeHash(hash)) {
      throw new IllegalArgumentException(
          "the token is not a SHA-256 hex digest, so the key cannot be carried over");
    }
    Limits own = limits(r);
    Optional<String> budgetId = r.text("budget_id");
    if (budgetId.isPresent() && !own.isUnset()) {
      report.note(
          "key "
              + r.text("key_alias").orElse(hash)
              + ": has its own limits and budget_id '"
              + budgetId.get()
              + "'; Tollgate keeps one of them, its own limits");
      budgetId = Optional.empty();
    }
    String metadata = metadata(r);
    List<String> tags = new ArrayList<>();
    r.object("metadata")
        .map(m -> m.get("tags"))
        .filter(JsonNode::isArray)
        .ifPresent(a -> a.forEach(t -> tags.add(t.asText())));
    return new VirtualKey(
        id,
        hash,
        r.text("key_name").orElse("sk-..." + hash.substring(60)),
        r.text("key_alias"),
        r.strings("models"),
        own,
        budgetId,
        r.text("user_id"),
        r.text("team_id"),
        r.text("organization_id"),
        metadata,
        tags,
        r.instant("expires"),
        r.bool("blocked"),
        created(r, now),
        updated(r, now));
  }

  private List<TeamMember> members(LitellmRow team, List<LitellmRow> memberships, Instant now) {
    Map<String, TeamMember.Role> roles = new LinkedHashMap<>();
    team.json("members_with_roles")
        .filter(JsonNode::isArray)
        .ifPresent(
            a -> {
              for (JsonNode m : a) {
                String user = m.path("user_id").asText("");
                if (user.isEmpty()) {
                  report.note(
                      "team "
                          + team.requiredText("team_id")
                          + ": a member without a user_id ("
                          + m.path("user_email").asText("no email")
                          + ") is left out");
                  continue;
                }
                roles.put(
                    user,
                    TeamMember.Role.fromWire(m.path("role").asText("user"))
                        .orElse(TeamMember.Role.USER));
              }
            });
    Map<String, Optional<String>> budgets = new HashMap<>();
    for (LitellmRow m : memberships) {
      String user = m.requiredText("user_id");
      roles.putIfAbsent(user, TeamMember.Role.USER);
      budgets.put(user, m.text("budget_id"));
    }
    List<TeamMember> out = new ArrayList<>();
    for (Map.Entry<String, TeamMember.Role> e : roles.entrySet()) {
      ensureUser(e.getKey(), now);
      out.add(
          new TeamMember(
              e.getKey(),
              e.getValue(),
              OptionalLong.empty(),
              budgets.getOrDefault(e.getKey(), Optional.empty())));
    }
    return out;
  }

  private static UserRole role(LitellmRow r) {
    return r.text("user_role").flatMap(UserRole::fromWire).orElse(UserRole.INTERNAL_USER);
  }

  /** The limits a LiteLLM row carries in its own columns. */
  private Limits limits(LitellmRow r) {
    if (r.object("model_max_budget").isPresent()) {
      report.note(
          r.where("model_max_budget")
              + " of "
              + idOf(r)
              + " is not carried over; set it again with the management API");
    }
    return new Limits(
        nanos(r, "max_budget"),
        nanos(r, "soft_budget"),
        r.text("budget_duration").map(BudgetDuration::parse),
        Map.of(),
        new RateLimits(
            r.count("rpm_limit"),
            r.count("tpm_limit"),
            r.count("max_parallel_requests"),
            Map.of(),
            Map.of()));
  }

  private static String idOf(LitellmRow r) {
    for (String c :
        List.of("token", "team_id", "user_id", "organization_id", "budget_id", "tag_name")) {
      Optional<String> v = r.text(c);
      if (v.isPresent()) {
        return v.get();
      }
    }
    return "a row";
  }

  private static OptionalLong nanos(LitellmRow r, String column) {
    Optional<BigDecimal> v = r.usd(column);
    return v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Usd.toNanos(v.get()));
  }

  private static String metadata(LitellmRow r) {
    return r.json("metadata").filter(JsonNode::isObject).map(JsonNode::toString).orElse("{}");
  }

  private static Instant created(LitellmRow r, Instant now) {
    return r.instant("created_at").orElse(now);
  }

  private static Instant updated(LitellmRow r, Instant now) {
    return r.instant("updated_at").or(() -> r.instant("created_at")).orElse(now);
  }

  // --- spend ------------------------------------------------------------------------------------

  /** One entity's spend, to be written as its opening spend row. */
  private record Opening(
      CounterKey counter,
      long nanos,
      Optional<BudgetDuration> duration,
      Optional<Instant> reset,
      boolean fresh) {}

  private Opening opening(LitellmRow r, Level level, String id, String sub, Limits limits) {
    return opening(r, level, id, sub, limits, Optional.empty());
  }

  private Opening opening(
      LitellmRow r,
      Level level,
      String id,
      String sub,
      Limits limits,
      Optional<LitellmRow> budget) {
    long nanos = r.usd("spend").map(Usd::toNanos).orElse(0L);
    Optional<Instant> reset =
        r.instant("budget_reset_at").or(() -> budget.flatMap(b -> b.instant("budget_reset_at")));
    return new Opening(
        new CounterKey(level, id, sub), nanos, limits.duration(), reset, lastCreated);
  }

  /**
   * Writes each entity's spend as one spend row charged to its counter alone, under a request id
   * made from the counter, so that running the import again adds nothing: the spend log writes a
   * request id once and charges counters only for rows it wrote.
   */
  private void writeSpend(List<Opening> openings, Instant now) {
    long at = now.toEpochMilli();
    for (Opening o : openings) {
      if (o.nanos() == 0) {
        continue;
      }
      Charge charge;
      if (o.duration().isEmpty()) {
        charge = new Charge(o.counter(), Optional.empty(), 0, CounterState.NO_END, Long.MAX_VALUE);
      } else if (o.reset().isPresent()) {
        if (!o.reset().get().isAfter(now)) {
          if (!o.fresh()) {
            continue;
          }
          report.note(
              o.counter().level().label()
                  + " "
                  + label(o.counter())
                  + ": its budget window ended at "
                  + o.reset().get()
                  + ", so its spend of $"
                  + Usd.of(o.nanos()).toPlainString()
                  + " starts again at 0, as LiteLLM would reset it");
          continue;
        }
        // The window LiteLLM was in ends at its budget_reset_at; later ones are Tollgate's.
        charge =
            new Charge(
                o.counter(), o.duration(), at, o.reset().get().toEpochMilli(), Long.MAX_VALUE);
      } else {
        Window w = windows.at(o.duration().get(), now);
        charge =
            new Charge(
                o.counter(),
                o.duration(),
                w.start().toEpochMilli(),
                w.end().toEpochMilli(),
                Long.MAX_VALUE);
      }
      CounterKey k = o.counter();
      SpendRecord row =
          new SpendRecord(
              SPEND_ROW
                  + ":"
                  + k.level().wire()
                  + ":"
                  + k.id()
                  + (k.sub().isEmpty() ? "" : ":" + k.sub()),
              at,
              k.level() == Level.KEY ? keyHash(k.id()) : "",
              Optional.of(k.id()).filter(x -> k.level() == Level.USER),
              Optional.of(k.id())
                  .filter(x -> k.level() == Level.TEAM || k.level() == Level.TEAM_MEMBER),
              Optional.of(k.id()).filter(x -> k.level() == Level.ORGANIZATION),
              Optional.of(k.id()).filter(x -> k.level() == Level.CUSTOMER),
              k.level() == Level.TAG ? List.of(k.id()) : List.of(),
              SPEND_ROW,
              Optional.empty(),
              Optional.empty(),
              "priced",
              "custom",
              0,
              0,
              0,
              0,
              0,
              OptionalLong.of(o.nanos()),
              UsageSource.NONE,
              200,
              Optional.empty(),
              0,
              false,
              List.of());
      spendLog.record(row, new Charges(at, List.of(charge)));
      if (o.fresh()) {
        report.spend(o.nanos());
      }
    }
    if (!spendLog.awaitPersisted(java.time.Duration.ofSeconds(60))) {
      throw new IllegalStateException(
          "the spend rows were not written within 60 s; run the import again once the database"
              + " answers (it writes each row once)");
    }
  }

  private String keyHash(String keyId) {
    VirtualKey k = snapshot().keys().get(keyId);
    return k == null ? "" : k.tokenHash();
  }

  private String label(CounterKey k) {
    if (k.level() == Level.KEY) {
      VirtualKey key = snapshot().keys().get(k.id());
      return key == null ? k.id() : key.displayName();
    }
    return k.sub().isEmpty() ? k.id() : k.id() + " / " + k.sub();
  }

  // --- models -----------------------------------------------------------------------------------

  private void model(LitellmRow r) {
    String id = r.requiredText("model_id");
    String name = r.requiredText("model_name");
    String what = "model " + name + " (id " + id + ")";
    if (r.bool("blocked")) {
      report.skipped("model", what, "blocked in LiteLLM");
      return;
    }
    ObjectNode params = r.object("litellm_params").orElseGet(Json.MAPPER::createObjectNode);
    List<String> missing = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!f.getValue().isTextual()) {
        continue;
      }
      String v = f.getValue().asText();
      Optional<String> plain = opener.flatMap(c -> c.open(v));
      if (plain.isPresent()) {
        f.setValue(Json.MAPPER.getNodeFactory().textNode(plain.get()));
      } else if (LitellmCipher.looksEncrypted(v)) {
        missing.add(f.getKey());
        it.remove();
      }
    }
    if (!params.has("model")) {
      report.needsOperator(
          what
              + ": not imported: its litellm_params are encrypted and "
              + (opener.isEmpty() ? "no salt key was given" : "the salt key does not open them")
              + "; run again with --salt-key (LiteLLM's LITELLM_SALT_KEY, else its master key)");
      report.skipped("model");
      return;
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("model_name", name);
    body.set("litellm_params", params);
    ObjectNode info = r.object("model_info").orElseGet(Json.MAPPER::createObjectNode);
    info.put("id", id);
    body.set("model_info", info);
    Optional<ModelStore.StoredModel> have =
        models.loadAll().stream().filter(m -> m.id().equals(id)).findFirst();
    if (have.isPresent()) {
      if (sameModel(have.get(), body)) {
        report.unchanged("model");
      } else {
        report.skipped("model", what, "already in Tollgate with other settings; left as it is");
      }
      return;
    }
    ObjectNode sealed;
    if (sealer.isPresent()) {
      sealed = ModelSecrets.seal(body, sealer.get());
    } else if (!ModelSecrets.plaintext(body).isEmpty()) {
      report.needsOperator(
          what
              + ": not imported: its secrets would be stored in plaintext; set "
              + SecretCipher.ENV
              + " and run again");
      report.skipped("model");
      return;
    } else {
      sealed = body;
    }
    models.upsert(new ModelStore.StoredModel(id, sealed.toString(), clock.millis()));
    report.imported("model");
    if (!missing.isEmpty()) {
      report.needsOperator(
          what
              + ": imported without "
              + String.join(", ", missing)
              + " (encrypted, and no salt key opened them); set them with /model/update");
    }
  }

  private boolean sameModel(ModelStore.StoredModel have, ObjectNode body) {
    try {
      ObjectNode stored = (ObjectNode) Json.MAPPER.readTree(have.json());
      return ModelSecrets.open(stored, sealer).equals(body);
    } catch (JsonProcessingException | ClassCastException | SecretException e) {
      return false;
    }
  }
}
