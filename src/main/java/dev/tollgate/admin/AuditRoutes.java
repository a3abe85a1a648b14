package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.AuditEvent;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.GovernanceSnapshot;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The audit log for admins: {@code GET /audit} (filtered, newest first, paginated, in LiteLLM's
 * shape) and {@code GET /audit/{id}}. Queries run on a worker thread.
 */
public final class AuditRoutes {
  private static final int DEFAULT_PAGE_SIZE = 50;
  private static final int MAX_PAGE_SIZE = 100;

  private final Authenticator auth;
  private final Supplier<GovernanceSnapshot> governance;
  private final AuditLog log;
  private final boolean enabled;

  /**
   * @param enabled whether changes are being recorded ({@code store_audit_logs}); the log is read
   *     either way, since records made while it was on stay
   */
  public AuditRoutes(
      Authenticator auth, Supplier<GovernanceSnapshot> governance, AuditLog log, boolean enabled) {
    this.auth = auth;
    this.governance = governance;
    this.log = log;
    this.enabled = enabled;
  }

  public void mount(Router router) {
    router
        .get("/audit")
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, "/audit"))
        .handler(ctx -> SpendRoutes.blocking(ctx, () -> list(ctx.request())));
    router
        .get("/audit/:id")
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, "/audit/:id"))
        .handler(ctx -> SpendRoutes.blocking(ctx, () -> one(String.valueOf(ctx.pathParam("id")))));
  }

  private ObjectNode list(HttpServerRequest req) {
    long[] range = SpendRoutes.range(req, false);
    int page = SpendRoutes.intParam(req, "page", 1, 1, Integer.MAX_VALUE);
    int size = SpendRoutes.intParam(req, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    AuditLog.Query q =
        new AuditLog.Query(
            param(req, "changed_by"),
            param(req, "changed_by_api_key"),
            param(req, "action"),
            param(req, "table_name"),
            param(req, "object_id"),
            range == null ? OptionalLong.empty() : OptionalLong.of(range[0]),
            range == null ? OptionalLong.empty() : OptionalLong.of(range[1] - 1),
            page,
            size);
    AuditLog.Page p = log.page(q);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode logs = out.putArray("audit_logs");
    p.records().forEach(r -> logs.add(render(r)));
    out.put("total", p.total());
    out.put("page", page);
    out.put("page_size", size);
    out.put("total_pages", (p.total() + size - 1) / size);
    out.put("store_audit_logs", enabled);
    return out;
  }

  private ObjectNode one(String id) {
    return log.find(id)
        .map(AuditRoutes::render)
        .orElseThrow(() -> GatewayException.notFound("id", "no audit record with id '" + id + "'"));
  }

  private static ObjectNode render(AuditLog.AuditRecord r) {
    AuditEvent e = r.event();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", r.id());
    o.put("updated_at", Instant.ofEpochMilli(r.updatedAtMillis()).toString());
    o.put("changed_by", e.actor().changedBy());
    o.put("changed_by_api_key", e.actor().apiKeyHash());
    o.put("route", e.actor().route());
    o.put("action", e.action());
    o.put("table_name", e.table());
    o.put("object_id", e.objectId());
    o.set("before_value", json(e.before()));
    o.set("updated_values", json(e.after()));
    return o;
  }

  private static JsonNode json(Optional<String> text) {
    if (text.isEmpty()) {
      return JsonNodeFactory.instance.nullNode();
    }
    try {
      return Json.MAPPER.readTree(text.get());
    } catch (IOException e) {
      return JsonNodeFactory.instance.textNode(text.get());
    }
  }

  private static Optional<String> param(HttpServerRequest req, String name) {
    String v = req.getParam(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }
}
