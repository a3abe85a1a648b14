package dev.tollgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A fake Google upstream on loopback, speaking the wire formats of Google's API references:
 *
 * <ul>
 *   <li>The Gemini API: {@code POST /v1beta/models/{model}:generateContent} answers a {@code
 *       GenerateContentResponse} ({@code candidates} with {@code content.parts}, {@code
 *       finishReason}, {@code index}; {@code usageMetadata} with {@code promptTokenCount}, {@code
 *       candidatesTokenCount}, {@code cachedContentTokenCount}, {@code thoughtsTokenCount}, {@code
 *       totalTokenCount}; {@code modelVersion}, {@code responseId}); {@code
 *       :streamGenerateContent?alt=sse} streams one such response per {@code data:} event, each
 *       with the cumulative usage, one event split across two writes as TCP may deliver it; {@code
 *       :batchEmbedContents} answers {@code embeddings}. The key is the {@code x-goog-api-key}
 *       header; a wrong one is Google's 400 {@code API_KEY_INVALID}.
 *   <li>Vertex AI: the same under {@code /v1/projects/{p}/locations/{l}/publishers/google/models/
 *       {model}}, and Anthropic's Messages API under {@code publishers/anthropic} ({@code
 *       :rawPredict}, {@code :streamRawPredict}; answered by {@link FakeAnthropic}'s formats). A
 *       call needs {@code Authorization: Bearer} with a token this fake issued; otherwise Google's
 *       401 {@code UNAUTHENTICATED}.
 *   <li>Google's OAuth token endpoint, {@code POST /token}: the JWT-bearer grant, whose assertion's
 *       RS256 signature is checked with the service account's public key, and its claims ({@code
 *       iss}, {@code aud}, {@code scope}, {@code iat}, {@code exp}); it counts the tokens issued.
 *   <li>Errors as {@code {"error":{"code","message","status"}}}, and a stream that fails after its
 *       first events with such an error as its last event.
 * </ul>
 *
 * It records each request, and each test scripts what the next requests get.
 */
public final class FakeGemini implements AutoCloseable {
  /** A part of an answer. */
  public sealed interface Part {}

  public record Text(String text) implements Part {}

  /** A thought summary: a text part with {@code thought: true}. */
  public record Thought(String text) implements Part {}

  /** A function call; {@code argsJson} is its {@code args} object; a null signature is none. */
  public record Call(String name, String argsJson, @Nullable String signature) implements Part {}

  /** The usage an answer reports, as Gemini counts it. */
  public record Meta(long prompt, long candidates, long cached, long thoughts) {
    public static Meta of(long prompt, long candidates) {
      return new Meta(prompt, candidates, 0, 0);
    }
  }

  /** What to do with a request. */
  public sealed interface Script {}

  /** Answer, streamed or not as the request's method asks. */
  public record Reply(List<Part> parts, String finishReason, Meta usage) implements Script {
    public Reply {
      parts = List.copyOf(parts);
    }

    public static Reply text(String text, Meta usage) {
      return new Reply(List.of(new Text(text)), "STOP", usage);
    }
  }

  /** A prompt blocked by safety: no candidates, {@code promptFeedback.blockReason}. */
  public record Blocked(String reason, Meta usage) implements Script {}

  /** Answer with this HTTP code and Google error status. */
  public record Error(int code, String status, String message) implements Script {}

  /** Stream the first events of {@code reply}, then an event carrying this error. */
  public record ErrorMidStream(Reply reply, int code, String status, String message)
      implements Script {}

  /** A Vertex {@code rawPredict} answer of a Claude model, in Anthropic's format. */
  public record Claude(FakeAnthropic.Reply reply) implements Script {}

  /** A request as the fake received it. */
  public record Received(String path, String query, Map<String, String> headers, String body) {
    public JsonNode json() {
      return parse(body);
    }
  }

  public static final String PROJECT_ID = "tollgate-test-project";
  public static final String CLIENT_EMAIL =
      "tollgate@tollgate-test-project.iam.gserviceaccount.com";
  public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern GEMINI =
      Pattern.compile(
          "/v1beta/models/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)");
  private static final Pattern VERTEX =
      Pattern.compile(
          "/v1/projects/([^/]+)/locations/([^/]+)/publishers/(google|anthropic)/models/([^/:]+)"
              + ":(generateContent|streamGenerateContent|rawPredict|streamRawPredict|predict)");

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final KeyPair serviceAccountKey;
  private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Script> fallback =
      new AtomicReference<>(Reply.text("Hello there", Meta.of(12, 5)));
  private final AtomicReference<FakeAnthropic.Reply> claudeFallback =
      new AtomicReference<>(
          FakeAnthropic.Reply.text("Hello there", FakeAnthropic.Tokens.of(12, 5)));
  private final Set<String> issued = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tokensIssued = new AtomicInteger();
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private volatile String apiKey = "gemini-test-key";
  private volatile long tokenDelayMillis;
  private volatile Clock clock = Clock.systemUTC();

