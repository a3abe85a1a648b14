package dev.tollgate.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.CostMapSource;
import dev.tollgate.pricing.PricingException;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.proxy.ProxyHandler;
import dev.tollgate.routing.ModelRegistrar;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the management API on a router. Every route needs an admin principal (the master key).
 * Shared by all event loops; the handlers it calls are thread-safe.
 */
public final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private final Authenticator auth;
  private final ModelAdmin models;
  private final ModelRegistrar registrar;
  private final Supplier<Optional<String>> costMapLocation;

  public AdminRoutes(
      Authenticator auth,
      ModelAdmin models,
      ModelRegistrar registrar,
      Supplier<Optional<String>> costMapLocation) {
    this.auth = auth;
    this.models = models;
    this.registrar = registrar;
    this.costMapLocation = costMapLocation;
  }

  public void mount(Router router, BodyHandler body) {
    post(router, body, "/model/new", ctx -> models.create(bytes(ctx)));
    post(router, body, "/model/update", ctx -> models.update(null, bytes(ctx)));
    router
        .patch("/model/:id/update")
        .handler(body)
        .handler(ctx -> mutate(ctx, () -> models.update(ctx.pathParam("id"), bytes(ctx))));
    post(router, body, "/model/delete", ctx -> models.delete(bytes(ctx)));
    for (String path : new String[] {"/model/info", "/v1/model/info"}) {
      router
          .get(path)
          .handler(ctx -> json(ctx, () -> models.info(ctx.request().getParam("litellm_model_id"))));
    }
    router
        .get("/model_group/info")
        .handler(ctx -> json(ctx, () -> models.groupInfo(ctx.request().getParam("model_group"))));
    router.get("/pricing/unknown").handler(ctx -> json(ctx, models::unknownPrices));
    router.post("/reload/model_cost_map").handler(body).handler(this::reloadCostMap);
  }

  private void post(
      Router router, BodyHandler body, String path, Function<RoutingContext, ObjectNode> handler) {
    router.post(path).handler(body).handler(ctx -> mutate(ctx, () -> handler.apply(ctx)));
  }

  /**
   * Like {@link #json}, for changes: they may write to the store, so they run on a worker thread,
   * never on the event loop.
   */
  private void mutate(RoutingContext ctx, Supplier<ObjectNode> action) {
    try {
      requireAdmin(ctx);
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    ctx.vertx()
        .executeBlocking(action::get, false)
        .onSuccess(out -> send(ctx, 200, out))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /** Authenticates as admin, runs {@code action}, and answers with its JSON or the error. */
  private void json(RoutingContext ctx, Supplier<ObjectNode> action) {
    try {
      requireAdmin(ctx);
      send(ctx, 200, action.get());
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
    }
  }

  private void requireAdmin(RoutingContext ctx) {
    requireAdmin(ctx, auth, "this key may not use the management API");
  }

  /** Authenticates the caller and refuses (403, {@code forbidden}) one that is not an admin. */
  static Principal requireAdmin(RoutingContext ctx, Authenticator auth, String forbidden) {
    Principal p = ProxyHandler.authenticate(ctx.request(), auth);
    if (!p.admin()) {
      throw GatewayException.of(403, "permission_error", null, "forbidden", forbidden);
    }
    return p;
  }

  /**
   * {@code POST /reload/model_cost_map}: fetches the configured cost map off the event loop and
   * re-registers every deployment against it. A failure keeps the previous catalog and says why.
   */
  private void reloadCostMap(RoutingContext ctx) {
    try {
      requireAdmin(ctx);
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    Optional<String> location = costMapLocation.get();
    if (location.isEmpty()) {
      HttpErrors.send(
          ctx.response(),
          GatewayException.badRequest(
              null,
              "no cost map is configured: set litellm_settings.model_cost_map_url or "
                  + CostMapSource.ENV));
      return;
    }
    ctx.vertx()
        .executeBlocking(
            () -> {
              Catalog loaded = CostMapSource.load(location.get());
              Catalog next = Catalog.bundled().mergedWith(loaded);
              registrar.replaceCatalog(next);
              return loaded.size();
            },
            false)
        .onSuccess(
            n -> {
              LOG.info("cost map {} reloaded: {} entries", location.get(), n);
              ObjectNode out = JsonNodeFactory.instance.objectNode();
              out.put("status", "success");
              out.put("message", "cost map reloaded from " + location.get());
              out.put("entries", n);
              out.put("catalog_size", registrar.catalog().size());
              send(ctx, 200, out);
            })
        .onFailure(
            e -> {
              String why = e.getMessage() == null ? e.toString() : e.getMessage();
              LOG.warn("cost map not reloaded, the previous catalog stays in use: {}", why);
              int status =
                  e instanceof ModelRegistrar.RegistrationException
                      ? 409
                      : e instanceof PricingException ? 502 : 500;
              HttpErrors.send(
                  ctx.response(),
                  GatewayException.of(
                      status,
                      status == 409 ? "invalid_request_error" : "api_error",
                      null,
                      "cost_map_not_loaded",
                      "cost map not reloaded, the previous catalog stays in use: " + why));
            });
  }

  private static byte[] bytes(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    return b == null ? new byte[0] : b.getBytes();
  }

  private static void send(RoutingContext ctx, int status, ObjectNode body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Buffer.buffer(Json.write(g -> Json.tree(g, body))));
  }
}
