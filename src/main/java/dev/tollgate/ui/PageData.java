package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.GovernanceRoutes;
import dev.tollgate.admin.ModelAdmin;
import dev.tollgate.admin.Permissions;
import dev.tollgate.budget.BudgetLine;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.Usd;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GeneralSettings;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelRegistrar;
import dev.tollgate.store.Database;
import dev.tollgate.store.Health;
import dev.tollgate.store.SpendLog;
import dev.tollgate.store.SpendQueries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Builds each page's model from the services the management API uses: key reads and every change go
 * through {@link GovernanceRoutes#invoke} (the API's own handlers and permission table), the rest
 * through {@link Permissions#allows} and the same model, pricing and spend services. Blocks (the
 * store, the counters): called on worker threads only.
 */
final class PageData {
  static final int KEYS_PER_PAGE = 25;
  static final int SPEND_PER_PAGE = 50;
  static final int CHART_DAYS = 14;

  private final Governance governance;
  private final GovernanceRoutes api;
  private final Enforcer enforcer;
  private final ModelRegistrar registrar;
  private final ModelAdmin models;
  private final SpendQueries spend;
  private final Clock clock;
  private final GatewayConfig config;
  private final Database db;

  PageData(
      Governance governance,
      GovernanceRoutes api,
      Enforcer enforcer,
      ModelRegistrar registrar,
      ModelAdmin models,
      SpendQueries spend,
      Clock clock,
      GatewayConfig config,
      Database db) {
    this.governance = governance;
    this.api = api;
    this.enforcer = enforcer;
    this.registrar = registrar;
    this.models = models;
    this.spend = spend;
    this.clock = clock;
    this.config = config;
    this.db = db;
  }

  /** Spend today and this month (UTC), the proxy's own budget, and the unknown prices. */
  Pages.Overview overview(Pages.Chrome chrome, Principal p) {
    require(p, "GET /global/spend/report");
    ZonedDateTime now = clock.instant().atZone(ZoneOffset.UTC);
    long end = clock.millis() + 1;
    LocalDate today = now.toLocalDate();
    LocalDate month = today.withDayOfMonth(1);
    LocalDate since = today.minusDays(CHART_DAYS - 1L);
    // Two reports, each reading today's rows once: by model over the month and the chart's days
    // (the periods sum it), and by team over the chart's days.
    List<SpendQueries.Group> byModel =
        spend.globalSpendReport(
            startMillis(month.isBefore(since) ? month : since),
            end,
            List.of(SpendQueries.GroupBy.DAY, SpendQueries.GroupBy.MODEL));
    List<SpendQueries.Group> byTeam =
        spend.globalSpendReport(
            startMillis(since), end, List.of(SpendQueries.GroupBy.DAY, SpendQueries.GroupBy.TEAM));
    List<Pages.Period> periods =
        List.of(
            period("Today (UTC)", from(byModel, today)),
            period("This month (UTC)", from(byModel, month)));
    List<Pages.ChainLine> global = new ArrayList<>();
    BudgetLine g = enforcer.globalBudget();
    if (g.maxBudgetNanos().isPresent()) {
      global.add(line(g));
    }
    List<Pages.Chart> charts =
        List.of(
            Charts.spendPerDay(
                "chart-model",
                "Spend per day by model group",
                from(byModel, since),
                today,
                CHART_DAYS),
            Charts.spendPerDay("chart-team", "Spend per day by team", byTeam, today, CHART_DAYS));
    return new Pages.Overview(chrome, periods, unknownPrices(p).size(), global, charts);
  }

  private static long startMillis(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /** The groups of a report grouped by day first, from {@code first} on. */
  private static List<SpendQueries.Group> from(List<SpendQueries.Group> byDay, LocalDate first) {
    return byDay.stream()
        .filter(grp -> !LocalDate.parse(grp.keys().get(0).orElseThrow()).isBefore(first))
        .toList();
  }

  private static Pages.Period period(String label, List<SpendQueries.Group> groups) {
    long nanos = 0;
    long requests = 0;
    long unpriced = 0;
    long estimated = 0;
    for (SpendQueries.Group grp : groups) {
      nanos += grp.spendNanos();
      requests += grp.requests();
      unpriced += grp.unknownCostRequests();
      estimated += grp.estimatedRequests();
    }
    return new Pages.Period(label, usd(nanos), requests, unpriced, estimated);
  }

  /**
   * The keys {@code p} may read, as {@code GET /key/list} lists them for it, whose alias, masked
   * key, token, user or team contains {@code q}, newest first.
   */
  Pages.Keys keys(Pages.Chrome chrome, Principal p, String q, int page, Optional<String> error) {
    require(p, "GET /key/list");
    GovernanceSnapshot s = governance.snapshot();
    String needle = q.strip().toLowerCase(Locale.ROOT);
    List<VirtualKey> all =
        s.keys().values().stream()
            .filter(k -> Permissions.mayReadKey(p, s, k, "GET /key/list"))
            .filter(k -> needle.isEmpty() || matches(k, needle))
            .sorted(
                Comparator.comparing(VirtualKey::createdAt)
                    .reversed()
                    .thenComparing(VirtualKey::id))
            .toList();
    int pages = Math.max(1, (all.size() + KEYS_PER_PAGE - 1) / KEYS_PER_PAGE);
    int current = Math.min(Math.max(1, page), pages);
    boolean canBlock = Permissions.allows(p, s, "POST /key/block");
    boolean canDelete = Permissions.allows(p, s, "POST /key/delete");
    List<Pages.KeyRow> rows = new ArrayList<>();
    List<VirtualKey> shown =
        all.subList((current - 1) * KEYS_PER_PAGE, Math.min(all.size(), current * KEYS_PER_PAGE));
    // One read of the counters for the whole page.
    List<List<BudgetLine>> budgets =
        enforcer.entityBudgets(Level.KEY, shown.stream().map(VirtualKey::id).toList());
    for (int i = 0; i < shown.size(); i++) {
      VirtualKey k = shown.get(i);
      BudgetLine own = budgets.get(i).get(0);
      rows.add(
          new Pages.KeyRow(
              k.tokenHash(),
              k.displayName(),
              k.userId().orElse(""),
              k.teamId().orElse(""),
              usd(own.spendNanos()),
              k.limits().maxBudgetNanos().isPresent()
                  ? usd(k.limits().maxBudgetNanos().getAsLong())
                  : "",
              k.blocked(),
              k.createdAt().toString(),
              canBlock && Permissions.mayWriteKey(p, s, k, "POST /key/block"),
              canDelete && Permissions.mayWriteKey(p, s, k, "POST /key/delete")));
    }
    return new Pages.Keys(
        chrome,
        q,
        rows,
        current,
        pages,
        all.size(),
        Permissions.allows(p, s, "POST /key/generate"),
        canBlock,
        canDelete,
        error);
  }

  private static boolean matches(VirtualKey k, String needle) {
    return k.keyAlias().map(a -> a.toLowerCase(Locale.ROOT).contains(needle)).orElse(false)
        || k.keyName().toLowerCase(Locale.ROOT).contains(needle)
        || k.tokenHash().startsWith(needle)
        || k.userId().map(u -> u.toLowerCase(Locale.ROOT).contains(needle)).orElse(false)
        || k.teamId().map(t -> t.toLowerCase(Locale.ROOT).contains(needle)).orElse(false);
  }

  /** A key as {@code GET /key/info} returns it, with its budget chain. */
  Pages.Key key(
      Pages.Chrome chrome,
      Principal p,
      @Nullable String changedBy,
      String token,
      Optional<String> secret) {
    JsonNode info =
        api.invoke(p, "GET /key/info", Map.of("key", token), new byte[0], changedBy).path("info");
    List<Pages.ChainLine> chain = new ArrayList<>();
    Optional<String> blocking = Optional.empty();
    for (JsonNode l : info.path("budget_chain")) {
      Pages.ChainLine line = chainLine(l);
      chain.add(line);
      if (line.exhausted() && blocking.isEmpty()) {
        blocking =
            Optional.of(
                "the "
                    + line.level()
                    + " budget of "
                    + line.entity()
                    + " refuses the next request: spend "
                    + line.spend()
                    + " has reached max_budget "
                    + line.max()
                    + (line.resetAt().equals("never")
                        ? " (a lifetime budget: raise it or reset the spend)"
                        : "; it resets at " + line.resetAt()));
      }
    }
    GovernanceSnapshot s = governance.snapshot();
    Optional<VirtualKey> k = s.keyByHash(info.path("token").asText());
    List<String> allowed = new ArrayList<>();
    info.path("models").forEach(m -> allowed.add(m.asText()));
    return new Pages.Key(
        chrome,
        info.path("token").asText(),
        text(info.path("key_alias"), info.path("key_name").asText()),
        text(info.path("key_alias"), ""),
        text(info.path("user_id"), ""),
        text(info.path("team_id"), ""),
        allowed.isEmpty() ? "every model" : String.join(", ", allowed),
        money(info.path("spend")),
        money(info.path("max_budget")),
        text(info.path("budget_duration"), "lifetime"),
        text(info.path("expires"), "never"),
        info.path("blocked").asBoolean(),
        chain,
        blocking,
        secret,
        mayWrite(p, s, k, "POST /key/block"),
        mayWrite(p, s, k, "POST /key/delete"),
        KEY_FIELDS.stream()
            .map(f -> new Pages.FieldValue(f, formValue(f, info.path(f.name()))))
            .toList(),
        mayWrite(p, s, k, "POST /key/update"),
        mayWrite(p, s, k, "POST /key/regenerate"));
  }

  /**
   * Whether the permission table lets {@code p} use {@code route} on key {@code k}: a key it may
   * only read (another member's team key) shows no buttons.
   */
  private static boolean mayWrite(
      Principal p, GovernanceSnapshot s, Optional<VirtualKey> k, String route) {
    return Permissions.allows(p, s, route)
        && k.map(x -> Permissions.mayWriteKey(p, s, x, route)).orElse(false);
  }

  /** What a key's edit form takes; creating one also takes its owner. */
  static final List<Entity.Field> KEY_FIELDS =
      List.of(
          Entity.Field.text("key_alias", "Alias"),
          Entity.Field.money("max_budget", "Max budget (USD)"),
          Entity.Field.text("budget_duration", "Budget window (30d, 1h, 1mo)"),
          Entity.Field.list("models", "Models (comma-separated)"),
          Entity.Field.count("rpm_limit", "Requests per minute"),
          Entity.Field.count("tpm_limit", "Tokens per minute"));

  private static final List<Entity.Field> NEW_KEY_FIELDS =
      java.util.stream.Stream.concat(
              KEY_FIELDS.stream(),
              java.util.stream.Stream.of(
                  Entity.Field.text("user_id", "User id"), Entity.Field.text("team_id", "Team id")))
          .toList();

  /**
   * {@code POST /key/generate} with the form's fields; the new key's token and secret. Field values
   * are passed as the API takes them, so its validation messages apply unchanged.
   */
  JsonNode createKey(Principal p, @Nullable String changedBy, Map<String, String> form) {
    return api.invoke(
        p, "POST /key/generate", Map.of(), bytes(body(form, NEW_KEY_FIELDS)), changedBy);
  }

  /** {@code POST /key/update} with the fields the edit form changed ({@link #changes}). */
  void updateKey(Principal p, @Nullable String changedBy, String token, Map<String, String> form) {
    ObjectNode body = changes(form, KEY_FIELDS).put("key", token);
    api.invoke(p, "POST /key/update", Map.of(), bytes(body), changedBy);
  }

  /** {@code POST /key/regenerate}: the key's new token and secret. */
  JsonNode regenerate(Principal p, @Nullable String changedBy, String token) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("key", token);
    return api.invoke(p, "POST /key/regenerate", Map.of(), bytes(body), changedBy);
  }

  /** The hidden field of an edit form that holds what field {@code name} showed. */
  static String shownField(String name) {
    return "_shown_" + name;
  }

  /**
   * The API body of a create form: each non-blank field of {@code fields}, as {@link #put} writes
   * it.
   */
  static ObjectNode body(Map<String, String> form, List<Entity.Field> fields) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    for (Entity.Field f : fields) {
      String v = form.getOrDefault(f.name(), "").strip();
      if (!v.isEmpty()) {
        put(body, f, v);
      }
    }
    return body;
  }

  /**
   * The API body of an edit form: each field of {@code fields} that the form has and that differs
   * from what the form showed ({@link #shownField}); an emptied field is null, which the API's
   * updates take as "remove". A field the form lacks, or left as shown, is left out, so the API
   * keeps its value (even when someone else changed it meanwhile).
   */
  static ObjectNode changes(Map<String, String> form, List<Entity.Field> fields) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    for (Entity.Field f : fields) {
      String v = form.get(f.name());
      if (v == null) {
        continue;
      }
      v = v.strip();
      String shown = form.get(shownField(f.name()));
      if (shown != null && shown.strip().equals(v)) {
        continue;
      }
      if (v.isEmpty()) {
        body.putNull(f.name());
      } else {
        put(body, f, v);
      }
    }
    return body;
  }

  /**
   * Field {@code f} with the non-blank value {@code v}: numbers as decimals (or as the text typed,
   * so that the API's message names the field), lists split at commas.
   */
  private static void put(ObjectNode body, Entity.Field f, String v) {
    switch (f.type()) {
      case TEXT -> body.put(f.name(), v);
      case MONEY, COUNT -> {
        try {
          body.put(f.name(), new BigDecimal(v));
        } catch (NumberFormatException e) {
          body.put(f.name(), v);
        }
      }
      case LIST -> {
        var a = body.putArray(f.name());
        for (String m : v.split(",", -1)) {
          if (!m.isBlank()) {
            a.add(m.strip());
          }
        }
      }
    }
  }

  /** {@code POST /key/block} or {@code /key/unblock}. */
  void block(Principal p, @Nullable String changedBy, String token, boolean blocked) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("key", token);
    api.invoke(
        p, blocked ? "POST /key/block" : "POST /key/unblock", Map.of(), bytes(body), changedBy);
  }

  /** {@code POST /key/delete} of one key. */
  void delete(Principal p, @Nullable String changedBy, String token) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.putArray("keys").add(token);
    api.invoke(p, "POST /key/delete", Map.of(), bytes(body), changedBy);
  }

  // --- what a caller who reads only its own sees ------------------------------------------------

  /**
   * The overview of a caller who reads only its own spend ({@link Permissions#readsOwn}): its
   * user's spend today and this month (UTC), as {@code /spend/logs} scopes it; nothing of others'.
   */
  Pages.Overview ownOverview(Pages.Chrome chrome, Principal p) {
    Optional<String> me = Optional.of(Permissions.self(p, Optional.empty(), "spend"));
    LocalDate today = clock.instant().atZone(ZoneOffset.UTC).toLocalDate();
    long end = clock.millis() + 1;
    long day = today.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long month = today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    List<Pages.Period> periods = new ArrayList<>();
    for (Map.Entry<String, Long> from :
        List.of(Map.entry("Today (UTC)", day), Map.entry("This month (UTC)", month))) {
      long nanos = 0;
      long requests = 0;
      long unpriced = 0;
      long estimated = 0;
      for (SpendQueries.Group g :
          spend.globalSpendReport(
              from.getValue(), end, List.of(SpendQueries.GroupBy.DAY, SpendQueries.GroupBy.USER))) {
        if (g.keys().get(1).equals(me)) {
          nanos += g.spendNanos();
          requests += g.requests();
          unpriced += g.unknownCostRequests();
          estimated += g.estimatedRequests();
        }
      }
      periods.add(new Pages.Period(from.getKey(), usd(nanos), requests, unpriced, estimated));
    }
    return new Pages.Overview(chrome, periods, 0, List.of(), List.of());
  }

  /**
   * {@code f} as {@code p} may ask it: a caller who reads only its own spend is held to its user
   * (403 when it names another), as {@code /spend/logs} holds it.
   */
  static Pages.SpendFilters scoped(Principal p, Pages.SpendFilters f) {
    if (Permissions.readsAll(p)) {
      return f;
    }
    Optional<String> asked = f.user().isBlank() ? Optional.empty() : Optional.of(f.user().strip());
    return new Pages.SpendFilters(
        f.key(),
        Permissions.self(p, asked, "spend"),
        f.team(),
        f.tag(),
        f.model(),
        f.start(),
        f.end());
  }

  /**
   * One request of the spend log, for a caller who reads only its own spend only when it is its
   * user's; another's answers as a missing one does.
   */
  Pages.Request ownRequest(Pages.Chrome chrome, Principal p, String requestId) {
    Pages.Request r = request(chrome, p, requestId);
    if (!Permissions.readsAll(p)
        && !r.row().user().equals(Permissions.self(p, Optional.empty(), "spend"))) {
      throw GatewayException.notFound(
          "request_id", "no request '" + requestId + "' in the spend log");
    }
    return r;
  }

  // --- teams, users, organizations, customers, tags, shared budgets ---------------------------

  /** Every entity of {@code kind} whose id or name contains {@code q}, by id. */
  Pages.Entities entities(Pages.Chrome chrome, Principal p, Entity kind, String q) {
    JsonNode list = api.invoke(p, kind.listRoute(), kind.listQuery(), new byte[0], null);
    String needle = q.strip().toLowerCase(Locale.ROOT);
    List<Pages.EntityRow> rows = new ArrayList<>();
    for (JsonNode e : Entity.rows(list)) {
      Pages.EntityRow row = row(kind, e);
      if (needle.isEmpty()
          || row.id().toLowerCase(Locale.ROOT).contains(needle)
          || row.name().toLowerCase(Locale.ROOT).contains(needle)) {
        rows.add(row);
      }
    }
    rows.sort(Comparator.comparing(Pages.EntityRow::id));
    GovernanceSnapshot s = governance.snapshot();
    return new Pages.Entities(
        chrome,
        kind,
        q,
        rows,
        Permissions.allows(p, s, kind.newRoute()),
        Permissions.allows(p, s, kind.deleteRoute()));
  }

  /** One entity as its info route returns it, with its budgets and, for a team, its members. */
  Pages.EntityPage entity(Pages.Chrome chrome, Principal p, Entity kind, String id) {
    Entity.Read read = kind.read(id);
    JsonNode info = api.invoke(p, read.route(), read.query(), read.body(), null);
    JsonNode e = kind.entity(info, id);
    List<Pages.ChainLine> budgets = new ArrayList<>();
    for (JsonNode l : e.path("budgets")) {
      budgets.add(chainLine(l));
    }
    List<Pages.Member> members = new ArrayList<>();
    for (JsonNode m : info.path("team_memberships")) {
      members.add(
          new Pages.Member(
              m.path("user_id").asText(),
              m.path("role").asText(),
              money(m.path("spend")),
              money(m.path("max_budget_in_team")),
              text(m.path("budget_duration"), "lifetime"),
              m.path("budget").path("exhausted").asBoolean()));
    }
    List<Pages.FieldValue> values = new ArrayList<>();
    for (Entity.Field f : kind.fields) {
      values.add(new Pages.FieldValue(f, formValue(f, e.path(f.name()))));
    }
    GovernanceSnapshot s = governance.snapshot();
    return new Pages.EntityPage(
        chrome,
        kind,
        row(kind, e),
        values,
        budgets,
        members,
        Permissions.allows(p, s, kind.updateRoute()),
        Permissions.allows(p, s, kind.deleteRoute()),
        kind == Entity.TEAMS && Permissions.allows(p, s, "POST /team/member_add"));
  }

  private static Pages.EntityRow row(Entity kind, JsonNode e) {
    List<String> models = new ArrayList<>();
    e.path("models").forEach(m -> models.add(m.asText()));
    return new Pages.EntityRow(
        e.path(kind.idField).asText(),
        kind.nameField.isEmpty() ? "" : text(e.path(kind.nameField), ""),
        e.has("spend") ? money(e.path("spend")) : "",
        money(e.path("max_budget")),
        text(e.path("budget_duration"), "lifetime"),
        text(e.path("budget_reset_at"), "never"),
        String.join(", ", models),
        e.path("blocked").asBoolean());
  }

  /** A value as its edit field shows it: dollars as plain decimals, lists joined by commas. */
  private static String formValue(Entity.Field f, JsonNode v) {
    if (v.isMissingNode() || v.isNull()) {
      return "";
    }
    return switch (f.type()) {
      case MONEY, COUNT -> v.decimalValue().stripTrailingZeros().toPlainString();
      case LIST -> {
        List<String> items = new ArrayList<>();
        v.forEach(x -> items.add(x.asText()));
        yield String.join(", ", items);
      }
      case TEXT -> v.asText();
    };
  }

  /** The create route with the form's id and fields; the new entity's id. */
  String createEntity(Principal p, @Nullable String changedBy, Entity kind, Map<String, String> f) {
    ObjectNode body = body(f, kind.fields);
    String id = f.getOrDefault(kind.idField, "").strip();
    if (!id.isEmpty()) {
      body.put(kind.idField, id);
    }
    JsonNode out = api.invoke(p, kind.newRoute(), Map.of(), bytes(body), changedBy);
    return out.path(kind.idField).asText(id);
  }

  /** The update route with the fields the edit form changed ({@link #changes}). */
  void updateEntity(
      Principal p, @Nullable String changedBy, Entity kind, String id, Map<String, String> f) {
    ObjectNode body = changes(f, kind.fields).put(kind.idField, id);
    api.invoke(p, kind.updateRoute(), Map.of(), bytes(body), changedBy);
  }

  void deleteEntity(Principal p, @Nullable String changedBy, Entity kind, String id) {
    api.invoke(p, kind.deleteRoute(), Map.of(), bytes(kind.deleteBody(id)), changedBy);
  }

  /** {@code POST /team/member_add} of one user, with a budget in the team when one is given. */
  void addMember(Principal p, @Nullable String changedBy, String team, Map<String, String> f) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("team_id", team);
    ObjectNode member = body.putObject("member");
    member.put("user_id", f.getOrDefault("user_id", "").strip());
    member.put("role", f.getOrDefault("role", "user").strip());
    body.setAll(body(f, List.of(Entity.Field.money("max_budget_in_team", ""))));
    api.invoke(p, "POST /team/member_add", Map.of(), bytes(body), changedBy);
  }

  void removeMember(Principal p, @Nullable String changedBy, String team, String user) {
    ObjectNode body =
        JsonNodeFactory.instance.objectNode().put("team_id", team).put("user_id", user);
    api.invoke(p, "POST /team/member_delete", Map.of(), bytes(body), changedBy);
  }

  /** Every deployment with its price state, source and rates per million tokens. */
  Pages.Models models(Pages.Chrome chrome, Principal p) {
    require(p, "GET /model/info");
    List<Pages.ModelRow> rows = new ArrayList<>();
    long unknown = 0;
    List<Deployment> all =
        registrar.registry().deployments().stream()
            .sorted(Comparator.comparing(Deployment::modelName).thenComparing(Deployment::id))
            .toList();
    for (Deployment d : all) {
      Price price = d.price();
      String input = "-";
      String output = "-";
      switch (price) {
        case Price.Priced pr -> {
          input = perMillion(pr.rates().get(RateKey.INPUT));
          output = perMillion(pr.rates().get(RateKey.OUTPUT));
        }
        case Price.Free f -> {
          input = "0";
          output = "0";
        }
        case Price.Unknown u -> unknown++;
      }
      rows.add(
          new Pages.ModelRow(
              d.modelName(),
              d.id(),
              d.params().provider(),
              d.params().model(),
              price instanceof Price.Priced ? "priced/" + price.sourceName() : price.state(),
              price instanceof Price.Unknown,
              input,
              output,
              d.origin().name().toLowerCase(Locale.ROOT)));
    }
    return new Pages.Models(chrome, rows, unknown);
  }

  /**
   * The loaded config without its secrets (credentials and the master key, database and Redis URLs
   * are only said to be set; deployments as {@code /model/info} renders them), and what readiness
   * reports of the store, the counters and the spend log. Blocks up to about two seconds (the
   * store's probe).
   */
  Pages.Settings settings(Pages.Chrome chrome, Principal p) {
    require(p, "GET /model/info");
    GeneralSettings g = config.general();
    List<Pages.Setting> general =
        List.of(
            new Pages.Setting(
                "master_key",
                g.masterKey().isPresent()
                    ? "set"
                    : "not in the config (TOLLGATE_MASTER_KEY or the data directory)"),
            new Pages.Setting("database_url", g.databaseUrl().isPresent() ? "set" : "not set"),
            new Pages.Setting("redis_url", g.redisUrl().isPresent() ? "set" : "not set"),
            new Pages.Setting("store_model_in_db", Boolean.toString(g.storeModelInDb())),
            new Pages.Setting("max_request_size", g.maxRequestBytes() + " bytes"),
            new Pages.Setting("config sync interval", g.configSyncMillis() + " ms"),
            new Pages.Setting("alerting", String.join(", ", g.alerting())),
            new Pages.Setting("redis_failure_mode", g.redisFailureMode().orElse("")),
            new Pages.Setting(
                "background_health_checks", Boolean.toString(g.backgroundHealthChecks())),
            new Pages.Setting("health_check_interval", g.healthCheckIntervalMillis() + " ms"),
            new Pages.Setting("json_logs", Boolean.toString(g.jsonLogs())));
    RouterSettings r = config.router();
    List<Pages.Setting> router =
        List.of(
            new Pages.Setting("routing_strategy", r.routingStrategy()),
            new Pages.Setting("num_retries", Integer.toString(r.numRetries())),
            new Pages.Setting(
                "timeout",
                r.timeoutMillis().isPresent() ? r.timeoutMillis().getAsLong() + " ms" : ""),
            new Pages.Setting("redis_host", r.redisHost().orElse("")),
            new Pages.Setting("redis_password", r.redisPassword().isPresent() ? "set" : "not set"),
            new Pages.Setting("allowed_fails", Integer.toString(r.allowedFails())),
            new Pages.Setting("cooldown_time", r.cooldownMillis() + " ms"),
            new Pages.Setting("max_fallbacks", Integer.toString(r.maxFallbacks())));
    List<String> deployments =
        registrar.registry().deployments().stream()
            .sorted(Comparator.comparing(Deployment::modelName).thenComparing(Deployment::id))
            .map(d -> pretty(models.render(d)))
            .toList();
    Health health = db.health();
    List<Pages.Setting> store = new ArrayList<>();
    store.add(new Pages.Setting("store", db.description()));
    store.add(new Pages.Setting("state", health.state().name().toLowerCase(Locale.ROOT)));
    store.add(new Pages.Setting("message", health.message()));
    store.add(new Pages.Setting("counters", enforcer.meterMode()));
    enforcer.sharingWarning().ifPresent(w -> store.add(new Pages.Setting("counters warning", w)));
    SpendLog.Stats s = db.spendLog().stats();
    List<Pages.Setting> spendLog =
        List.of(
            new Pages.Setting("queued", Long.toString(s.queued())),
            new Pages.Setting("journal pending", Long.toString(s.journalPending())),
            new Pages.Setting("dead-lettered", Long.toString(s.deadLettered())),
            new Pages.Setting("degraded", Boolean.toString(s.degraded())));
    return new Pages.Settings(
        chrome,
        config.source(),
        general,
        router,
        config.warnings(),
        deployments,
        List.copyOf(store),
        spendLog);
  }

  private static String pretty(JsonNode node) {
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String perMillion(Optional<BigDecimal> rate) {
    return rate.map(r -> r.movePointRight(6).stripTrailingZeros().toPlainString()).orElse("-");
  }

  /** What {@code GET /pricing/unknown} returns. */
  Pages.Gaps gaps(Pages.Chrome chrome, Principal p) {
    return new Pages.Gaps(chrome, unknownPrices(p));
  }

  private List<Pages.Gap> unknownPrices(Principal p) {
    require(p, "GET /pricing/unknown");
    List<Pages.Gap> gaps = new ArrayList<>();
    for (JsonNode g : models.unknownPrices().path("data")) {
      gaps.add(
          new Pages.Gap(
              g.path("id").asText(),
              g.path("model_name").asText(),
              g.path("model").asText(),
              g.path("origin").asText(),
              g.path("fix").asText()));
    }
    return gaps;
  }

  /** One page of the spend log, newest first, with the filters as the form had them. */
  Pages.Spend spend(Pages.Chrome chrome, Principal p, Pages.SpendFilters f, int page) {
    require(p, "GET /spend/logs");
    GovernanceSnapshot s = governance.snapshot();
    SpendQueries.Filter filter = SpendQueries.Filter.all();
    if (!f.key().isBlank()) {
      filter = filter.withKeyHash(keyHash(s, f.key().strip()));
    }
    if (!f.user().isBlank()) {
      filter = filter.withUserId(f.user().strip());
    }
    if (!f.team().isBlank()) {
      filter = filter.withTeamId(f.team().strip());
    }
    if (!f.tag().isBlank()) {
      filter = filter.withTag(f.tag().strip());
    }
    if (!f.model().isBlank()) {
      filter = filter.withModel(f.model().strip());
    }
    if (!f.start().isBlank() || !f.end().isBlank()) {
      long start = f.start().isBlank() ? 0 : day(f.start(), "start", false);
      long end = f.end().isBlank() ? clock.millis() + 1 : day(f.end(), "end", true);
      filter = filter.between(start, end);
    }
    SpendQueries.Page result = spend.spendLogs(filter, Math.max(1, page), SPEND_PER_PAGE);
    List<Pages.SpendRow> rows = new ArrayList<>();
    for (SpendRecord r : result.rows()) {
      rows.add(spendRow(s, r));
    }
    int current = result.page();
    return new Pages.Spend(
        chrome,
        f,
        rows,
        current,
        result.totalPages(),
        result.total(),
        current > 1 ? query(f, current - 1) : "",
        current < result.totalPages() ? query(f, current + 1) : "");
  }

  private static Pages.SpendRow spendRow(GovernanceSnapshot s, SpendRecord r) {
    String key =
        s.keyByHash(r.keyHash()).map(VirtualKey::displayName).orElse(shortHash(r.keyHash()));
    return new Pages.SpendRow(
        r.requestId(),
        Instant.ofEpochMilli(r.startedAtMillis()).toString(),
        key,
        r.userId().orElse(""),
        r.teamId().orElse(""),
        r.modelGroup(),
        Integer.toString(r.status()),
        r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens(),
        r.outputTokens(),
        r.costNanos().isPresent() ? usd(r.costNanos().getAsLong()) : "unknown",
        r.priceState() + "/" + r.priceSource(),
        r.usageSource().wire());
  }

  /** One request of the spend log: its tokens, usage source, price, cost, status and attempts. */
  Pages.Request request(Pages.Chrome chrome, Principal p, String requestId) {
    require(p, "GET /spend/logs");
    SpendQueries.Page found =
        spend.spendLogs(SpendQueries.Filter.all().withRequestId(requestId), 1, 1);
    if (found.rows().isEmpty()) {
      throw GatewayException.notFound(
          "request_id", "no request '" + requestId + "' in the spend log");
    }
    SpendRecord r = found.rows().get(0);
    List<String> attempts = new ArrayList<>();
    for (SpendRecord.Attempt a : r.attempts()) {
      attempts.add(
          a.modelGroup()
              + " / "
              + a.deploymentId()
              + ": "
              + a.status()
              + a.errorClass().map(e -> " (" + e + ")").orElse(""));
    }
    return new Pages.Request(
        chrome,
        spendRow(governance.snapshot(), r),
        r.deploymentId().orElse(""),
        r.providerModel().orElse(""),
        r.requestedModel(),
        r.cacheReadTokens(),
        r.cacheCreationTokens(),
        r.reasoningTokens(),
        String.join(", ", r.tags()),
        r.errorType().map(t -> t + r.errorCode().map(c -> " / " + c).orElse("")).orElse(""),
        r.latencyMillis(),
        r.stream(),
        attempts);
  }

  /** A key filter as an alias, a key, or a token. */
  private static String keyHash(GovernanceSnapshot s, String v) {
    for (VirtualKey k : s.keys().values()) {
      if (k.keyAlias().equals(Optional.of(v))) {
        return k.tokenHash();
      }
    }
    return KeySecrets.looksLikeHash(v) ? v : KeySecrets.hash(v);
  }

  private static long day(String v, String field, boolean endOfDay) {
    try {
      LocalDate d = LocalDate.parse(v.strip());
      return (endOfDay ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw GatewayException.badRequest(
          field, field + " must be a date as YYYY-MM-DD, got '" + v + "'");
    }
  }

  private static String query(Pages.SpendFilters f, int page) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("key", f.key());
    q.put("user", f.user());
    q.put("team", f.team());
    q.put("tag", f.tag());
    q.put("model", f.model());
    q.put("start", f.start());
    q.put("end", f.end());
    StringBuilder b = new StringBuilder("?page=").append(page);
    q.forEach(
        (k, v) -> {
          if (!v.isBlank()) {
            b.append('&')
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
          }
        });
    return b.toString();
  }

  private static String shortHash(String hash) {
    return hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
  }

  /** Refuses (403) {@code p} where the permission table refuses the matching API route. */
  private void require(Principal p, String route) {
    if (!Permissions.allows(p, governance.snapshot(), route)) {
      throw GatewayException.of(
          403, "permission_error", null, "forbidden", "this login may not use " + route);
    }
  }

  /** One budget line of the API's JSON. */
  private static Pages.ChainLine chainLine(JsonNode l) {
    return new Pages.ChainLine(
        l.path("level").asText(),
        l.path("entity").asText(),
        money(l.path("spend")),
        money(l.path("reserved")),
        money(l.path("max_budget")),
        text(l.path("budget_duration"), "lifetime"),
        text(l.path("budget_reset_at"), "never"),
        l.path("exhausted").asBoolean(),
        l.has("figures_hidden"));
  }

  static Pages.ChainLine line(BudgetLine l) {
    return new Pages.ChainLine(
        l.level().wire(),
        l.label(),
        usd(l.spendNanos()),
        usd(l.reservedNanos()),
        l.maxBudgetNanos().isPresent() ? usd(l.maxBudgetNanos().getAsLong()) : "none",
        l.duration().map(d -> d.text()).orElse("lifetime"),
        l.resetAt().map(Instant::toString).orElse("never"),
        l.exhausted(),
        false);
  }

  static String usd(long nanos) {
    return "$" + CostCalculator.formatUsd(nanos);
  }

  /** A dollar amount of the API's JSON through the same formatter; "none" when null. */
  private static String money(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return "none";
    }
    return usd(Usd.toNanos(n.decimalValue()));
  }

  private static String text(JsonNode n, String fallback) {
    return n.isMissingNode() || n.isNull() || n.asText().isEmpty() ? fallback : n.asText();
  }

  static byte[] bytes(JsonNode n) {
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