  public FakeGemini() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      serviceAccountKey = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
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

  public int port() {
    return server.actualPort();
  }

  /** The base as a deployment names it. */
  public String apiBase() {
    return "http://127.0.0.1:" + port();
  }

  public String tokenUri() {
    return apiBase() + "/token";
  }

  /** The key the Gemini API accepts. */
  public FakeGemini apiKey(String key) {
    this.apiKey = key;
    return this;
  }

  /** The clock the token endpoint checks a JWT's times against: the test's, when it moves one. */
  public FakeGemini tokenClock(Clock c) {
    this.clock = c;
    return this;
  }

  /** How long the token endpoint waits before it answers, so that calls pile up behind it. */
  public FakeGemini tokenDelay(long millis) {
    this.tokenDelayMillis = millis;
    return this;
  }

  /**
   * A service account key file, as the Cloud console downloads it, whose {@code token_uri} is this
   * fake's and whose private key is the one the token endpoint checks signatures with.
   */
  public String serviceAccountJson() {
    return serviceAccountJson(serviceAccountKey);
  }

  /** The same service account, with a private key the token endpoint does not know. */
  public String serviceAccountJsonWithForeignKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return serviceAccountJson(g.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String serviceAccountJson(KeyPair key) {
    ObjectNode sa = NODES.objectNode();
    sa.put("type", "service_account");
    sa.put("project_id", PROJECT_ID);
    sa.put("private_key_id", "0123456789abcdef");
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    sa.put("private_key", pem);
    sa.put("client_email", CLIENT_EMAIL);
    sa.put("client_id", "100000000000000000001");
    sa.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    sa.put("token_uri", tokenUri());
    return sa.toString();
  }

  public FakeGemini enqueue(Script s) {
    scripts.add(s);
    return this;
  }

  public FakeGemini fallback(Script s) {
    fallback.set(s);
    return this;
  }

  /** What a Claude model on Vertex answers once the queue is empty. */
  public FakeGemini claudeFallback(FakeAnthropic.Reply r) {
    claudeFallback.set(r);
    return this;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public Received lastReceived() {
    List<Received> all = received();
    if (all.isEmpty()) {
      throw new AssertionError("the fake upstream received no request");
    }
    return all.get(all.size() - 1);
  }

  /** How many access tokens the token endpoint has issued. */
  public int tokensIssued() {
    return tokensIssued.get();
  }

  /** How many requests the token endpoint has had, granted or not. */
  public int tokenRequests() {
    return tokenRequests.get();
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              String text = body.toString();
              if (req.path().equals("/token")) {
                tokenRequests.incrementAndGet();
                if (tokenDelayMillis > 0) {
                  vertx.setTimer(tokenDelayMillis, id -> token(req, text));
                } else {
                  token(req, text);
                }
                return;
              }
              Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
              String query = req.query() == null ? "" : req.query();
              received.add(new Received(req.path(), query, headers, text));
              respond(req, headers, query, text);
            });
  }

