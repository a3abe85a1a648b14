import io.netty.buffer.Unpooled;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A fast fake OpenAI upstream for benchmarks: POST /v1/chat/completions answers a canned
 * chat.completion, or an SSE stream of chat.completion.chunk events when the body says
 * {@code "stream": true}. POST /v1/messages answers the same text in Anthropic's Messages format
 * (a message, or its event stream from message_start to message_stop), for the Anthropic-upstream
 * target. POST /model/{id}/converse and /model/{id}/converse-stream answer it as Bedrock's Converse
 * API does (a Converse answer, or an application/vnd.amazon.eventstream body of CRC-checked binary
 * frames, each written as its own chunk), for the Bedrock-upstream target; the signature is not
 * checked. GET /health* answers 200 so scripts can poll it.
 *
 * <p>Every response is built once at startup; a request only reads its body, scans it for the
 * stream flag and writes shared buffers. One verticle per core; runs on the event loop and never
 * blocks.
 *
 * <p>Run: {@code java -cp target/tollgate.jar bench/MockUpstream.java --port 9100 [--host H]
 * [--instances N]}
 */
public final class MockUpstream extends VerticleBase {

  static final String MODEL = "bench-model";
  static final long CREATED = 1_700_000_000L;
  static final String USAGE =
      "{\"prompt_tokens\":19,\"completion_tokens\":8,\"total_tokens\":27,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
          + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
  static final String[] PIECES = {
    "Hello", "!", " This", " is", " the", " mock", " upstream", " speaking."
  };

  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence SSE = HttpHeaders.createOptimized("text/event-stream");
  static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  static final byte[] STREAM_KEY = "\"stream\"".getBytes(StandardCharsets.US_ASCII);

  static final Buffer COMPLETION = shared(completionJson());
  static final List<Buffer> STREAM_EVENTS = streamEvents();
  static final Buffer MESSAGE = shared(messageJson());
  static final List<Buffer> MESSAGE_EVENTS = messageEvents();
  static final Buffer CONVERSE = shared(converseJson());
  static final List<Buffer> CONVERSE_EVENTS = converseEvents();
  static final CharSequence EVENT_STREAM =
      HttpHeaders.createOptimized("application/vnd.amazon.eventstream");
  static final Buffer HEALTH = shared("{\"status\":\"ok\"}");
  static final Buffer NOT_FOUND =
      shared(
          "{\"error\":{\"message\":\"mock upstream: no such route\","
              + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"not_found\"}}");

  private final String host;
  private final int port;

