package dev.tollgate;

import dev.tollgate.admin.InfoRoutes;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Principal;
import dev.tollgate.provider.Providers;
import dev.tollgate.proxy.ConnectionGuard;
import dev.tollgate.proxy.CountTokens;
import dev.tollgate.proxy.FastPath;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.proxy.PassThrough;
import dev.tollgate.proxy.ProxyHandler;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.store.Database;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One event loop's share of the gateway: an HTTP server on the shared port, an upstream HTTP
 * client, and the provider adapters. Deployed once per core; everything it shares with the other
 * instances is immutable or atomic.
 */
final class GatewayVerticle extends VerticleBase {
  private final Services services;
  private final GatewayConfig config;
  private final RegistryHolder registry;
  private final Authenticator auth;
  private final Database db;
  private final String host;
  private final int port;
  private @Nullable HttpServer server;

  GatewayVerticle(Services services, String host, int port) {
    this.services = services;
    this.config = services.config();
    this.registry = services.registry();
    this.auth = services.auth();
    this.db = services.db();
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setDecompressionSupported(false),
            new PoolOptions().setHttp1MaxSize(256));
    Providers providers = new Providers(vertx, client, services.upstreamLimits());
    ProxyHandler proxy =
        new ProxyHandler(
            registry,
            auth,
            providers,
            config.router(),
            services.spend(),
            services.governance(),
            services.enforcer(),
            services.clock(),
            services.proxyCounters(),
            services.routing(),
            services.tracing(),
            config.general().allowMockTestingParams(),
            services.cache().orElse(null),
            services.metrics().isPresent());
    long bodyLimit = config.general().maxRequestBytes();