  private void respond(
      HttpServerRequest req, Map<String, String> headers, String query, String body) {
    HttpServerResponse resp = req.response();
    String path = req.path();
    if (path.equals("/v1beta/models") || path.endsWith(":countTokens")) {
      if (!apiKey.equals(headers.get("x-goog-api-key"))) {
        error(
            resp,
            new Error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."));
        return;
      }
      resp.putHeader("content-type", "application/json; charset=UTF-8")
          .end(
              path.endsWith(":countTokens")
                  ? "{\"totalTokens\": 31}"
                  : "{\"models\":[{\"name\":\"models/gemini-2.5-flash\"}]}");
      return;
    }
    Matcher gemini = GEMINI.matcher(path);
    Matcher vertex = VERTEX.matcher(path);
    String model;
    String method;
    boolean anthropic = false;
    if (gemini.matches()) {
      if (!apiKey.equals(headers.get("x-goog-api-key"))) {
        error(
            resp,
            new Error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."));
        return;
      }
      model = gemini.group(1);
      method = gemini.group(2);
    } else if (vertex.matches()) {
      String auth = headers.getOrDefault("authorization", "");
      if (!auth.startsWith("Bearer ") || !issued.contains(auth.substring(7))) {
        error(
            resp,
            new Error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token."));
        return;
      }
      anthropic = vertex.group(3).equals("anthropic");
      model = vertex.group(4);
      method = vertex.group(5);
    } else {
      error(resp, new Error(404, "NOT_FOUND", "The requested URL " + path + " was not found."));
      return;
    }
    JsonNode request;
    try {
      request = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      error(resp, new Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
      return;
    }
    if (method.equals("batchEmbedContents")) {
      ObjectNode out = NODES.objectNode();
      ArrayNode embeddings = out.putArray("embeddings");
      for (JsonNode r : request.path("requests")) {
        int n = r.path("outputDimensionality").asInt(3);
        ArrayNode values = embeddings.addObject().putArray("values");
        for (int i = 0; i < n; i++) {
          values.add(new BigDecimal("0.0" + (i + 1)));
        }
      }
      resp.putHeader("content-type", "application/json; charset=UTF-8").end(out.toString());
      return;
    }
    if (method.equals("predict")) {
      // Vertex AI's text embeddings: one prediction per instance, its token count the words.
      ObjectNode out = NODES.objectNode();
      ArrayNode predictions = out.putArray("predictions");
      for (JsonNode instance : request.path("instances")) {
        int n = request.path("parameters").path("outputDimensionality").asInt(3);
        ObjectNode e = predictions.addObject().putObject("embeddings");
        ArrayNode values = e.putArray("values");
        for (int i = 0; i < n; i++) {
          values.add(new BigDecimal("0.0" + (i + 1)));
        }
        e.putObject("statistics")
            .put("truncated", false)
            .put("token_count", instance.path("content").asText().split(" ").length);
      }
      out.putObject("metadata").put("billableCharacterCount", 10);
      resp.putHeader("content-type", "application/json; charset=UTF-8").end(out.toString());
      return;
    }
    boolean stream = method.startsWith("stream");
    if (stream && method.equals("streamGenerateContent") && !query.contains("alt=sse")) {
      error(resp, new Error(400, "INVALID_ARGUMENT", "this fake streams only with alt=sse"));
      return;
    }
    Script s = scripts.poll();
    if (s == null) {
      s = anthropic ? new Claude(claudeFallback.get()) : fallback.get();
    }
    switch (s) {
      case Error e -> error(resp, e);
      case Claude c -> {
        if (stream) {
          startStream(resp);
          for (String e : FakeAnthropic.events(c.reply(), model)) {
            resp.write(e);
          }
          resp.end();
        } else {
          resp.putHeader("content-type", "application/json")
              .end(FakeAnthropic.message(c.reply(), model).toString());
        }
      }
      case Blocked b -> {
        ObjectNode out = NODES.objectNode();
        out.putObject("promptFeedback").put("blockReason", b.reason());
        out.set("usageMetadata", usage(b.usage(), b.usage().prompt(), 0, 0));
        out.put("modelVersion", model);
        if (stream) {
          startStream(resp);
          resp.end("data: " + out + "\r\n\r\n");
        } else {
          resp.putHeader("content-type", "application/json").end(out.toString());
        }
      }
      case Reply r -> {
        if (stream) {
          startStream(resp);
          List<String> events = events(r, model);
          for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            if (i == 1) {
              resp.write(e.substring(0, 11));
              resp.write(e.substring(11));
            } else {
              resp.write(e);
            }
          }
          resp.end();
        } else {
          resp.putHeader("content-type", "application/json; charset=UTF-8")
              .end(
                  response(
                          r.parts(),
                          r.finishReason(),
                          r.usage(),
                          model,
                          r.usage().candidates(),
                          r.usage().thoughts())
                      .toString());
        }
      }
      case ErrorMidStream m -> {
        startStream(resp);
        List<String> events = events(m.reply(), model);
        for (int i = 0; i < Math.min(2, events.size() - 1); i++) {
          resp.write(events.get(i));
        }
        ObjectNode error = NODES.objectNode();
        error
            .putObject("error")
            .put("code", m.code())
            .put("message", m.message())
            .put("status", m.status());
        resp.end("data: " + error + "\r\n\r\n");
      }
    }
  }

  /** A {@code GenerateContentResponse}. */
  private static ObjectNode response(
      List<Part> parts,
      @Nullable String finishReason,
      Meta usage,
      String model,
      long candidatesSoFar,
      long thoughtsSoFar) {
    ObjectNode out = NODES.objectNode();
    ArrayNode candidates = out.putArray("candidates");
    ObjectNode c = candidates.addObject();
    ObjectNode content = c.putObject("content");
    ArrayNode ps = content.putArray("parts");
    for (Part p : parts) {
      switch (p) {
        case Text t -> ps.addObject().put("text", t.text());
        case Thought t -> ps.addObject().put("text", t.text()).put("thought", true);
        case Call call -> {
          ObjectNode part = ps.addObject();
          ObjectNode fc = part.putObject("functionCall").put("name", call.name());
          fc.set("args", parse(call.argsJson()));
          if (call.signature() != null) {
            part.put("thoughtSignature", call.signature());
          }
        }
      }
    }
    content.put("role", "model");
    if (finishReason != null) {
      c.put("finishReason", finishReason);
    }
    c.put("index", 0);
    out.set("usageMetadata", usage(usage, usage.prompt(), candidatesSoFar, thoughtsSoFar));
    out.put("modelVersion", model);
    out.put("responseId", "fakeGeminiResponse01");
    return out;
  }

  private static ObjectNode usage(Meta m, long prompt, long candidates, long thoughts) {
    ObjectNode u = NODES.objectNode();
    u.put("promptTokenCount", prompt);
    if (candidates > 0) {
      u.put("candidatesTokenCount", candidates);
    }
    u.put("totalTokenCount", prompt + candidates + thoughts);
    if (m.cached() > 0) {
      u.put("cachedContentTokenCount", m.cached());
    }
    if (thoughts > 0) {
      u.put("thoughtsTokenCount", thoughts);
    }
    u.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", prompt);
    return u;
  }

  /**
   * The stream of {@code r}: thoughts first, then each text in pieces and each call whole, one
   * response per event with the usage counted so far; the last carries the finish reason and the
   * whole usage.
   */
  public static List<String> events(Reply r, String model) {
    List<List<Part>> pieces = new ArrayList<>();
    for (Part p : r.parts()) {
      if (p instanceof Text t) {
        for (String s : split(t.text())) {
          pieces.add(List.of(new Text(s)));
        }
      } else {
        pieces.add(List.of(p));
      }
    }
    if (pieces.isEmpty()) {
      pieces.add(List.of());
    }
    List<String> out = new ArrayList<>();
    Meta u = r.usage();
    for (int i = 0; i < pieces.size(); i++) {
      boolean last = i == pieces.size() - 1;
      long candidates = last ? u.candidates() : Math.min(u.candidates(), i + 1);
      long thoughts = u.thoughts();
      ObjectNode e =
          response(pieces.get(i), last ? r.finishReason() : null, u, model, candidates, thoughts);
      out.add("data: " + e + "\r\n\r\n");
    }
    return out;
  }

  private static List<String> split(String s) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.length(); i += 6) {
      out.add(s.substring(i, Math.min(s.length(), i + 6)));
    }
    return out;
  }

  private static void startStream(HttpServerResponse resp) {
    resp.setChunked(true).putHeader("content-type", "text/event-stream");
  }

  private static void error(HttpServerResponse resp, Error e) {
    ObjectNode body = NODES.objectNode();
    body.putObject("error")
        .put("code", e.code())
        .put("message", e.message())
        .put("status", e.status());
    resp.setStatusCode(e.code())
        .putHeader("content-type", "application/json; charset=UTF-8")
        .end(body.toPrettyString());
  }

  /** The JWT-bearer grant, as Google's token endpoint checks it. */
  private void token(HttpServerRequest req, String form) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        fields.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    HttpServerResponse resp = req.response().putHeader("content-type", "application/json");
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(fields.get("grant_type"))) {
      resp.setStatusCode(400)
          .end(
              "{\"error\":\"unsupported_grant_type\",\"error_description\":\"Invalid grant_type\"}");
      return;
    }
    String problem = checkAssertion(fields.getOrDefault("assertion", ""));
    if (problem != null) {
      resp.setStatusCode(400)
          .end(
              NODES
                  .objectNode()
                  .put("error", "invalid_grant")
                  .put("error_description", problem)
                  .toString());
      return;
    }
    String token = "ya29.fake-" + tokensIssued.incrementAndGet();
    issued.add(token);
    resp.end(
        NODES
            .objectNode()
            .put("access_token", token)
            .put("expires_in", 3599)
            .put("token_type", "Bearer")
            .toString());
  }

  /** Why an assertion is refused; null when it is a valid, signed JWT for this endpoint. */
  private @Nullable String checkAssertion(String jwt) {
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      return "Invalid JWT: not three parts";
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(serviceAccountKey.getPublic());
      verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return "Invalid JWT Signature.";
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return "Invalid JWT Signature: " + e.getMessage();
    }
    JsonNode header =
        parse(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
    JsonNode claims =
        parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    if (!header.path("alg").asText().equals("RS256")) {
      return "Invalid JWT: alg must be RS256";
    }
    if (!claims.path("iss").asText().equals(CLIENT_EMAIL)) {
      return "Invalid JWT: iss is not the service account";
    }
    if (!claims.path("aud").asText().equals(tokenUri())) {
      return "Invalid JWT: aud must be the token URI";
    }
    if (!claims.path("scope").asText().contains(SCOPE)) {
      return "Invalid JWT: scope must include " + SCOPE;
    }
    long now = clock.instant().getEpochSecond();
    long iat = claims.path("iat").asLong(-1);
    long exp = claims.path("exp").asLong(-1);
    if (iat > now + 60 || exp <= now || exp - iat > 3600) {
      return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
    }
    return null;
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    vertx.close();
  }
}
