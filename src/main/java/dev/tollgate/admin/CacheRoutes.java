package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.cache.ResponseCache;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.CacheParams;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.proxy.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * LiteLLM's cache routes, for admins: {@code GET /cache/ping} (whether the response cache answers,
 * and its settings) and {@code POST /cache/delete} ({@code {"keys": [...]}}, the keys of {@code
 * x-litellm-cache-key}). With the cache off, both answer 503, as LiteLLM's do. Runs on the event
 * loop; the cache never blocks it.
 */
public final class CacheRoutes {
  private final Authenticator auth;
  private final Supplier<GovernanceSnapshot> governance;
  private final Optional<ResponseCache> cache;

  public CacheRoutes(
      Authenticator auth, Supplier<GovernanceSnapshot> governance, Optional<ResponseCache> cache) {
    this.auth = auth;
    this.governance = governance;
    this.cache = cache;
  }

  public void mount(Router router, BodyHandler body) {
    router
        .get("/cache/ping")
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, "/cache/ping"))
        .handler(this::ping);
    router
        .post("/cache/delete")
        .handler(Permissions.gate(auth, governance, HttpMethod.POST, "/cache/delete"))
        .handler(body)
        .handler(this::delete);
  }

  private void ping(RoutingContext ctx) {
    ResponseCache c = cache.orElse(null);
    if (c == null) {
      HttpErrors.send(ctx.response(), notInitialized());
      return;
    }
    CacheParams p = c.params();
    String type = p.type().name().toLowerCase(Locale.ROOT);
    reply(
        ctx,
        c.ping()
            .recover(
                e ->
                    Future.failedFuture(
                        GatewayException.of(
                            503,
                            "service_unavailable",
                            null,
                            "cache_unhealthy",
                            "Service Unhealthy (" + e.getMessage() + ")")))
            .map(
                v -> {
                  ObjectNode out = JsonNodeFactory.instance.objectNode();
                  out.put("status", "healthy");
                  out.put("cache_type", type);
                  if (p.type() == CacheParams.Type.REDIS) {
                    out.put("ping_response", true);
                    out.put("set_cache_response", "success");
                  }
                  ObjectNode params = out.putObject("litellm_cache_params");
                  params.put("type", type);
                  params.put("ttl", p.ttlMillis() / 1000.0);
                  params.put("namespace", p.namespace().orElse(null));
                  params.put("mode", p.defaultOff() ? "default_off" : "default_on");
                  params.put("per_key", p.perKey());
                  return out;
                }));
  }

  private void delete(RoutingContext ctx) {
    ResponseCache c = cache.orElse(null);
    if (c == null) {
      HttpErrors.send(ctx.response(), notInitialized());
      return;
    }
    List<String> keys;
    try {
      keys = keys(ctx.body().buffer());
    } catch (GatewayException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    reply(
        ctx,
        c.delete(keys)
            .recover(
                e ->
                    Future.failedFuture(
                        GatewayException.of(
                            500,
                            "internal_server_error",
                            null,
                            "cache_delete_failed",
                            "Cache Delete Failed(" + e.getMessage() + ")")))
            .map(
                v -> {
                  ObjectNode out = JsonNodeFactory.instance.objectNode();
                  out.put("status", "success");
                  return out;
                }));
  }

  /** The body's {@code keys}: a list of strings. */
  private static List<String> keys(
      io.vertx.core.buffer.@org.jspecify.annotations.Nullable Buffer body) {
    JsonNode n;
    try {
      n = body == null || body.length() == 0 ? null : Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "the body is not JSON: " + e.getMessage());
    }
    JsonNode keys = n == null ? null : n.get("keys");
    if (keys == null || !keys.isArray()) {
      throw GatewayException.badRequest(
          "keys", "send {\"keys\": [...]}, the keys of x-litellm-cache-key");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode k : keys) {
      if (!k.isTextual()) {
        throw GatewayException.badRequest("keys", "keys must be strings");
      }
      out.add(k.textValue());
    }
    return out;
  }

  private static GatewayException notInitialized() {
    return GatewayException.of(
        503,
        "service_unavailable",
        null,
        "cache_not_initialized",
        "Cache not initialized: set litellm_settings.cache: true");
  }

  private static void reply(RoutingContext ctx, Future<ObjectNode> out) {
    out.onSuccess(
            o ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(Json.write(g -> Json.tree(g, o)))))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }
}
