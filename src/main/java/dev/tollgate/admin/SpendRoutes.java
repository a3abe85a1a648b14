package dev.tollgate.admin;

import static dev.tollgate.store.SpendQueries.GroupBy.DAY;
import static dev.tollgate.store.SpendQueries.GroupBy.KEY;
import static dev.tollgate.store.SpendQueries.GroupBy.MODEL;
import static dev.tollgate.store.SpendQueries.GroupBy.TAG;
import static dev.tollgate.store.SpendQueries.GroupBy.USER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.store.SpendQueries;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The spend reports, in LiteLLM's shapes: {@code GET /spend/logs} (a list of rows), {@code
 * /spend/logs/ui} (a page of them), {@code /spend/tags}, {@code /global/spend/logs}, {@code
 * /global/spend/keys}, {@code /global/spend/models}, {@code /global/spend/tags} and {@code
 * /global/spend/report}. Queries run on a worker thread. Amounts are USD at this edge, converted
 * from the exact nano-USD in the store; a request whose cost is unknown shows {@code "spend":
 * null}, never 0, and sums leave it out and count it apart.
 */
public final class SpendRoutes {
  private static final int DEFAULT_PAGE_SIZE = 50;
  private static final int MAX_PAGE_SIZE = 1000;

  /** The window of LiteLLM's {@code /global/spend/*} views ({@code Last30dKeysBySpend}...). */
  private static final long LAST_30_DAYS_MILLIS = 30L * 86_400_000L;

  private final Authenticator auth;
  private final Supplier<GovernanceSnapshot> governance;
  private final SpendQueries queries;
  private final Clock clock;

  public SpendRoutes(
      Authenticator auth, Supplier<GovernanceSnapshot> governance, SpendQueries queries) {
    this(auth, governance, queries, Clock.systemUTC());
  }

  /** As the other constructor; {@code clock} says when the last 30 days end. */
  public SpendRoutes(
      Authenticator auth,
      Supplier<GovernanceSnapshot> governance,
      SpendQueries queries,
      Clock clock) {
    this.auth = auth;
    this.governance = governance;
    this.queries = queries;
    this.clock = clock;
  }

  public void mount(Router router) {
    get(router, "/spend/logs", (req, p) -> logList(req, p));
    get(router, "/spend/logs/ui", (req, p) -> logs(req, p));
    get(router, "/global/spend/report", (req, p) -> report(req));
    get(router, "/spend/tags", (req, p) -> spendTags(req));
    get(router, "/global/spend/logs", this::globalLogs);
    get(router, "/global/spend/keys", this::globalKeys);
    get(router, "/global/spend/models", this::globalModels);
    get(router, "/global/spend/tags", (req, p) -> globalTags(req));
  }

