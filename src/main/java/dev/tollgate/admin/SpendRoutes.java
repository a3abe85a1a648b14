package dev.tollgate.admin;

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
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.store.SpendQueries;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
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
 * The spend reports: {@code GET /spend/logs} and {@code GET /global/spend/report}. Queries run on a
 * worker thread. Amounts are USD at this edge, converted from the exact nano-USD in the store; a
 * request whose cost is unknown shows {@code "spend": null}, never 0.
 */
public final class SpendRoutes {
  private static final int DEFAULT_PAGE_SIZE = 50;
  private static final int MAX_PAGE_SIZE = 1000;

  private final Authenticator auth;
  private final Supplier<GovernanceSnapshot> governance;
  private final SpendQueries queries;

  public SpendRoutes(
      Authenticator auth, Supplier<GovernanceSnapshot> governance, SpendQueries queries) {
    this.auth = auth;
    this.governance = governance;
    this.queries = queries;
  }

  public void mount(Router router) {
    router
        .get("/spend/logs")
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, "/spend/logs"))
        .handler(ctx -> blocking(ctx, () -> logs(ctx.request(), Permissions.principal(ctx))));
    router
        .get("/global/spend/report")
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, "/global/spend/report"))
        .handler(ctx -> blocking(ctx, () -> report(ctx.request())));
  }

  /** Runs {@code query} on a worker and answers with its JSON, or its error. */
  static void blocking(RoutingContext ctx, Supplier<ObjectNode> query) {
    ctx.vertx()
        .executeBlocking(query::get, false)
        .onSuccess(
            out ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(Json.write(g -> Json.tree(g, out)))))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /**
   * Filters: request_id (one request's row, with its attempts), api_key (a key, hashed here) or
   * key_hash, user_id, team_id, tag, model, dates.
   */
  private ObjectNode logs(HttpServerRequest req, Principal caller) {
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
