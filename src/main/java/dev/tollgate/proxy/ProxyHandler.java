package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Principal;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.Router;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The LLM request path: authenticate, parse, resolve the model group, pick a deployment, forward,
 * and answer. One per event loop; runs on it and never blocks.
 */
public final class ProxyHandler {
  /** Used when neither the deployment nor router_settings sets a timeout: LiteLLM's 600 s. */
  static final long DEFAULT_TIMEOUT_MILLIS = 600_000;

  private final RegistryHolder registry;
  private final Authenticator auth;
  private final Providers providers;
  private final RouterSettings routerSettings;

  public ProxyHandler(
      RegistryHolder registry,
      Authenticator auth,
      Providers providers,
      RouterSettings routerSettings) {
    this.registry = registry;
    this.auth = auth;
    this.providers = providers;
    this.routerSettings = routerSettings;
  }

  /** Authenticates a request from {@code Authorization: Bearer} or Azure's {@code api-key}. */
  public static Principal authenticate(HttpServerRequest req, Authenticator auth) {
    String key = null;
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      String h = header.trim();
      key = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : h;
    }
    if (key == null || key.isEmpty()) {
      key = req.getHeader("api-key");
    }
    if (key == null || key.isEmpty()) {
      throw GatewayException.unauthorized(
          "missing API key: send it as 'Authorization: Bearer <key>' or in the 'api-key' header");
    }
    return auth.authenticate(key)
        .orElseThrow(() -> GatewayException.unauthorized("invalid API key"));
  }

  /** Handles one LLM request for {@code endpoint}. */
  public void handle(RoutingContext ctx, Endpoint endpoint) {
    HttpServerResponse response = ctx.response();
    try {
      authenticate(ctx.request(), auth);
      Buffer body = ctx.body().buffer();
      ParsedRequest req =
          RequestParser.parse(endpoint, body == null ? new byte[0] : body.getBytes());
      ModelRegistry snapshot = registry.current();
      ModelGroup group =
          snapshot
              .resolve(req.model())
              .orElseThrow(
                  () ->
                      GatewayException.of(
                          404,
                          "invalid_request_error",
                          "model",
                          "model_not_found",
                          "The model '"
                              + req.model()
                              + "' does not exist or you do not have access to it."));
      Deployment deployment = Router.pick(group, ThreadLocalRandom.current());
      LitellmParams params = deployment.params();
      Provider provider =
          providers
              .forName(params.provider())
              .orElseThrow(
                  () ->
                      GatewayException.of(
                          501,
                          "not_implemented",
                          "model",
                          "provider_not_supported",
                          "provider '"
                              + params.provider()
                              + "' of model group '"
                              + group.name()
                              + "' is not supported by this version of Tollgate"));
      if (endpoint == Endpoint.EMBEDDINGS && req.stream()) {
        throw GatewayException.badRequest("stream", "embeddings cannot be streamed");
      }
      Cancellation cancellation = new Cancellation();
      response.closeHandler(v -> cancellation.cancel());
      UpstreamRequest up =
          new UpstreamRequest(
              req, deployment.id(), params, timeout(params, req.stream()), cancellation);
      if (req.stream()) {
        provider.stream(
            up,
            new ClientSseSink(
                response, r -> r.putHeader("x-litellm-model-id", deployment.id()), usage -> {}));
      } else {
        provider
            .call(up)
            .onSuccess(
                r -> {
                  if (response.closed() || response.ended()) {
                    return;
                  }
                  response
                      .setStatusCode(r.status())
                      .putHeader(HttpHeaders.CONTENT_TYPE, r.contentType())
                      .putHeader("x-litellm-model-id", deployment.id())
                      .end(Buffer.buffer(r.body()));
                })
            .onFailure(e -> HttpErrors.send(response, e));
      }
    } catch (RuntimeException e) {
      HttpErrors.send(response, e);
    }
  }

  private long timeout(LitellmParams p, boolean stream) {
    if (stream && p.streamTimeoutMillis().isPresent()) {
      return p.streamTimeoutMillis().getAsLong();
    }
    if (p.timeoutMillis().isPresent()) {
      return p.timeoutMillis().getAsLong();
    }
    return routerSettings.timeoutMillis().orElse(DEFAULT_TIMEOUT_MILLIS);
  }
}
