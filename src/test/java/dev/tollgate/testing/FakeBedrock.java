package dev.tollgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * A fake Bedrock runtime on loopback that speaks the real formats: {@code POST
 * /model/{id}/converse} answers Converse JSON ({@code output.message.content}, {@code stopReason},
 * {@code usage} with cache reads and writes); {@code /converse-stream} answers an {@code
 * application/vnd.amazon.eventstream} body framed by AWS's own codec (prelude, headers, payload,
 * CRC32s), written in small pieces so that frames split across reads; {@code /invoke} answers Titan
 * and Cohere embeddings. Errors carry {@code x-amzn-errortype} and a {@code {"message"}} body.
 *
 * <p>Every request must be authenticated: a known Bedrock API key as a bearer token, or a SigV4
 * signature that this fake recomputes with AWS's signer from the known test credentials, the
 * request as received (raw path, signed headers, body) and its {@code x-amz-date}, and compares; a
 * wrong canonical request is a 403 {@code InvalidSignatureException}, as AWS answers it.
 */
public final class FakeBedrock implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIDTOLLGATEFAKE0001";
  public static final String SECRET_KEY = "fake/Secret+Key/for/tests/only/0000000001";
  public static final String SESSION_ACCESS_KEY = "ASIATOLLGATEFAKE0002";
  public static final String SESSION_SECRET_KEY = "fake/Session+Secret/for/tests/0000000002";
  public static final String SESSION_TOKEN = "FwoGZXIvYXdzEFakeSessionTokenForTests==";
  public static final String API_KEY = "ABSKQmVkcm9ja0FQSUtleS1mYWtlLWtleS1mb3ItdGVzdHM=";

  /** A content block of an answer. */
  public sealed interface Block {}

  public record Text(String text) implements Block {}

  /** A tool call; {@code inputJson} is its input as a JSON object. */
  public record ToolUse(String id, String name, String inputJson) implements Block {}

  /** The usage an answer reports. */
  public record Tokens(long input, long output, long cacheRead, long cacheWrite) {
    public static Tokens of(long input, long output) {
      return new Tokens(input, output, 0, 0);
    }
  }

  public sealed interface Script {}

  /** Answer, streamed or not as the path asks. */
  public record Reply(List<Block> content, String stopReason, Tokens usage) implements Script {
    public Reply {
      content = List.copyOf(content);
    }

    public static Reply text(String text, Tokens usage) {
      return new Reply(List.of(new Text(text)), "end_turn", usage);
    }
  }

  /** Answer with this HTTP status, {@code x-amzn-errortype} and message. */
  public record Error(int status, String type, String message) implements Script {}

  /** Stream the start of {@code reply}, then an exception message of {@code exceptionType}. */
  public record ExceptionMidStream(Reply reply, String exceptionType, String message)
      implements Script {}

  /** Stream {@code reply} with the checksum of its third message wrong. */
  public record BadChecksum(Reply reply) implements Script {}

  /** A request as the fake received it; {@code path} is raw, {@code modelId} decoded. */
  public record Received(
      String path, String modelId, String action, Map<String, String> headers, String body) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern PATH =
      Pattern.compile("/model/([^/]+)/(converse|converse-stream|invoke)");
  private static final Pattern AUTH =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,"
              + " ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger cutOff =
      new java.util.concurrent.atomic.AtomicInteger();
  private final AtomicReference<Script> fallback =
      new AtomicReference<>(Reply.text("Hello there", Tokens.of(12, 5)));

  /** The region a signature must be made for. */
  private final String region;

  public FakeBedrock(String region) {
    this.region = region;
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

  public String apiBase() {
    return "http://127.0.0.1:" + port();
  }

  public FakeBedrock enqueue(Script s) {
    scripts.add(s);
    return this;
  }

  public FakeBedrock fallback(Script s) {
    fallback.set(s);
    return this;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** How many streams the gateway closed before their end, as it must when its client leaves. */
  public int cutOff() {
    return cutOff.get();
  }

  public Received lastReceived() {
    List<Received> all = received();
    if (all.isEmpty()) {
      throw new AssertionError("the fake upstream received no request");
    }
    return all.get(all.size() - 1);
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
              String raw = req.uri();
              int q = raw.indexOf('?');
              String path = q < 0 ? raw : raw.substring(0, q);
              Matcher m = PATH.matcher(path);
              HttpServerResponse resp = req.response();
              if (!m.matches()) {
                error(resp, new Error(404, "UnknownOperationException", "Unknown operation"));
                return;
              }
              String modelId = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
              received.add(new Received(path, modelId, m.group(2), headers, body.toString()));
              String denied = authenticate(req, headers, path, body.getBytes());
              if (denied != null) {
                error(resp, new Error(403, denied.substring(0, denied.indexOf(':')), denied));
                return;
              }
              Script s = scripts.poll();
              if (s == null) {
                s = fallback.get();
              }
              respond(req, m.group(2), modelId, body.toString(), s);
            });
  }

  /** Null when the request is authenticated; otherwise {@code <ErrorType>: <message>}. */
  private @Nullable String authenticate(
      HttpServerRequest req, Map<String, String> headers, String path, byte[] body) {
    String auth = headers.get("authorization");
    if (auth == null) {
      return "MissingAuthenticationTokenException: Missing Authentication Token";
    }
    if (auth.startsWith("Bearer ")) {
      return auth.substring(7).equals(API_KEY)
          ? null
          : "UnrecognizedClientException: The security token included in the request is invalid.";
    }
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) {
      return "IncompleteSignatureException: Authorization header requires Credential,"
          + " SignedHeaders and Signature";
    }
    String accessKey = m.group(1);
    String secret;
    String token = null;
    if (accessKey.equals(ACCESS_KEY)) {
      secret = SECRET_KEY;
    } else if (accessKey.equals(SESSION_ACCESS_KEY)) {
      secret = SESSION_SECRET_KEY;
      token = SESSION_TOKEN;
      if (!token.equals(headers.get("x-amz-security-token"))) {
        return "UnrecognizedClientException: The security token included in the request is"
            + " invalid.";
      }
    } else {
      return "UnrecognizedClientException: The security token included in the request is invalid.";
    }
    if (!m.group(3).equals(region) || !m.group(4).equals("bedrock")) {
      return "InvalidSignatureException: Credential should be scoped to a valid region and"
          + " service bedrock";
    }
    String date = headers.get("x-amz-date");
    if (date == null) {
      return "IncompleteSignatureException: Missing x-amz-date";
    }
    LocalDateTime at = LocalDateTime.parse(date, AMZ_DATE);
    SdkHttpRequest.Builder r =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(req.method().name()))
            .protocol("http")
            .host("127.0.0.1")
            .port(port())
            .encodedPath(path);
    List<String> signed = Arrays.asList(m.group(5).split(";"));
    for (String name : signed) {
      if (List.of("host", "x-amz-date", "x-amz-security-token", "authorization").contains(name)) {
        continue;
      }
      String v = headers.get(name);
      if (v != null) {
        r.putHeader(name, v);
      }
    }
    AwsCredentialsIdentity identity =
        token == null
            ? AwsCredentialsIdentity.create(accessKey, secret)
            : AwsSessionCredentialsIdentity.create(accessKey, secret, token);
    SignedRequest expected =
        AwsV4HttpSigner.create()
            .sign(
                s ->
                    s.identity(identity)
                        .request(r.build())
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(
                            HttpSigner.SIGNING_CLOCK,
                            Clock.fixed(at.toInstant(ZoneOffset.UTC), ZoneOffset.UTC)));
    String want = expected.request().firstMatchingHeader("Authorization").orElse("");
    if (!want.equals(auth)) {
      // AWS quotes the request it expected, signed headers (a session token among them) included.
      return "InvalidSignatureException: The request signature we calculated does not match the"
          + " signature you provided. Check your AWS Secret Access Key and signing method."
          + " Consult the service documentation for details.\n\nThe Canonical String for this"
          + " request should have been\n'POST\n"
          + path
          + "\n\nhost:127.0.0.1:"
          + port()
          + "\nx-amz-date:"
          + date
          + (token == null ? "" : "\nx-amz-security-token:" + token)
          + "'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"
          + date
          + "'\n";
    }
    return null;
  }

  private void respond(
      HttpServerRequest req, String action, String modelId, String body, Script script) {
    HttpServerResponse resp = req.response();
    JsonNode request;
    try {
      request = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      error(resp, new Error(400, "ValidationException", "Malformed input request"));
      return;
    }
    if (action.equals("invoke")) {
      embed(resp, modelId, request);
      return;
    }
    boolean stream = action.equals("converse-stream");
    switch (script) {
      case Error e -> error(resp, e);
      case Reply r -> {
        if (stream) {
          writeSplit(req, frames(events(r), -1));
        } else {
          resp.putHeader("content-type", "application/json")
              .putHeader("x-amzn-requestid", "5f1e2d3c-fake-4b5a-9c8d-request000001")
              .end(converse(r).toString());
        }
      }
      case ExceptionMidStream x -> {
        List<byte[]> messages = new ArrayList<>();
        List<Event> events = events(x.reply());
        for (int i = 0; i < Math.min(3, events.size()); i++) {
          messages.add(encode(events.get(i)));
        }
        messages.add(
            encode(
                new Event(
                    Map.of(
                        ":message-type", "exception",
                        ":exception-type", x.exceptionType(),
                        ":content-type", "application/json"),
                    NODES.objectNode().put("message", x.message()))));
        writeSplit(req, concat(messages));
      }
      case BadChecksum b -> writeSplit(req, frames(events(b.reply()), 2));
    }
  }

  private void embed(HttpServerResponse resp, String modelId, JsonNode request) {
    ObjectNode out = NODES.objectNode();
    if (modelId.startsWith("amazon.titan-embed")) {
      String text = request.path("inputText").asText("");
      int dims = request.path("dimensions").asInt(4);
      ArrayNode v = out.putArray("embedding");
      for (int i = 0; i < dims; i++) {
        v.add(0.125 * (i + 1));
      }
      out.put("inputTextTokenCount", text.split("\\s+").length + 2);
      resp.putHeader("content-type", "application/json").end(out.toString());
    } else if (modelId.startsWith("cohere.embed")) {
      ArrayNode vs = out.putArray("embeddings");
      int tokens = 0;
      for (JsonNode t : request.path("texts")) {
        vs.addArray().add(0.5).add(-0.25).add(0.75);
        tokens += t.asText().split("\\s+").length;
      }
      out.put("id", "emb-fake").put("response_type", "embeddings_floats");
      resp.putHeader("content-type", "application/json")
          .putHeader("x-amzn-bedrock-input-token-count", Integer.toString(tokens))
          .end(out.toString());
    } else {
      error(resp, new Error(400, "ValidationException", "The provided model is not supported"));
    }
  }

  private static void error(HttpServerResponse resp, Error e) {
    resp.setStatusCode(e.status())
        .putHeader("content-type", "application/json")
        .putHeader(
            "x-amzn-errortype", e.type() + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
        .putHeader("x-amzn-requestid", "5f1e2d3c-fake-4b5a-9c8d-error0000001")
        .end(NODES.objectNode().put("message", e.message()).toString());
  }

  /** The Converse answer for {@code r}. */
  public static ObjectNode converse(Reply r) {
    ObjectNode root = NODES.objectNode();
    ObjectNode message = root.putObject("output").putObject("message");
    message.put("role", "assistant");
    ArrayNode content = message.putArray("content");
    for (Block b : r.content()) {
      switch (b) {
        case Text t -> content.addObject().put("text", t.text());
        case ToolUse t -> {
          ObjectNode use =
              content
                  .addObject()
                  .putObject("toolUse")
                  .put("toolUseId", t.id())
                  .put("name", t.name());
          use.set("input", parse(t.inputJson()));
        }
      }
    }
    root.put("stopReason", r.stopReason());
    root.set("usage", usage(r.usage()));
    root.putObject("metrics").put("latencyMs", 321);
    return root;
  }

  private static ObjectNode usage(Tokens t) {
    ObjectNode u = NODES.objectNode();
    u.put("inputTokens", t.input());
    u.put("outputTokens", t.output());
    u.put("totalTokens", t.input() + t.output() + t.cacheRead() + t.cacheWrite());
    if (t.cacheRead() > 0 || t.cacheWrite() > 0) {
      u.put("cacheReadInputTokens", t.cacheRead());
      u.put("cacheWriteInputTokens", t.cacheWrite());
    }
    return u;
  }

  /** One event-stream message: its string headers and JSON payload. */
  public record Event(Map<String, String> headers, JsonNode payload) {}

  private static Event event(String type, ObjectNode payload) {
    // Bedrock pads each event with "p" so that its size says nothing of its content.
    payload.put("p", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".substring(0, 1 + payload.size() * 3));
    Map<String, String> h = new LinkedHashMap<>();
    h.put(":event-type", type);
    h.put(":content-type", "application/json");
    h.put(":message-type", "event");
    return new Event(h, payload);
  }

  /** The stream for {@code r}, in ConverseStream's order. */
  public static List<Event> events(Reply r) {
    List<Event> out = new ArrayList<>();
    out.add(event("messageStart", NODES.objectNode().put("role", "assistant")));
    for (int i = 0; i < r.content().size(); i++) {
      Block b = r.content().get(i);
      switch (b) {
        case Text t -> {
          for (String piece : pieces(t.text())) {
            ObjectNode d = NODES.objectNode().put("contentBlockIndex", i);
            d.putObject("delta").put("text", piece);
            out.add(event("contentBlockDelta", d));
          }
        }
        case ToolUse t -> {
          ObjectNode s = NODES.objectNode().put("contentBlockIndex", i);
          s.putObject("start").putObject("toolUse").put("toolUseId", t.id()).put("name", t.name());
          out.add(event("contentBlockStart", s));
          for (String piece : pieces(parse(t.inputJson()).toString())) {
            ObjectNode d = NODES.objectNode().put("contentBlockIndex", i);
            d.putObject("delta").putObject("toolUse").put("input", piece);
            out.add(event("contentBlockDelta", d));
          }
        }
      }
      out.add(event("contentBlockStop", NODES.objectNode().put("contentBlockIndex", i)));
    }
    out.add(event("messageStop", NODES.objectNode().put("stopReason", r.stopReason())));
    ObjectNode meta = NODES.objectNode();
    meta.set("usage", usage(r.usage()));
    meta.putObject("metrics").put("latencyMs", 321);
    out.add(event("metadata", meta));
    return out;
  }

  /** One message framed by AWS's codec. */
  public static byte[] encode(Event e) {
    Map<String, HeaderValue> h = new LinkedHashMap<>();
    e.headers().forEach((k, v) -> h.put(k, HeaderValue.fromString(v)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Message(h, e.payload().toString().getBytes(StandardCharsets.UTF_8)).encode(out);
    return out.toByteArray();
  }

  /**
   * {@code events} framed and joined; the message at {@code badCrc} (if any) has its last byte
   * flipped, so that its message checksum is wrong.
   */
  public static byte[] frames(List<Event> events, int badCrc) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      byte[] m = encode(events.get(i));
      if (i == badCrc) {
        m[m.length - 1] ^= 0x5A;
      }
      out.add(m);
    }
    return concat(out);
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /**
   * Writes {@code bytes} as the response body in pieces of 1 to 41 bytes, a millisecond apart, so
   * that frames (and preludes) arrive split across reads.
   */
  private void writeSplit(HttpServerRequest req, byte[] bytes) {
    HttpServerResponse resp = req.response();
    resp.setChunked(true)
        .putHeader("content-type", "application/vnd.amazon.eventstream")
        .putHeader("x-amzn-requestid", "5f1e2d3c-fake-4b5a-9c8d-stream000001");
    resp.closeHandler(
        v -> {
          if (!resp.ended()) {
            cutOff.incrementAndGet();
          }
        });
    writeFrom(resp, bytes, 0, 0);
  }

  private void writeFrom(HttpServerResponse resp, byte[] bytes, int at, int step) {
    if (resp.closed()) {
      return;
    }
    if (at >= bytes.length) {
      resp.end();
      return;
    }
    int n = Math.min(bytes.length - at, 1 + (step * 17) % 41);
    resp.write(Buffer.buffer(Arrays.copyOfRange(bytes, at, at + n)));
    vertx.setTimer(1, id -> writeFrom(resp, bytes, at + n, step + 1));
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code s} in pieces of up to 7 code points, as a model streams tokens. */
  private static List<String> pieces(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int end = s.offsetByCodePoints(i, Math.min(7, s.codePointCount(i, s.length())));
      out.add(s.substring(i, end));
      i = end;
    }
    return out;
  }

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
