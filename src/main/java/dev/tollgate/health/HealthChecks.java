package dev.tollgate.health;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.SpendSink;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Principal;
import dev.tollgate.provider.Providers;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.proxy.ProxyHandler;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.Routing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * LiteLLM's {@code GET /health}, for an admin: checks every deployment of the registry (or of the
 * group {@code ?model=} names, or the one {@code ?model_id=} names) and answers which are healthy.
 * With {@code general_settings.background_health_checks}, the checks run every {@code
 * health_check_interval} instead, the router is told of each deployment that failed, and {@code GET
 * /health} answers the latest round without calling any upstream. Shared by every event loop: the
 * latest round is one atomic reference; the checks run on the event loop that asked.
 */
public final class HealthChecks {
  private final RegistryHolder registry;
  private final Authenticator auth;
  private final SpendSink spend;
  private final Clock clock;
  private final boolean background;
  private final long intervalMillis;
  private final AtomicReference<Report> latest = new AtomicReference<>(Report.NONE);

  /**
   * @param background whether checks run every {@code intervalMillis} rather than on each request
   */
  public HealthChecks(
      RegistryHolder registry,
      Authenticator auth,
      SpendSink spend,
      Clock clock,
      boolean background,
      long intervalMillis) {
    this.registry = requireNonNull(registry, "registry");
    this.auth = requireNonNull(auth, "auth");
    this.spend = requireNonNull(spend, "spend");
    this.clock = requireNonNull(clock, "clock");
    if (intervalMillis <= 0) {
      throw new IllegalArgumentException("intervalMillis must be positive");
    }
    this.background = background;
    this.intervalMillis = intervalMillis;
  }

  /**
   * Mounts {@code GET /health} on an event loop's router; its checks call upstreams through that
   * event loop's {@code providers}.
   */
  public void mount(Router router, Vertx vertx, Providers providers) {
    Checker checker = checker(vertx, providers);
    router.get("/health").handler(ctx -> health(ctx, checker));
  }

  /**
   * Starts the background checks, when configured: the first round at once, each next one an
   * interval after the previous ended; every deployment that fails one is reported to {@code
   * routing}. They stop when {@code vertx} closes.
   */
  public Future<?> start(Vertx vertx, Routing routing) {
    if (!background) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new Background(this, routing, intervalMillis));
  }

  Checker checker(Vertx vertx, Providers providers) {
    return new Checker(vertx, providers, spend, clock);
  }

  /** One background round: every deployment of the current registry. */
  Future<Report> runBackground(Checker checker, Routing routing) {
    return checker
        .run(List.copyOf(registry.current().deployments()))
        .onSuccess(
            r -> {
              latest.set(r);
              for (Report.Result result : r.results()) {
                result.failure().ifPresent(e -> routing.failed(result.deployment(), e));
              }
            });
  }

  /** The latest background round; {@link Report#NONE} before the first has ended. */
  Report latest() {
    return latest.get();
  }

  private void health(RoutingContext ctx, Checker checker) {
    List<Deployment> targets;
    try {
      Principal p = ProxyHandler.authenticate(ctx.request(), auth);
      if (!p.admin()) {
        throw GatewayException.of(
            403,
            "permission_error",
            null,
            "forbidden",
            "this key may not run health checks; use the master key");
      }
      targets =
          targets(
              registry.current(),
              Optional.ofNullable(ctx.request().getParam("model")).filter(s -> !s.isBlank()),
              Optional.ofNullable(ctx.request().getParam("model_id")).filter(s -> !s.isBlank()));
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    if (background) {
      Set<String> ids = new HashSet<>();
      targets.forEach(d -> ids.add(d.id()));
      send(ctx, latest.get().only(d -> ids.contains(d.id())));
      return;
    }
    checker
        .run(targets)
        .onSuccess(r -> send(ctx, r))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /**
   * The deployments a check covers: all of them; those {@code model} names, as a request for it
   * would route (a group or an alias), else those whose {@code litellm_params.model} it is, as
   * LiteLLM has it; or the one {@code modelId} names, a 404 when there is none.
   */
  static List<Deployment> targets(
      ModelRegistry snapshot, Optional<String> model, Optional<String> modelId) {
    if (modelId.isPresent()) {
      Deployment d =
          snapshot
              .deployment(modelId.get())
              .orElseThrow(
                  () ->
                      GatewayException.notFound(
                          "model_id", "no deployment has model_id '" + modelId.get() + "'"));
      return List.of(d);
    }
    if (model.isEmpty()) {
      return List.copyOf(snapshot.deployments());
    }
    Optional<ModelGroup> group = snapshot.resolve(model.get());
    if (group.isPresent()) {
      return group.get().deployments();
    }
    List<Deployment> out = new ArrayList<>();
    for (Deployment d : snapshot.deployments()) {
      if (d.params().model().equals(model.get())) {
        out.add(d);
      }
    }
    return out;
  }

  private static void send(RoutingContext ctx, Report report) {
    if (ctx.response().closed() || ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Buffer.buffer(Json.write(g -> Json.tree(g, report.json()))));
  }
}
