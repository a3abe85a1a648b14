package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.OpenAiDialect;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.Principal;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.RegistryHolder;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pass-through routes, {@code /openai/{path}}, {@code /anthropic/{path}}, {@code
 * /gemini/{path}}, {@code /vertex_ai/{path}} and {@code /bedrock/{path}}, as LiteLLM has them: a
 * client's own request sent to the provider with the credentials of a deployment of that provider
 * the caller's key may use. The routes that make tokens ({@code /openai/v1/chat/...}, {@code
 * /anthropic/v1/messages}, Gemini's {@code generateContent}, Vertex AI's {@code rawPredict},
 * Bedrock's Converse...) are served by {@link FastPath} like any LLM request, admitted and billed;
 * they never reach this class. What does reach it is forwarded only when it cannot cost money:
 * reads ({@code GET}, {@code HEAD}) and deletions, and the few free {@code POST}s listed in {@link
 * #FREE_POSTS} and {@link #FREE_POST_SUFFIXES} (files, moderations, token counting). Any other
 * {@code POST} (an image, audio, a batch, an embedding by Gemini's own route) is refused with a
 * 501, because Tollgate could not bill it: a route that spent money unbilled would be a budget
 * bypass. A provider whose format has no pass-through (Vertex AI, Bedrock) answers those with a 501
 * too.
 *
 * <p>The caller is authenticated from the headers before the body is read. The caller's own
 * credentials, cookies and hop-by-hop headers are not forwarded. Runs on the event loop.
 */
public final class PassThrough {
  private static final Logger LOG = LoggerFactory.getLogger(PassThrough.class);

  /** The {@code POST} paths that cost nothing, by provider. */
  static final Set<String> FREE_POSTS =
      Set.of(
          "openai /v1/files",
          "openai /v1/uploads",
          "openai /v1/moderations",
          "anthropic /v1/messages/count_tokens",
          "anthropic /v1/files");

  /** Free {@code POST} operations named by their suffix, such as Gemini's {@code :countTokens}. */
  static final Set<String> FREE_POST_SUFFIXES = Set.of("gemini :countTokens");

  /** Request headers never forwarded: the caller's credentials and the hop-by-hop ones. */
  private static final Set<String> DROPPED =
      Set.of(
          "authorization",
          "api-key",
          "x-api-key",
          "x-goog-api-key",
          "x-litellm-api-key",
          "cookie",
          "host",
          "content-length",
          "connection",
          "keep-alive",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "proxy-authorization",
          "proxy-connection",
          "x-litellm-tags",
          "x-litellm-end-user-id");

  /** Response headers not copied back: hop-by-hop, and the length Vert.x sets itself. */
  private static final Set<String> DROPPED_BACK =
      Set.of(
          "connection",
          "keep-alive",
          "transfer-encoding",
          "content-length",
          "set-cookie",
          "upgrade");

  private static final Dialect OPENAI = new OpenAiDialect(Endpoint.CHAT);

  private final RegistryHolder registry;
  private final Authenticator auth;
  private final Governance governance;
  private final Providers providers;
  private final HttpClient client;
  private final long timeoutMillis;

  public PassThrough(
      RegistryHolder registry,
      Authenticator auth,
      Governance governance,
      Providers providers,
      HttpClient client,
      long timeoutMillis) {
    this.registry = registry;
    this.auth = auth;
    this.governance = governance;
    this.providers = providers;
    this.client = client;
    this.timeoutMillis = timeoutMillis;
  }

  /** Mounts each provider's prefix: authentication, then the body, then out. */
  public void mount(Router router, BodyHandler body) {
    for (String provider : new String[] {"openai", "anthropic", "gemini", "vertex_ai", "bedrock"}) {
      String prefix = "/" + provider;
      // Two routes, as vert.x-web wants the body handler first on its route: authentication runs
      // on the first and passes on to the second only for a known key.
      router.route(prefix + "/*").handler(authenticating(auth, OPENAI));
      router
          .route(prefix + "/*")
          .handler(body)
          .handler(
              ctx ->
                  forward(
                      ctx,
                      provider,
                      Objects.requireNonNull(ctx.request().path(), "routed by path")
                          .substring(prefix.length())));
    }
    // A stored response, read or deleted: OpenAI's, through an OpenAI deployment the key may use
    // (the Responses API keeps responses only on OpenAI's side; a bridged one is never stored).
    for (String path : new String[] {"/v1/responses/:id", "/responses/:id"}) {
      for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.DELETE}) {
        router.route(m, path).handler(authenticating(auth, OPENAI));
        router
            .route(m, path)
            .handler(body)
            .handler(ctx -> forward(ctx, "openai", "/v1/responses/" + ctx.pathParam("id")));
      }
    }
  }

  /**
   * A route handler that authenticates from the headers, before the body is read, answering a
   * refusal in {@code dialect}'s shape and passing a known caller on to the next route.
   */
  static Handler<RoutingContext> authenticating(Authenticator auth, Dialect dialect) {
    return ctx -> {
      try {
        ctx.put(Principal.class.getName(), ProxyHandler.authenticate(ctx.request(), auth));
        ctx.next();
      } catch (RuntimeException e) {
        HttpErrors.send(ctx.response(), e, dialect);
      }
    };
  }

  /** The caller {@link #authenticating} found. */
  static Principal principal(RoutingContext ctx) {
    return Objects.requireNonNull(ctx.get(Principal.class.getName()), "authenticated first");
  }

  private void forward(RoutingContext ctx, String provider, String path) {
    HttpServerRequest in = ctx.request();
    HttpServerResponse out = ctx.response();
    // Not billed, so no spend record, but an id its log lines and the client can quote.
    String requestId = RequestIds.next();
    out.putHeader("x-tollgate-request-id", requestId);
    try {
      Principal principal = principal(ctx);
      HttpMethod method = in.method();
      if (path.startsWith("/deployments/")) {
        // Azure's routes: FastPath serves the ones Tollgate knows.
        throw GatewayException.notFound(null, "no route for " + method + " " + in.path());
      }
      if (!free(provider, method, path)) {
        throw GatewayException.of(
            501,
            "not_implemented",
            null,
            "pass_through_not_billed",
            method
                + " "
                + in.path()
                + " may cost money and Tollgate cannot bill it; it is not forwarded. The LLM"
                + " routes (chat, completions, embeddings, messages, responses) are billed.");
      }
      Deployment d = deploymentFor(principal, provider);
      Provider p =
          providers
              .forName(provider)
              .orElseThrow(() -> new IllegalStateException("no provider " + provider));
      String query = in.query();
      RequestOptions o =
          p.passThrough(d.params(), method, query == null ? path : path + "?" + query)
              .orElseThrow(
                  () ->
                      GatewayException.of(
                          501,
                          "not_implemented",
                          null,
                          "pass_through_not_supported",
                          "provider '" + provider + "' has no pass-through route"));
      copy(in.headers(), o);
      o.setIdleTimeout(timeoutMillis).setConnectTimeout(Math.min(timeoutMillis, 10_000));
      Buffer body = ctx.body().buffer();
      client
          .request(o)
          .compose(req -> body == null ? req.send() : req.send(body))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  LOG.atWarn()
                      .addKeyValue("request_id", requestId)
                      .log(
                          "pass-through {} {} to deployment {} failed: {}",
                          method,
                          in.path(),
                          d.id(),
                          ar.cause().toString());
                  HttpErrors.send(
                      out,
                      GatewayException.badGateway(
                          "the upstream of deployment " + d.id() + " could not be reached", null),
                      OPENAI,
                      requestId);
                  return;
                }
                relay(ar.result(), out);
              });
    } catch (RuntimeException e) {
      HttpErrors.send(out, e, OPENAI, requestId);
    }
  }

  /** Whether a request to {@code path} cannot cost money, so it may pass unbilled. */
  static boolean free(String provider, HttpMethod method, String path) {
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.DELETE) {
      return true;
    }
    if (method != HttpMethod.POST) {
      return false;
    }
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (FREE_POSTS.contains(provider + " " + p)) {
      return true;
    }
    int colon = p.lastIndexOf(':');
    return colon > p.lastIndexOf('/')
        && FREE_POST_SUFFIXES.contains(provider + " " + p.substring(colon));
  }

  /**
   * The first deployment of {@code provider}, in the registry's order, whose model group the caller
   * may use: its credentials are the ones sent.
   */
  private Deployment deploymentFor(Principal principal, String provider) {
    for (Deployment d : registry.current().deployments()) {
      if (!d.params().provider().equals(provider)) {
        continue;
      }
      try {
        governance.checkModelAccess(principal, d.modelName(), d.modelName());
        return d;
      } catch (GatewayException e) {
        // not this caller's: try the next one
      }
    }
    throw GatewayException.of(
        404,
        "invalid_request_error",
        null,
        "no_deployment",
        "no " + provider + " deployment that this key may use is configured");
  }

  /** The caller's headers, but for the dropped ones and those the provider's format has set. */
  static void copy(MultiMap headers, RequestOptions o) {
    MultiMap set = o.getHeaders();
    headers.forEach(
        (name, value) -> {
          if (!DROPPED.contains(name.toLowerCase(Locale.ROOT))
              && (set == null || !set.contains(name))) {
            o.addHeader(name, value);
          }
        });
  }

  static void relay(HttpClientResponse resp, HttpServerResponse out) {
    if (out.closed()) {
      resp.request().reset();
      return;
    }
    out.setStatusCode(resp.statusCode());
    resp.headers()
        .forEach(
            (name, value) -> {
              if (!DROPPED_BACK.contains(name.toLowerCase(Locale.ROOT))) {
                out.headers().add(name, value);
              }
            });
    out.setChunked(true);
    resp.pipeTo(out);
  }
}