  MockUpstream(String host, int port) {
    this.host = host;
    this.port = port;
  }

  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = 9100;
    int instances = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--host" -> host = args[++i];
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    String h = host;
    int p = port;
    int n = instances;
    Vertx vertx = Vertx.vertx();
    vertx
        .deployVerticle(() -> new MockUpstream(h, p), new DeploymentOptions().setInstances(n))
        .onSuccess(id -> System.out.println("mock upstream ready on " + h + ":" + p + " (" + n + " verticles)"))
        .onFailure(
            e -> {
              System.err.println("mock upstream failed to start: " + e);
              System.exit(1);
            });
  }

  @Override
  public Future<?> start() {
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(this::handle)
        .listen();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method() == HttpMethod.POST && path.equals("/v1/chat/completions")) {
      req.body().onSuccess(body -> respond(req.response(), wantsStream(body)));
    } else if (req.method() == HttpMethod.POST && path.equals("/v1/messages")) {
      req.body()
          .onSuccess(
              body -> {
                if (wantsStream(body)) {
                  send(req.response(), MESSAGE_EVENTS);
                } else {
                  req.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(MESSAGE);
                }
              });
    } else if (req.method() == HttpMethod.POST
        && path.startsWith("/model/")
        && path.endsWith("/converse")) {
      req.body()
          .onSuccess(body -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(CONVERSE));
    } else if (req.method() == HttpMethod.POST
        && path.startsWith("/model/")
        && path.endsWith("/converse-stream")) {
      req.body().onSuccess(body -> send(req.response(), CONVERSE_EVENTS, EVENT_STREAM));
    } else if (req.method() == HttpMethod.GET && path.startsWith("/health")) {
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(HEALTH);
    } else {
      req.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(NOT_FOUND);
    }
  }

  private static void respond(HttpServerResponse resp, boolean stream) {
    if (!stream) {
      resp.putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(COMPLETION);
      return;
    }
    send(resp, STREAM_EVENTS);
  }

  private static void send(HttpServerResponse resp, List<Buffer> events) {
    send(resp, events, SSE);
  }

  private static void send(HttpServerResponse resp, List<Buffer> events, CharSequence type) {
    resp.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, type)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    int last = events.size() - 1;
    for (int i = 0; i < last; i++) {
      resp.write(events.get(i));
    }
    resp.end(events.get(last));
  }

  /** True when the body has {@code "stream"} followed by {@code : true}; a byte scan, no JSON. */
  static boolean wantsStream(Buffer body) {
    int len = body.length();
    outer:
    for (int i = 0; i + STREAM_KEY.length <= len; i++) {
      for (int j = 0; j < STREAM_KEY.length; j++) {
        if (body.getByte(i + j) != STREAM_KEY[j]) {
          continue outer;
        }
      }
      int k = skipSpace(body, i + STREAM_KEY.length, len);
      if (k < len && body.getByte(k) == ':') {
        k = skipSpace(body, k + 1, len);
        return k + 4 <= len && body.getString(k, k + 4).equals("true");
      }
    }
    return false;
  }

  private static int skipSpace(Buffer b, int i, int len) {
    while (i < len) {
      byte c = b.getByte(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      i++;
    }
    return i;
  }

  /**
   * A direct buffer that is never released, so the same bytes can be written to every response
   * (Vert.x writes a slice of it, leaving the original intact).
   */
  static Buffer shared(String s) {
    return shared(s.getBytes(StandardCharsets.UTF_8));
  }

  static Buffer shared(byte[] bytes) {
    return BufferInternal.buffer(
        Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)));
  }

  static String completionJson() {
    return "{\"id\":\"chatcmpl-bench0000000000000000000001\",\"object\":\"chat.completion\","
        + "\"created\":" + CREATED + ",\"model\":\"" + MODEL + "\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        + String.join("", PIECES)
        + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":" + USAGE + ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}";
  }

  static List<Buffer> streamEvents() {
    String head =
        "data: {\"id\":\"chatcmpl-bench0000000000000000000002\",\"object\":\"chat.completion.chunk\","
            + "\"created\":" + CREATED + ",\"model\":\"" + MODEL + "\","
            + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\",";
    List<Buffer> events = new ArrayList<>();
    events.add(
        shared(
            head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
                + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"));
    for (String piece : PIECES) {
      events.add(
          shared(
              head
                  + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},"
                  + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"));
    }
    events.add(
        shared(
            head
                + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"));
    events.add(shared(head + "\"choices\":[],\"usage\":" + USAGE + "}\n\n"));
    events.add(shared("data: [DONE]\n\n"));
    return List.copyOf(events);
  }

  /** The same answer as Anthropic's Messages API gives it: 19 tokens in, 8 out. */
  static String messageJson() {
    return "{\"id\":\"msg_bench00000000000000000001\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"model\":\"claude-bench\",\"content\":[{\"type\":\"text\",\"text\":\""
        + String.join("", PIECES)
        + "\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":19,\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":0,\"output_tokens\":8,\"service_tier\":\"standard\"}}";
  }

  /** Anthropic's event stream for that answer, in the order the API sends it. */
  static List<Buffer> messageEvents() {
    List<Buffer> events = new ArrayList<>();
    events.add(
        shared(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                + "{\"id\":\"msg_bench00000000000000000002\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-bench\",\"content\":[],"
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":19,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":1}}}\n\n"));
    events.add(
        shared(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"));
    events.add(shared("event: ping\ndata: {\"type\":\"ping\"}\n\n"));
    for (String piece : PIECES) {
      events.add(
          shared(
              "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                  + "\"delta\":{\"type\":\"text_delta\",\"text\":\""
                  + piece
                  + "\"}}\n\n"));
    }
    events.add(
        shared(
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"));
    events.add(
        shared(
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
                + "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                + "\"usage\":{\"output_tokens\":8}}\n\n"));
    events.add(shared("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    return List.copyOf(events);
  }

  /** The same answer as Bedrock's Converse API gives it: 19 tokens in, 8 out. */
  static String converseJson() {
    return "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\""
        + String.join("", PIECES)
        + "\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":19,"
        + "\"outputTokens\":8,\"totalTokens\":27},\"metrics\":{\"latencyMs\":42}}";
  }

  /** ConverseStream's event stream for that answer, one binary frame a buffer. */
  static List<Buffer> converseEvents() {
    List<Buffer> events = new ArrayList<>();
    events.add(frame("messageStart", "{\"p\":\"abcdefgh\",\"role\":\"assistant\"}"));
    for (String piece : PIECES) {
      events.add(
          frame(
              "contentBlockDelta",
              "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + piece + "\"},\"p\":\"abcd\"}"));
    }
    events.add(frame("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdefghijk\"}"));
    events.add(frame("messageStop", "{\"p\":\"abcdefghij\",\"stopReason\":\"end_turn\"}"));
    events.add(
        frame(
            "metadata",
            "{\"metrics\":{\"latencyMs\":42},\"p\":\"abc\",\"usage\":{\"inputTokens\":19,"
                + "\"outputTokens\":8,\"totalTokens\":27}}"));
    return List.copyOf(events);
  }

  /**
   * One event-stream message: total length, headers length, prelude CRC32, the {@code
   * :event-type}, {@code :content-type} and {@code :message-type} string headers, the payload, and
   * the CRC32 of everything before it.
   */
  static Buffer frame(String eventType, String payload) {
    Buffer headers = Buffer.buffer();
    header(headers, ":event-type", eventType);
    header(headers, ":content-type", "application/json");
    header(headers, ":message-type", "event");
    byte[] body = payload.getBytes(StandardCharsets.UTF_8);
    int total = 12 + headers.length() + body.length + 4;
    Buffer m = Buffer.buffer(total).appendInt(total).appendInt(headers.length());
    m.appendInt((int) crc(m.getBytes()));
    m.appendBuffer(headers).appendBytes(body);
    m.appendInt((int) crc(m.getBytes()));
    return shared(m.getBytes());
  }

  private static void header(Buffer out, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    out.appendByte((byte) n.length).appendBytes(n).appendByte((byte) 7);
    out.appendShort((short) v.length).appendBytes(v);
  }

  private static long crc(byte[] bytes) {
    CRC32 c = new CRC32();
    c.update(bytes);
    return c.getValue();
  }
}
