package dev.tollgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A fake Azure OpenAI resource on loopback, with a fake Azure AD (Entra ID) token endpoint on the
 * same port. The resource checks what Azure checks, answering with Azure's error bodies: the
 * deployment in the path ({@code /openai/deployments/{d}/...}, 404 {@code DeploymentNotFound}), the
 * {@code api-version} query (400 when missing), and the {@code api-key} header or a bearer token
 * the token endpoint issued (401). The v1 API ({@code /openai/v1/...}) takes the deployment as
 * {@code model} and needs no {@code api-version}. A request that passes is answered by a {@link
 * FakeOpenAi} behind it (script it through {@link #openAi()}), streamed through as it comes.
 *
 * <p>The token endpoint, {@code POST /{tenant}/oauth2/v2.0/token} with a form-encoded
 * client-credentials grant, answers as Azure AD does and counts what it issues, so that a test can
 * show a token being cached; point a deployment's {@code azure_authority_host} at {@link
 * #authorityHost()}.
 */
public final class FakeAzure implements AutoCloseable {
  public static final String SCOPE = "https://cognitiveservices.azure.com/.default";

  private static final Pattern TOKEN_PATH = Pattern.compile("/([^/]+)/oauth2/v2\\.0/token");
  private static final Pattern DEPLOYMENT_PATH =
      Pattern.compile("/openai/deployments/([^/]+)(/chat/completions|/completions|/embeddings)");
  private static final Pattern V1_PATH =
      Pattern.compile("/openai/v1(/chat/completions|/completions|/embeddings|/responses)");

  /** A request as the fake resource or token endpoint received it. */
  public record Received(
      String path, @Nullable String query, Map<String, String> headers, String body) {}

  private record App(String clientId, String secret) {}

  private final FakeOpenAi openAi = new FakeOpenAi();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final HttpClient client = vertx.createHttpClient();
  private final Set<String> deployments = ConcurrentHashMap.newKeySet();
  private final Set<String> apiKeys = ConcurrentHashMap.newKeySet();
  private final Set<String> bearers = ConcurrentHashMap.newKeySet();
  private final Map<String, App> apps = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> tokenRequests = new ConcurrentLinkedQueue<>();
  private final AtomicInteger tokensIssued = new AtomicInteger();
  private final AtomicLong tokenLifetimeSeconds = new AtomicLong(3599);
  private final AtomicReference<@Nullable CountDownLatch> tokenGate = new AtomicReference<>();

  public FakeAzure() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    try {
      server
          .listen(0, "127.0.0.1")
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The resource endpoint, as a deployment's {@code api_base}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** The token endpoint's authority host, as a deployment's {@code azure_authority_host}. */
  public String authorityHost() {
    return endpoint();
  }

  /** The OpenAI-format server that answers the requests the resource lets through. */
  public FakeOpenAi openAi() {
    return openAi;
  }

  public FakeAzure deployment(String name) {
    deployments.add(name);
    return this;
  }

  public FakeAzure apiKey(String key) {
    apiKeys.add(key);
    return this;
  }

  /** A bearer token the resource accepts without the token endpoint having issued it. */
  public FakeAzure bearer(String token) {
    bearers.add(token);
    return this;
  }

  /** An app registration that may get tokens from the token endpoint. */
  public FakeAzure app(String tenant, String clientId, String secret) {
    apps.put(tenant, new App(clientId, secret));
    return this;
  }

  /** The {@code expires_in} of the tokens issued from now on. */
  public FakeAzure tokenLifetimeSeconds(long seconds) {
    tokenLifetimeSeconds.set(seconds);
    return this;
  }

  /** Holds every token answer until {@code gate} is counted down; null answers at once. */
  public FakeAzure holdTokens(@Nullable CountDownLatch gate) {
    tokenGate.set(gate);
    return this;
  }

  /** How many tokens the token endpoint issued. */
  public int tokensIssued() {
    return tokensIssued.get();
  }

  /** Every token request, successful or not; their bodies hold the secret as sent. */
  public List<Received> tokenRequests() {
    return List.copyOf(tokenRequests);
  }

  /** Every request the resource received, let through or not. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  public Received lastReceived() {
    List<Received> all = received();
    if (all.isEmpty()) {
      throw new AssertionError("the fake Azure resource received no request");
    }
    return all.get(all.size() - 1);
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
              Received r = new Received(req.path(), req.query(), headers, body.toString());
              Matcher token = TOKEN_PATH.matcher(req.path());
              if (token.matches() && req.method() == HttpMethod.POST) {
                tokenRequests.add(r);
                token(req, token.group(1), r.body());
              } else {
                received.add(r);
                resource(req, r, body);
              }
            });
  }

  private void resource(HttpServerRequest req, Received r, Buffer body) {
    HttpServerResponse resp = req.response();
    Matcher byDeployment = DEPLOYMENT_PATH.matcher(req.path());
    Matcher v1 = V1_PATH.matcher(req.path());
    String operation;
    String deployment;
    if (byDeployment.matches()) {
      if (req.getParam("api-version") == null) {
        error(
            resp,
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.");
        return;
      }
      deployment = byDeployment.group(1);
      operation = byDeployment.group(2);
    } else if (v1.matches()) {
      operation = v1.group(1);
      deployment = model(r.body());
    } else if (req.path().equals("/openai/responses")) {
      // Azure's Responses API has no deployment path: the deployment is the body's model.
      if (req.getParam("api-version") == null) {
        error(
            resp,
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.");
        return;
      }
      operation = "/responses";
      deployment = model(r.body());
    } else {
      error(resp, 404, "404", "Resource not found");
      return;
    }
    if (!authorized(r.headers())) {
      return401(resp, r.headers());
      return;
    }
    if (!deployments.contains(deployment)) {
      error(
          resp,
          404,
          "DeploymentNotFound",
          "The API deployment for this resource does not exist. If you created the deployment"
              + " within the last 5 minutes, please wait a moment and try again.");
      return;
    }
    forward(req, operation, body);
  }

  private boolean authorized(Map<String, String> headers) {
    String key = headers.get("api-key");
    if (key != null) {
      return apiKeys.contains(key);
    }
    String auth = headers.get("authorization");
    return auth != null && auth.startsWith("Bearer ") && bearers.contains(auth.substring(7));
  }

  private static void return401(HttpServerResponse resp, Map<String, String> headers) {
    if (headers.containsKey("api-key") || !headers.containsKey("authorization")) {
      error(
          resp,
          401,
          "401",
          "Access denied due to invalid subscription key or wrong API endpoint. Make sure to"
              + " provide a valid key for an active subscription and use a correct regional API"
              + " endpoint for your resource.");
    } else {
      error(
          resp,
          401,
          "401",
          "Unauthorized. Access token is missing, invalid, audience is incorrect"
              + " (https://cognitiveservices.azure.com), or have expired.");
    }
  }

  /** Passes the request to the OpenAI-format server and its answer back as it streams. */
  private void forward(HttpServerRequest req, String operation, Buffer body) {
    HttpServerResponse resp = req.response();
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost("127.0.0.1")
            .setPort(openAi.port())
            .setURI("/v1" + operation)
            .putHeader("content-type", "application/json");
    client
        .request(o)
        .compose(r -> r.send(body))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                req.connection().close();
                return;
              }
              HttpClientResponse up = ar.result();
              resp.setStatusCode(up.statusCode());
              String type = up.getHeader("content-type");
              if (type != null) {
                resp.putHeader("content-type", type);
              }
              resp.putHeader("apim-request-id", "fake-apim-request");
              resp.setChunked(true);
              up.pipeTo(resp).onFailure(e -> req.connection().close());
              // The gateway went away: stop the OpenAI-format server's answer too.
              req.connection().closeHandler(v -> up.request().reset());
            });
  }

  private void token(HttpServerRequest req, String tenant, String body) {
    CountDownLatch gate = tokenGate.get();
    if (gate != null && gate.getCount() > 0) {
      vertx.setTimer(
          5,
          id -> {
            if (gate.getCount() > 0) {
              token(req, tenant, body);
            } else {
              answerToken(req, tenant, body);
            }
          });
      return;
    }
    answerToken(req, tenant, body);
  }

  private void answerToken(HttpServerRequest req, String tenant, String body) {
    HttpServerResponse resp = req.response().putHeader("content-type", "application/json");
    Map<String, String> form = form(body);
    App app = apps.get(tenant);
    if (!"client_credentials".equals(form.get("grant_type"))) {
      aadError(
          resp,
          400,
          "unsupported_grant_type",
          70003,
          "The app requested an unsupported grant type.");
    } else if (app == null) {
      aadError(resp, 400, "invalid_request", 90002, "Tenant '" + tenant + "' not found.");
    } else if (!app.clientId().equals(form.get("client_id"))) {
      aadError(
          resp,
          400,
          "unauthorized_client",
          700016,
          "Application with identifier '"
              + form.get("client_id")
              + "' was not found in the directory.");
    } else if (!app.secret().equals(form.get("client_secret"))) {
      aadError(
          resp,
          401,
          "invalid_client",
          7000215,
          "Invalid client secret provided. Ensure the secret being sent in the request is the"
              + " client secret value, not the client secret ID.");
    } else if (!SCOPE.equals(form.get("scope"))) {
      aadError(resp, 400, "invalid_scope", 1002012, "The provided value for scope is not valid.");
    } else {
      String token = "fake-aad-token-" + tokensIssued.incrementAndGet();
      bearers.add(token);
      long lifetime = tokenLifetimeSeconds.get();
      resp.end(
          "{\"token_type\":\"Bearer\",\"expires_in\":"
              + lifetime
              + ",\"ext_expires_in\":"
              + lifetime
              + ",\"access_token\":\""
              + token
              + "\"}");
    }
  }

  private static void aadError(
      HttpServerResponse resp, int status, String error, int code, String description) {
    resp.setStatusCode(status)
        .end(
            "{\"error\":\""
                + error
                + "\",\"error_description\":\"AADSTS"
                + code
                + ": "
                + description
                + "\\r\\nTrace ID: 0b3d5e1c-fake\\r\\nCorrelation ID: 7c1f-fake\\r\\nTimestamp:"
                + " 2025-01-01 00:00:00Z\",\"error_codes\":["
                + code
                + "],\"timestamp\":\"2025-01-01 00:00:00Z\",\"trace_id\":\"0b3d5e1c-fake\","
                + "\"correlation_id\":\"7c1f-fake\",\"error_uri\":"
                + "\"https://login.microsoftonline.com/error?code="
                + code
                + "\"}");
  }

  private static void error(HttpServerResponse resp, int status, String code, String message) {
    resp.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}");
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static String model(String body) {
    int i = body.indexOf("\"model\"");
    if (i < 0) {
      return "";
    }
    int start = body.indexOf('"', body.indexOf(':', i) + 1) + 1;
    return body.substring(start, body.indexOf('"', start));
  }

  @Override
  public void close() {
    vertx.close();
    openAi.close();
  }
}
