package dev.tollgate.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Actor;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.CostMapSource;
import dev.tollgate.pricing.PricingException;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.routing.ModelRegistrar;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the model management API on a router; {@link Permissions} says who may call each route.
 * Shared by all event loops; the handlers it calls are thread-safe.
 */
public final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private final Authenticator auth;
  private final ModelAdmin models;
  private final ModelRegistrar registrar;
  private final Supplier<GovernanceSnapshot> governance;
  private final Governance access;
  private final Supplier<Optional<String>> costMapLocation;

  public AdminRoutes(
      Authenticator auth,
      Governance governance,
      ModelAdmin models,
      ModelRegistrar registrar,
      Supplier<Optional<String>> costMapLocation) {
    this.auth = auth;
    this.governance = governance::snapshot;
    this.access = governance;
    this.models = models;
    this.registrar = registrar;
    this.costMapLocation = costMapLocation;
  }

  public void mount(Router router, BodyHandler body) {
    post(
        router,
        body,
        "/model/new",
        ctx -> models.create(actor(ctx, "POST /model/new"), bytes(ctx)));
    post(
        router,
        body,
        "/model/update",
        ctx -> models.update(actor(ctx, "POST /model/update"), null, bytes(ctx)));
    route(router, HttpMethod.PATCH, "/model/:id/update")
        .handler(body)
        .handler(
            ctx ->
                mutate(
                    ctx,
                    () ->
                        models.update(
                            actor(ctx, "PATCH /model/:id/update"),
                            ctx.pathParam("id"),
                            bytes(ctx))));
    post(
        router,
        body,
        "/model/delete",
        ctx -> models.delete(actor(ctx, "POST /model/delete"), bytes(ctx)));
    for (String path : new String[] {"/model/info", "/v1/model/info"}) {
      route(router, HttpMethod.GET, path)
          .handler(
              ctx ->
                  json(
                      ctx,
                      () ->
                          models.info(
                              ctx.request().getParam("litellm_model_id"), visibleModels(ctx))));
    }
    route(router, HttpMethod.GET, "/model_group/info")
        .handler(
            ctx ->
                json(
                    ctx,
                    () ->
                        models.groupInfo(
                            ctx.request().getParam("model_group"), visibleModels(ctx))));
    route(router, HttpMethod.GET, "/pricing/unknown")
        .handler(ctx -> json(ctx, models::unknownPrices));
    route(router, HttpMethod.POST, "/reload/model_cost_map")
        .handler(body)
        .handler(this::reloadCostMap);
  }

  private void post(
      Router router, BodyHandler body, String path, Function<RoutingContext, ObjectNode> handler) {
    route(router, HttpMethod.POST, path)
        .handler(body)
        .handler(ctx -> mutate(ctx, () -> handler.apply(ctx)));
  }

  /** The route with its {@link Permissions#gate}, which runs before any body is read. */
  private Route route(Router router, HttpMethod method, String path) {
    return router.route(method, path).handler(Permissions.gate(auth, governance, method, path));
  }

  /**
   * Like {@link #json}, for changes: they may write to the store, so they run on a worker thread,
   * never on the event loop.
   */
  private void mutate(RoutingContext ctx, Supplier<ObjectNode> action) {
    ctx.vertx()
        .executeBlocking(action::get, false)
        .onSuccess(out -> send(ctx, 200, out))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /** Runs {@code action} and answers with its JSON or the error. */
  private void json(RoutingContext ctx, Supplier<ObjectNode> action) {
    try {
      send(ctx, 200, action.get());
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
    }
  }

  /**
   * {@code POST /reload/model_cost_map}: fetches the configured cost map off the event loop and
   * re-registers every deployment against it. A failure keeps the previous catalog and says why.
   */
  private void reloadCostMap(RoutingContext ctx) {
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

  /**
   * The model groups the caller may see: all for an admin or viewer, else those its requests may
   * call (the key's, team's and organization's model lists), as {@code /v1/models} shows them.
   */
  private Predicate<String> visibleModels(RoutingContext ctx) {
    Principal p = Permissions.principal(ctx);
    if (Permissions.readsAll(p)) {
      return group -> true;
    }
    return group -> {
      try {
        access.checkModelAccess(p, group, group);
        return true;
      } catch (GatewayException e) {
        return false;
      }
    };
  }

  private static Actor actor(RoutingContext ctx, String route) {
    return Call.actor(
        Permissions.principal(ctx), route, ctx.request().getHeader(Call.CHANGED_BY_HEADER));
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