    Router router = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(bodyLimit);
    for (String prefix : new String[] {"", "/v1"}) {
      router.get(prefix + "/models").handler(this::models);
    }
    services.admin().mount(router, body);
    new CountTokens(registry, auth, services.governance(), providers, client).mount(router, body);
    new PassThrough(
            registry,
            auth,
            services.governance(),
            providers,
            client,
            config.router().timeoutMillis().orElse(ProxyHandler.DEFAULT_TIMEOUT_MILLIS))
        .mount(router, body);
    services.spendRoutes().mount(router);
    services.auditRoutes().mount(router);
    new dev.tollgate.admin.CacheRoutes(auth, services.governance()::snapshot, services.cache())
        .mount(router, body);
    services.governanceRoutes().mount(router, body);
    services.health().mount(router, vertx, providers);
    router.get("/health/liveliness").handler(ctx -> json(ctx, 200, "\"I'm alive!\""));
    router.get("/health/liveness").handler(ctx -> json(ctx, 200, "\"I'm alive!\""));
    router.get("/health/readiness").handler(this::readiness);
    services.metrics().ifPresent(m -> router.get("/metrics").handler(ctx -> metrics(ctx, m)));
    new InfoRoutes(
            auth,
            services.governance()::snapshot,
            () -> {
              java.util.Set<String> all = new java.util.TreeSet<>(services.mountedRoutes());
              FastPath.paths().forEach(path -> all.add("POST " + path));
              return all;
            },
            config.litellm(),
            config.general().alerting(),
            config.router().timeoutMillis().orElse(ProxyHandler.DEFAULT_TIMEOUT_MILLIS))
        .mount(router);
    services.ui().mount(vertx, router);
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.getPath() != null) {
        if (r.methods() == null || r.methods().isEmpty()) {
          services.mountedRoutes().add("ANY " + r.getPath());
        } else {
          r.methods().forEach(m -> services.mountedRoutes().add(m.name() + " " + r.getPath()));
        }
      }
    }
    router.route().failureHandler(ctx -> HttpErrors.handleFailure(ctx, bodyLimit));
    router.errorHandler(404, ctx -> HttpErrors.handleFailure(ctx, bodyLimit));
    router.errorHandler(405, ctx -> HttpErrors.handleFailure(ctx, bodyLimit));

    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setTcpNoDelay(true)
                .setIdleTimeout(0)
                // HTTP/1.1 only: with h2c on, a connection is handed over only once its first
                // bytes tell the protocol, so one that sends nothing would escape every limit.
                .setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(8192));
    this.server = server;
    ConnectionGuard guard = new ConnectionGuard(services.connectionLimits());
    FastPath fast =
        new FastPath(proxy, router, bodyLimit, services.clock(), services.connectionLimits());
    vertx.setPeriodic(1_000, id -> guard.sweep());
    return server
        .connectionHandler(guard::opened)
        .requestHandler(
            req -> {
              guard.started(req);
              fast.handle(req);
            })
        .listen();
  }

  /** The port actually bound (useful when asked for port 0). */
  int actualPort() {
    return java.util.Objects.requireNonNull(server, "started").actualPort();
  }

  private void models(RoutingContext ctx) {
    Principal principal;
    try {
      principal = ProxyHandler.authenticate(ctx.request(), auth);
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    // Only what this key may call: the same check a request makes (key, team, and so on).
    TreeSet<String> names = new TreeSet<>();
    var snapshot = registry.current();
    for (ModelGroup g : snapshot.groups()) {
      if (mayUse(principal, g.name(), g.name())) {
        names.add(g.name());
      }
    }
    for (Map.Entry<String, String> a : snapshot.aliases().entrySet()) {
      var group = snapshot.resolve(a.getKey());
      if (group.isPresent() && mayUse(principal, a.getKey(), group.get().name())) {
        names.add(a.getKey());
      }
    }
    byte[] body =
        Json.write(
            g -> {
              try {
                g.writeStartObject();
                g.writeStringField("object", "list");
                g.writeArrayFieldStart("data");
                for (String name : names) {
                  g.writeStartObject();
                  g.writeStringField("id", name);
                  g.writeStringField("object", "model");
                  g.writeNumberField("created", 1_677_610_602L);
                  g.writeStringField("owned_by", "tollgate");
                  g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(body));
  }

  private boolean mayUse(Principal principal, String name, String group) {
    try {
      services.governance().checkModelAccess(principal, name, group);
      return true;
    } catch (GatewayException e) {
      return false;
    }
  }

  /** Whether the gateway serves, and the store's state (probed on a worker thread). */
  /**
   * The gateway's state. Anyone may ask whether it is up; only an admin key sees the details (the
   * store and its location, counters, the spend log), which tell an attacker what to aim at.
   */
  private void readiness(RoutingContext ctx) {
    boolean admin;
    try {
      admin = ProxyHandler.authenticate(ctx.request(), auth).admin();
    } catch (RuntimeException e) {
      admin = false;
    }
    boolean details = admin;
    vertx
        .executeBlocking(db::health, false)
        .onComplete(
            ar -> {
              String state = ar.succeeded() ? ar.result().state().name() : "DOWN";
              String message =
                  ar.succeeded() ? ar.result().message() : String.valueOf(ar.cause().getMessage());
              var stats = db.spendLog().stats();
              byte[] body =
                  Json.write(
                      g -> {
                        try {
                          g.writeStartObject();
                          // The gateway serves while the store is down: spend is journaled.
                          g.writeStringField(
                              "status",
                              state.equals("UP") && services.models().unreadableModels().isEmpty()
                                  ? "healthy"
                                  : "degraded");
                          // LiteLLM answers every caller with its version; ours is a fixed claim.
                          g.writeStringField("litellm_version", Versions.LITELLM);
                          if (!details) {
                            g.writeEndObject();
                            return;
                          }
                          g.writeStringField("tollgate_version", Versions.TOLLGATE);
                          g.writeStringField(
                              "db", state.equals("DOWN") ? "Not connected" : "connected");
                          g.writeStringField("store", db.description());
                          g.writeStringField(
                              "store_state", state.toLowerCase(java.util.Locale.ROOT));
                          g.writeStringField("store_message", message);
                          g.writeStringField("counters", services.enforcer().meterMode());
                          var sharing = services.enforcer().sharingWarning();
                          if (sharing.isPresent()) {
                            g.writeStringField("counters_warning", sharing.get());
                          }
                          var unreadable = services.models().unreadableModels();
                          if (!unreadable.isEmpty()) {
                            // Stored secrets that the salt key cannot decrypt: an operator's fix.
                            g.writeArrayFieldStart("unreadable_models");
                            for (String why : unreadable.values()) {
                              g.writeString(why);
                            }
                            g.writeEndArray();
                          }
                          g.writeObjectFieldStart("spend_log");
                          g.writeNumberField("queued", stats.queued());
                          g.writeNumberField("journal_pending", stats.journalPending());
                          g.writeNumberField("dead_lettered", stats.deadLettered());
                          g.writeBooleanField("degraded", stats.degraded());
                          g.writeEndObject();
                          // Refused before a key was accepted: no spend record, only this count.
                          g.writeObjectFieldStart("requests");
                          g.writeNumberField(
                              "unauthenticated", services.proxyCounters().unauthenticated());
                          g.writeEndObject();
                          g.writeEndObject();
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      });
              ctx.response()
                  .setStatusCode(200)
                  .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                  .end(Buffer.buffer(body));
            });
  }

  /**
   * {@code GET /metrics}: an admin key unless {@code require_auth_for_metrics_endpoint: false};
   * rendered on a worker, since the budget gauges read the meter.
   */
  private void metrics(RoutingContext ctx, dev.tollgate.metrics.PrometheusMetrics m) {
    if (config.litellm().requireAuthForMetrics()) {
      try {
        if (!ProxyHandler.authenticate(ctx.request(), auth).admin()) {
          throw dev.tollgate.common.GatewayException.of(
              403,
              "permission_error",
              null,
              "forbidden",
              "/metrics needs the master key or a proxy_admin user's key"
                  + " (litellm_settings.require_auth_for_metrics_endpoint)");
        }
      } catch (RuntimeException e) {
        HttpErrors.send(ctx.response(), e);
        return;
      }
    }
    vertx
        .executeBlocking(m::scrape, false)
        .onSuccess(
            body ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, m.contentType())
                    .end(Buffer.buffer(body)))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body);
  }
}