  private void get(
      Router router,
      String path,
      java.util.function.BiFunction<HttpServerRequest, Principal, JsonNode> query) {
    router
        .get(path)
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, path))
        .handler(
            ctx -> blocking(ctx, () -> query.apply(ctx.request(), Permissions.principal(ctx))));
  }

  /** Runs {@code query} on a worker and answers with its JSON, or its error. */
  static void blocking(RoutingContext ctx, Supplier<? extends JsonNode> query) {
    ctx.vertx()
        .executeBlocking(query::get, false)
        .onSuccess(
            out ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(Json.write(g -> Json.tree(g, out)))))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /** The most rows {@code /spend/logs} sums into its per-day summary in one call. */
  private static final int MAX_SUMMARY_ROWS = 100_000;

  /**
   * {@code GET /spend/logs}: LiteLLM's list of rows, newest first, with the filters of {@link
   * #logs}. LiteLLM returns every row; Tollgate returns at most {@code page_size} (default and most
   * {@value #MAX_PAGE_SIZE}) from {@code page}, so that one call cannot read the whole log. With
   * {@code start_date} and {@code end_date}, and unless {@code summarize=false}, the answer is
   * LiteLLM's per-day summary instead (see {@link #summary}).
   */
  private ArrayNode logList(HttpServerRequest req, Principal caller) {
    SpendQueries.Filter f = filter(req, caller);
    long[] range = range(req, false);
    if (range != null && !"false".equalsIgnoreCase(req.getParam("summarize"))) {
      return summary(f, range[1]);
    }
    int page = intParam(req, "page", 1, 1, Integer.MAX_VALUE);
    int size = intParam(req, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    queries.spendLogs(f, page, size).rows().forEach(r -> out.add(row(r)));
    return out;
  }

  /**
   * LiteLLM's per-day summary of {@code /spend/logs}: for each UTC day with spend, {@code
   * {startTime, spend, users: {user: spend}, models: {model: spend}}} and the spend of each key
   * hash as a field of its own; then the days after the last one up to the end date, with none.
   * Sums are exact, over priced requests; {@code unpriced_requests} counts the others.
   */
  private ArrayNode summary(SpendQueries.Filter f, long endMillis) {
    record Day(
        java.util.Map<String, Long> keys,
        java.util.Map<String, Long> users,
        java.util.Map<String, Long> models,
        long[] spendAndUnpriced) {}
    java.util.TreeMap<LocalDate, Day> days = new java.util.TreeMap<>();
    for (int page = 1; ; page++) {
      SpendQueries.Page p = queries.spendLogs(f, page, MAX_PAGE_SIZE);
      if (p.total() > MAX_SUMMARY_ROWS) {
        throw GatewayException.badRequest(
            "start_date",
            p.total()
                + " requests are too many to summarise here (at most "
                + MAX_SUMMARY_ROWS
                + "); use /global/spend/report?group_by=day, or summarize=false with page");
      }
      for (SpendRecord r : p.rows()) {
        LocalDate d =
            Instant.ofEpochMilli(r.startedAtMillis()).atZone(ZoneOffset.UTC).toLocalDate();
        Day day =
            days.computeIfAbsent(
                d,
                x ->
                    new Day(
                        new java.util.TreeMap<>(),
                        new java.util.TreeMap<>(),
                        new java.util.TreeMap<>(),
                        new long[2]));
        if (r.costNanos().isEmpty()) {
          day.spendAndUnpriced()[1]++;
          continue;
        }
        long cost = r.costNanos().getAsLong();
        day.spendAndUnpriced()[0] = Math.addExact(day.spendAndUnpriced()[0], cost);
        day.keys().merge(r.keyHash(), cost, Math::addExact);
        day.users().merge(r.userId().orElse(""), cost, Math::addExact);
        day.models().merge(r.providerModel().orElse(r.modelGroup()), cost, Math::addExact);
      }
      if (page >= p.totalPages()) {
        break;
      }
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (java.util.Map.Entry<LocalDate, Day> e : days.entrySet()) {
      Day day = e.getValue();
      ObjectNode o = out.addObject();
      o.put("startTime", e.getKey().toString());
      o.put("spend", CostCalculator.nanosToUsd(day.spendAndUnpriced()[0]));
      day.keys().forEach((k, v) -> o.put(k, CostCalculator.nanosToUsd(v)));
      ObjectNode users = o.putObject("users");
      day.users().forEach((k, v) -> users.put(k, CostCalculator.nanosToUsd(v)));
      ObjectNode models = o.putObject("models");
      day.models().forEach((k, v) -> models.put(k, CostCalculator.nanosToUsd(v)));
      o.put("unpriced_requests", day.spendAndUnpriced()[1]);
    }
    if (!days.isEmpty()) {
      // The range's end is exclusive: the last day asked for is the one before it. Days after
      // today have nothing to show, so the filling stops there.
      LocalDate last =
          Instant.ofEpochMilli(Math.min(endMillis - 1, clock.millis()))
              .atZone(ZoneOffset.UTC)
              .toLocalDate();
      for (LocalDate d = days.lastKey().plusDays(1); !d.isAfter(last); d = d.plusDays(1)) {
        ObjectNode o = out.addObject();
        o.put("startTime", d.toString());
        o.put("spend", 0);
        o.putObject("users");
        o.putObject("models");
      }
    }
    return out;
  }

  /**
   * {@code GET /spend/logs/ui}: one page of rows, {@code {data, total, page, page_size,
   * total_pages}}. Filters: request_id (one request's row, with its attempts), api_key (a key,
   * hashed here) or key_hash, user_id, team_id, tag, model, dates.
   */
  private ObjectNode logs(HttpServerRequest req, Principal caller) {
    SpendQueries.Filter f = filter(req, caller);
    int page = intParam(req, "page", 1, 1, Integer.MAX_VALUE);
    int size = intParam(req, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    SpendQueries.Page p = queries.spendLogs(f, page, size);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode data = out.putArray("data");
    for (SpendRecord r : p.rows()) {
      data.add(row(r));
    }
    out.put("total", p.total());
    out.put("page", p.page());
    out.put("page_size", p.pageSize());
    out.put("total_pages", p.totalPages());
    return out;
  }

  /** The rows a spend-log request asks for; a caller who does not read all sees only its own. */
  private static SpendQueries.Filter filter(HttpServerRequest req, Principal caller) {
    SpendQueries.Filter f = SpendQueries.Filter.all();
    if (!Permissions.readsAll(caller)) {
      // A user sees only their own spend, whatever else the query asks for.
      f =
          f.withUserId(
              Permissions.self(caller, Optional.ofNullable(req.getParam("user_id")), "spend"));
    }
    String requestId = req.getParam("request_id");
    if (requestId != null) {
      f = f.withRequestId(requestId);
    }
    String apiKey = req.getParam("api_key");
    if (apiKey != null) {
      f = f.withKeyHash(KeySecrets.hash(apiKey));
    }
    String keyHash = req.getParam("key_hash");
    if (keyHash != null) {
      f = f.withKeyHash(keyHash);
    }
    String user = req.getParam("user_id");
    if (user != null) {
      f = f.withUserId(user);
    }
    String team = req.getParam("team_id");
    if (team != null) {
      f = f.withTeamId(team);
    }
    String tag = req.getParam("tag");
    if (tag == null) {
      tag = req.getParam("tags");
    }
    if (tag != null) {
      f = f.withTag(tag);
    }
    String model = req.getParam("model");
    if (model != null) {
      f = f.withModel(model);
    }
    long[] range = range(req, false);
    if (range != null) {
      f = f.between(range[0], range[1]);
    }
    return f;
  }

  /**
   * {@code GET /spend/tags}: LiteLLM's {@code [{individual_request_tag, log_count, total_spend}]},
   * over all time or between {@code start_date} and {@code end_date}.
   */
  private ArrayNode spendTags(HttpServerRequest req) {
    long[] range = range(req, false);
    long start = range == null ? 0 : range[0];
    long end = range == null ? Long.MAX_VALUE : range[1];
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (SpendQueries.Group g : bySpend(queries.globalSpendReport(start, end, List.of(TAG)))) {
      if (g.keys().get(0).isEmpty()) {
        continue;
      }
      ObjectNode o = out.addObject();
      o.put("individual_request_tag", g.keys().get(0).get());
      o.put("log_count", g.requests());
      o.put("total_spend", CostCalculator.nanosToUsd(g.spendNanos()));
      o.put("unpriced_requests", g.unknownCostRequests());
    }
    return out;
  }

  /**
   * {@code GET /global/spend/logs}: spend per day over the last 30 days, {@code [{date, spend}]},
   * as LiteLLM's {@code MonthlyGlobalSpend}; with {@code api_key} (a key or its hash), that key's,
   * each row also naming it. An internal user sees its own user's spend, and only its own keys'.
   */
  private ArrayNode globalLogs(HttpServerRequest req, Principal caller) {
    long end = clock.millis();
    long start = end - LAST_30_DAYS_MILLIS;
    String apiKey = req.getParam("api_key");
    Optional<String> self = scope(caller);
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    if (apiKey == null || apiKey.isBlank()) {
      List<SpendQueries.GroupBy> dims = self.isPresent() ? List.of(DAY, USER) : List.of(DAY);
      for (SpendQueries.Group g : queries.globalSpendReport(start, end, dims)) {
        if (self.isPresent() && !g.keys().get(1).equals(self)) {
          continue;
        }
        ObjectNode o = out.addObject();
        o.put("date", g.keys().get(0).orElse(null));
        o.put("spend", CostCalculator.nanosToUsd(g.spendNanos()));
      }
      return out;
    }
    String hash = KeySecrets.looksLikeHash(apiKey) ? apiKey : KeySecrets.hash(apiKey);
    if (self.isPresent()) {
      GovernanceSnapshot s = governance.get();
      if (s.keyByHash(hash).filter(k -> k.userId().equals(self)).isEmpty()) {
        throw Permissions.forbidden("this key may read the spend of its own user's keys only");
      }
    }
    for (SpendQueries.Group g : queries.globalSpendReport(start, end, List.of(DAY, KEY))) {
      if (g.keys().get(1).equals(Optional.of(hash))) {
        ObjectNode o = out.addObject();
        o.put("date", g.keys().get(0).orElse(null));
        o.put("spend", CostCalculator.nanosToUsd(g.spendNanos()));
        o.put("api_key", hash);
      }
    }
    return out;
  }

  /**
   * {@code GET /global/spend/keys?limit=}: the keys that spent most over the last 30 days, {@code
   * [{api_key, total_spend, key_alias, key_name}]}, as LiteLLM's {@code Last30dKeysBySpend}.
   */
  private ArrayNode globalKeys(HttpServerRequest req, Principal caller) {
    int limit = intParam(req, "limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
    long end = clock.millis();
    GovernanceSnapshot s = governance.get();
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    bySpend(scoped(caller, end - LAST_30_DAYS_MILLIS, end, KEY)).stream()
        .filter(g -> g.keys().get(0).isPresent())
        .limit(limit)
        .forEach(
            g -> {
              String hash = g.keys().get(0).get();
              Optional<VirtualKey> k = s.keyByHash(hash);
              ObjectNode o = out.addObject();
              o.put("api_key", hash);
              o.put("total_spend", CostCalculator.nanosToUsd(g.spendNanos()));
              o.put("key_alias", k.flatMap(VirtualKey::keyAlias).orElse(null));
              o.put("key_name", k.map(VirtualKey::keyName).orElse(null));
            });
    return out;
  }

  /**
   * {@code GET /global/spend/models?limit=} (default 10): the model groups that spent most over the
   * last 30 days, {@code [{model, total_spend}]}, as LiteLLM's {@code Last30dModelsBySpend}.
   */
  private ArrayNode globalModels(HttpServerRequest req, Principal caller) {
    int limit = intParam(req, "limit", 10, 1, Integer.MAX_VALUE);
    long end = clock.millis();
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    bySpend(scoped(caller, end - LAST_30_DAYS_MILLIS, end, MODEL)).stream()
        .limit(limit)
        .forEach(
            g -> {
              ObjectNode o = out.addObject();
              o.put("model", g.keys().get(0).orElse(null));
              o.put("total_spend", CostCalculator.nanosToUsd(g.spendNanos()));
            });
    return out;
  }

  /**
   * {@code GET /global/spend/tags?start_date=&end_date=&tags=}: {@code {"spend_per_tag": [{name,
   * spend, log_count}]}}, most spend first, as LiteLLM's UI reads it; {@code tags}
   * (comma-separated) keeps only those, and {@code all-tags} among them keeps every tag.
   */
  private ObjectNode globalTags(HttpServerRequest req) {
    long[] range = range(req, true);
    if (range == null) {
      throw GatewayException.badRequest("start_date", "start_date and end_date are required");
    }
    String tags = req.getParam("tags");
    List<String> wanted = tags == null || tags.isBlank() ? List.of() : List.of(tags.split(","));
    boolean all = wanted.isEmpty() || wanted.contains("all-tags");
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode list = out.putArray("spend_per_tag");
    for (SpendQueries.Group g :
        bySpend(queries.globalSpendReport(range[0], range[1], List.of(TAG)))) {
      Optional<String> tag = g.keys().get(0);
      if (tag.isEmpty() || (!all && !wanted.contains(tag.get()))) {
        continue;
      }
      ObjectNode o = list.addObject();
      o.put("name", tag.get());
      o.put("spend", CostCalculator.nanosToUsd(g.spendNanos()));
      o.put("log_count", g.requests());
    }
    return out;
  }

  /**
   * The user whose spend alone {@code caller} may read: empty for admins and viewers, who read all;
   * the caller's own user for internal users, as LiteLLM scopes them.
   */
  private static Optional<String> scope(Principal caller) {
    return Permissions.readsAll(caller)
        ? Optional.empty()
        : Optional.of(Permissions.self(caller, Optional.empty(), "spend"));
  }

  /**
   * The report grouped by {@code dim} over {@code [start, end)}: all of it for a caller who reads
   * all, else only the caller's user's requests, each group keyed by {@code dim} alone.
   */
  private List<SpendQueries.Group> scoped(
      Principal caller, long start, long end, SpendQueries.GroupBy dim) {
    Optional<String> self = scope(caller);
    if (self.isEmpty()) {
      return queries.globalSpendReport(start, end, List.of(dim));
    }
    List<SpendQueries.Group> out = new ArrayList<>();
    for (SpendQueries.Group g : queries.globalSpendReport(start, end, List.of(dim, USER))) {
      if (g.keys().get(1).equals(self)) {
        out.add(g.withKeys(List.of(g.keys().get(0))));
      }
    }
    return out;
  }

  /** {@code groups}, most spend first; ties by their keys, so the order is stable. */
  private static List<SpendQueries.Group> bySpend(List<SpendQueries.Group> groups) {
    List<SpendQueries.Group> out = new ArrayList<>(groups);
    out.sort(
        java.util.Comparator.comparingLong(SpendQueries.Group::spendNanos)
            .reversed()
            .thenComparing(g -> g.keys().toString()));
    return out;
  }

  /** {@code group_by}: day, team, key (api_key), model, tag; one or two, comma-separated. */
  private ObjectNode report(HttpServerRequest req) {
    long[] range = range(req, true);
    if (range == null) {
      throw GatewayException.badRequest("start_date", "start_date and end_date are required");
    }
    List<SpendQueries.GroupBy> groupBy = new ArrayList<>();
    String g = req.getParam("group_by");
    for (String part : (g == null || g.isBlank() ? "day" : g).split(",")) {
      groupBy.add(
          switch (part.trim().toLowerCase(Locale.ROOT)) {
            case "day" -> SpendQueries.GroupBy.DAY;
            case "team" -> SpendQueries.GroupBy.TEAM;
            case "key", "api_key" -> SpendQueries.GroupBy.KEY;
            case "model" -> SpendQueries.GroupBy.MODEL;
            case "tag", "tags" -> SpendQueries.GroupBy.TAG;
            default ->
                throw GatewayException.badRequest(
                    "group_by",
                    "group_by must be day, team, key, model or tag, got '" + part + "'");
          });
    }
    if (groupBy.size() > 2) {
      throw GatewayException.badRequest("group_by", "group_by takes at most two dimensions");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode dims = out.putArray("group_by");
    groupBy.forEach(d -> dims.add(d.name().toLowerCase(Locale.ROOT)));
    ArrayNode data = out.putArray("data");
    for (SpendQueries.Group grp : queries.globalSpendReport(range[0], range[1], groupBy)) {
      ObjectNode o = data.addObject();
      for (int i = 0; i < groupBy.size(); i++) {
        o.put(groupBy.get(i).name().toLowerCase(Locale.ROOT), grp.keys().get(i).orElse(null));
      }
      o.put("spend", CostCalculator.nanosToUsd(grp.spendNanos()));
      o.put("requests", grp.requests());
      o.put("prompt_tokens", grp.tokens().input());
      o.put("completion_tokens", grp.tokens().output());
      o.put("cache_read_tokens", grp.tokens().cacheRead());
      o.put("cache_creation_tokens", grp.tokens().cacheCreation());
      o.put("unpriced_requests", grp.unknownCostRequests());
      ObjectNode unpriced = o.putObject("unpriced_tokens");
      unpriced.put("prompt_tokens", grp.unknownCostTokens().input());
      unpriced.put("completion_tokens", grp.unknownCostTokens().output());
      // Part of spend, shown apart: the provider reported no usage for these requests.
      o.put("estimated_requests", grp.estimatedRequests());
      o.put("estimated_spend", CostCalculator.nanosToUsd(grp.estimatedSpendNanos()));
      o.put(
          "provider_reported_spend",
          CostCalculator.nanosToUsd(grp.spendNanos() - grp.estimatedSpendNanos()));
      // Answered by the response cache at no cost: what those calls would have cost.
      o.put("cache_hits", grp.cacheHits());
      o.put("saved_usd", CostCalculator.nanosToUsd(grp.cacheSavedNanos()));
    }
    return out;
  }

  private static ObjectNode row(SpendRecord r) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("request_id", r.requestId());
    o.put("api_key", r.keyHash());
    o.put("startTime", Instant.ofEpochMilli(r.startedAtMillis()).toString());
    o.put("endTime", Instant.ofEpochMilli(r.startedAtMillis() + r.latencyMillis()).toString());
    o.put("model_group", r.modelGroup());
    o.put("model", r.providerModel().orElse(null));
    o.put("model_id", r.deploymentId().orElse(null));
    o.put("user", r.userId().orElse(null));
    o.put("team_id", r.teamId().orElse(null));
    o.put("organization_id", r.organizationId().orElse(null));
    o.put("end_user", r.customerId().orElse(null));
    ArrayNode tags = o.putArray("request_tags");
    r.tags().forEach(tags::add);
    if (r.costNanos().isPresent()) {
      o.put("spend", CostCalculator.nanosToUsd(r.costNanos().getAsLong()));
    } else {
      o.putNull("spend");
    }
    ObjectNode pricing = o.putObject("pricing");
    pricing.put("state", r.priceState());
    pricing.put("source", r.priceSource());
    o.put("unpriced", r.costNanos().isEmpty());
    o.put("usage_source", r.usageSource().wire());
    o.put("prompt_tokens", r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens());
    o.put("completion_tokens", r.outputTokens());
    o.put(
        "total_tokens",
        r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens() + r.outputTokens());
    o.put("cache_read_tokens", r.cacheReadTokens());
    o.put("cache_creation_tokens", r.cacheCreationTokens());
    o.put("reasoning_tokens", r.reasoningTokens());
    o.put("status", r.status() < 400 ? "success" : "failure");
    o.put("http_status", r.status());
    o.put("error_type", r.errorType().orElse(null));
    o.put("latency_ms", r.latencyMillis());
    o.put("stream", r.stream());
    // LiteLLM's cache_hit; saved_usd is what the call would have cost (null: price unknown).
    o.put("cache_hit", r.cacheHit().isPresent());
    if (r.cacheHit().isPresent() && r.cacheHit().get().savedNanos().isPresent()) {
      o.put("saved_usd", CostCalculator.nanosToUsd(r.cacheHit().get().savedNanos().getAsLong()));
    } else {
      o.putNull("saved_usd");
    }
    // What failed before what served: every attempt, in order, when there were several; empty when
    // the row's own model_id and http_status tell the one attempt.
    ArrayNode attempts = o.putArray("attempts");
    for (SpendRecord.Attempt a : r.attempts()) {
      ObjectNode at = attempts.addObject();
      at.put("model_group", a.modelGroup());
      at.put("model_id", a.deploymentId());
      at.put("status", a.status());
      at.put("error_class", a.errorClass().orElse(null));
    }
    return o;
  }

  /**
   * {@code start_date} and {@code end_date}: {@code YYYY-MM-DD} (UTC days, end inclusive, as
   * LiteLLM takes them) or ISO-8601 instants. Null when neither is given and not required.
   */
  static long @Nullable [] range(HttpServerRequest req, boolean required) {
    String start = req.getParam("start_date");
    String end = req.getParam("end_date");
    if (start == null && end == null && !required) {
      return null;
    }
    if (start == null || end == null) {
      throw GatewayException.badRequest(
          start == null ? "start_date" : "end_date", "start_date and end_date go together");
    }
    long s = instant(start, "start_date", false);
    long e = instant(end, "end_date", true);
    if (e <= s) {
      throw GatewayException.badRequest("end_date", "end_date must be after start_date");
    }
    return new long[] {s, e};
  }

  private static long instant(String value, String param, boolean endOfDay) {
    try {
      if (value.length() == 10) {
        LocalDate d = LocalDate.parse(value);
        return (endOfDay ? d.plusDays(1) : d)
            .atStartOfDay(ZoneOffset.UTC)
            .toInstant()
            .toEpochMilli();
      }
      return Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw GatewayException.badRequest(
          param, param + " must be YYYY-MM-DD or an ISO-8601 instant, got '" + value + "'");
    }
  }

  static int intParam(HttpServerRequest req, String name, int dflt, int min, int max) {
    String v = req.getParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw GatewayException.badRequest(
          name, name + " must be a whole number from " + min + " to " + max + ", got '" + v + "'");
    }
  }
}
