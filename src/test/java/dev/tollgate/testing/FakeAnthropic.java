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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A fake Anthropic upstream on loopback that speaks the Messages API as Anthropic's reference
 * documents it: {@code POST /v1/messages} answers {@code {"id":"msg_...","type":"message",...}}
 * with content blocks, {@code stop_reason}, {@code stop_sequence} and the full {@code usage} (cache
 * reads, cache writes and their 5-minute and 1-hour breakdown); a stream is {@code event: <name>} /
 * {@code data: {...}} events in the real order ({@code message_start}, {@code content_block_start},
 * {@code ping}, deltas, {@code content_block_stop}, {@code message_delta} with cumulative usage,
 * {@code message_stop}), one of them split across two writes as TCP may deliver it; errors are
 * {@code {"type":"error","error":{...}}} with their statuses. It records each request, and each
 * test scripts what the next requests get.
 */
public final class FakeAnthropic implements AutoCloseable {
  /** A content block of an answer. */
  public sealed interface Block {}

  public record Text(String text) implements Block {}

  /** A tool call; {@code inputJson} is its input as a JSON object. */
  public record ToolUse(String id, String name, String inputJson) implements Block {}

  public record Thinking(String thinking, String signature) implements Block {}

  public record RedactedThinking(String data) implements Block {}

  /** The usage an answer reports: uncached input, output, cache reads and writes by lifetime. */
  public record Tokens(long input, long output, long cacheRead, long cache5m, long cache1h) {
    public static Tokens of(long input, long output) {
      return new Tokens(input, output, 0, 0, 0);
    }
  }

  /** What to do with a request. */
  public sealed interface Script {}

  /** Answer, streamed or not as the request asks. */
  public record Reply(
      List<Block> content, String stopReason, @Nullable String stopSequence, Tokens usage)
      implements Script {
    public Reply {
      content = List.copyOf(content);
    }

    public static Reply text(String text, Tokens usage) {
      return new Reply(List.of(new Text(text)), "end_turn", null, usage);
    }
  }

  /** Answer with this HTTP status and Anthropic error; a {@code retry-after} header when > 0. */
  public record Error(int status, String type, String message, long retryAfterSeconds)
      implements Script {}

  /** Stream the start of {@code reply} (its first event pieces), then an {@code error} event. */
  public record ErrorMidStream(Reply reply, String type, String message) implements Script {}

  /** Stream {@code reply} up to its last content block, then close the connection. */
  public record CutStream(Reply reply) implements Script {}

  /** A request as the fake received it. */
  public record Received(String path, Map<String, String> headers, String body) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Script> fallback =
      new AtomicReference<>(Reply.text("Hello there", Tokens.of(12, 5)));

  public FakeAnthropic() {
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

  /** The base as a deployment names it; the adapter appends {@code /v1/messages}. */
  public String apiBase() {
    return "http://127.0.0.1:" + port();
  }

  /** The next request gets {@code s}; after the queue is empty, the fallback applies. */
  public FakeAnthropic enqueue(Script s) {
    scripts.add(s);
    return this;
  }

  public FakeAnthropic fallback(Script s) {
    fallback.set(s);
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

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
              String text = body.toString();
              received.add(new Received(req.path(), headers, text));
              Script s = scripts.poll();
              if (s == null) {
                s = fallback.get();
              }
              respond(req, text, s);
            });
  }

  private void respond(HttpServerRequest req, String body, Script script) {
    HttpServerResponse resp = req.response();
    if (req.path().equals("/v1/messages/count_tokens")) {
      // Anthropic's token counter: free, and answers only the count.
      resp.putHeader("content-type", "application/json").end("{\"input_tokens\":" + COUNTED + "}");
      return;
    }
    if (!req.path().equals("/v1/messages")) {
      error(resp, new Error(404, "not_found_error", "Not Found", 0));
      return;
    }
    JsonNode request;
    try {
      request = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      error(
          resp, new Error(400, "invalid_request_error", "There was an error parsing the body", 0));
      return;
    }
    String model = request.path("model").asText("claude");
    boolean stream = request.path("stream").asBoolean(false);
    switch (script) {
      case Error e -> error(resp, e);
      case Reply r -> {
        if (stream) {
          startStream(resp);
          List<String> events = events(r, model);
          for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            if (i == 3) {
              // One event split across two writes.
              resp.write(e.substring(0, 17));
              resp.write(e.substring(17));
            } else {
              resp.write(e);
            }
          }
          resp.end();
        } else {
          resp.putHeader("content-type", "application/json")
              .putHeader("request-id", "req_fake")
              .end(message(r, model).toString());
        }
      }
      case ErrorMidStream m -> {
        startStream(resp);
        List<String> events = events(m.reply(), model);
        for (int i = 0; i < Math.min(4, events.size()); i++) {
          resp.write(events.get(i));
        }
        ObjectNode error = errorBody(m.type(), m.message());
        resp.end(event("error", error));
      }
      case CutStream c -> {
        startStream(resp);
        List<String> events = events(c.reply(), model);
        // Everything before message_delta and message_stop.
        for (int i = 0; i < events.size() - 2; i++) {
          resp.write(events.get(i));
        }
        vertx.setTimer(20, id -> req.connection().close());
      }
    }
  }

  /** What {@code /v1/messages/count_tokens} answers. */
  public static final long COUNTED = 2095;

  private static void startStream(HttpServerResponse resp) {
    resp.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
  }

  private static void error(HttpServerResponse resp, Error e) {
    if (e.retryAfterSeconds() > 0) {
      resp.putHeader("retry-after", Long.toString(e.retryAfterSeconds()));
    }
    resp.setStatusCode(e.status())
        .putHeader("content-type", "application/json")
        .end(errorBody(e.type(), e.message()).put("request_id", "req_fake").toString());
  }

  private static ObjectNode errorBody(String type, String message) {
    ObjectNode body = NODES.objectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    return body;
  }

  /** The non-streamed answer for {@code r}. */
  public static ObjectNode message(Reply r, String model) {
    ObjectNode m = NODES.objectNode();
    m.put("id", "msg_01FakeAnthropicAnswer");
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", model);
    ArrayNode content = m.putArray("content");
    for (Block b : r.content()) {
      switch (b) {
        case Text t -> content.addObject().put("type", "text").put("text", t.text());
        case ToolUse t -> {
          ObjectNode block =
              content.addObject().put("type", "tool_use").put("id", t.id()).put("name", t.name());
          block.set("input", parse(t.inputJson()));
        }
        case Thinking t ->
            content
                .addObject()
                .put("type", "thinking")
                .put("thinking", t.thinking())
                .put("signature", t.signature());
        case RedactedThinking t ->
            content.addObject().put("type", "redacted_thinking").put("data", t.data());
      }
    }
    m.put("stop_reason", r.stopReason());
    if (r.stopSequence() == null) {
      m.putNull("stop_sequence");
    } else {
      m.put("stop_sequence", r.stopSequence());
    }
    m.set("usage", usage(r.usage(), r.usage().output()));
    return m;
  }

  /** The usage object, with {@code output} as its output count. */
  private static ObjectNode usage(Tokens t, long output) {
    ObjectNode u = NODES.objectNode();
    u.put("input_tokens", t.input());
    u.put("cache_creation_input_tokens", t.cache5m() + t.cache1h());
    u.put("cache_read_input_tokens", t.cacheRead());
    u.putObject("cache_creation")
        .put("ephemeral_5m_input_tokens", t.cache5m())
        .put("ephemeral_1h_input_tokens", t.cache1h());
    u.put("output_tokens", output);
    u.put("service_tier", "standard");
    return u;
  }

  /** The stream for {@code r}: each element one whole event. */
  public static List<String> events(Reply r, String model) {
    List<String> out = new ArrayList<>();
    ObjectNode start = message(new Reply(List.of(), r.stopReason(), null, r.usage()), model);
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    // message_start reports a placeholder output count; message_delta the real one.
    start.set("usage", usage(r.usage(), Math.min(1, r.usage().output())));
    ObjectNode ms = NODES.objectNode().put("type", "message_start");
    ms.set("message", start);
    out.add(event("message_start", ms));
    for (int i = 0; i < r.content().size(); i++) {
      Block b = r.content().get(i);
      ObjectNode cbs = NODES.objectNode().put("type", "content_block_start").put("index", i);
      switch (b) {
        case Text t -> {
          cbs.putObject("content_block").put("type", "text").put("text", "");
          out.add(event("content_block_start", cbs));
          ping(out, i);
          for (String piece : pieces(t.text())) {
            out.add(delta(i, "text_delta", "text", piece));
          }
        }
        case ToolUse t -> {
          ObjectNode block =
              cbs.putObject("content_block")
                  .put("type", "tool_use")
                  .put("id", t.id())
                  .put("name", t.name());
          block.putObject("input");
          out.add(event("content_block_start", cbs));
          ping(out, i);
          out.add(delta(i, "input_json_delta", "partial_json", ""));
          for (String piece : pieces(parse(t.inputJson()).toString())) {
            out.add(delta(i, "input_json_delta", "partial_json", piece));
          }
        }
        case Thinking t -> {
          cbs.putObject("content_block").put("type", "thinking").put("thinking", "");
          out.add(event("content_block_start", cbs));
          ping(out, i);
          for (String piece : pieces(t.thinking())) {
            out.add(delta(i, "thinking_delta", "thinking", piece));
          }
          out.add(delta(i, "signature_delta", "signature", t.signature()));
        }
        case RedactedThinking t -> {
          cbs.putObject("content_block").put("type", "redacted_thinking").put("data", t.data());
          out.add(event("content_block_start", cbs));
          ping(out, i);
        }
      }
      out.add(
          event(
              "content_block_stop",
              NODES.objectNode().put("type", "content_block_stop").put("index", i)));
    }
    ObjectNode md = NODES.objectNode().put("type", "message_delta");
    ObjectNode d = md.putObject("delta").put("stop_reason", r.stopReason());
    if (r.stopSequence() == null) {
      d.putNull("stop_sequence");
    } else {
      d.put("stop_sequence", r.stopSequence());
    }
    // Cumulative counts, as the API reports them now; the breakdown is only in message_start.
    Tokens t = r.usage();
    md.putObject("usage")
        .put("input_tokens", t.input())
        .put("cache_creation_input_tokens", t.cache5m() + t.cache1h())
        .put("cache_read_input_tokens", t.cacheRead())
        .put("output_tokens", t.output());
    out.add(event("message_delta", md));
    out.add(event("message_stop", NODES.objectNode().put("type", "message_stop")));
    return out;
  }

  /** A ping after the first block starts, where Anthropic sends one. */
  private static void ping(List<String> out, int index) {
    if (index == 0) {
      out.add("event: ping\ndata: {\"type\": \"ping\"}\n\n");
    }
  }

  private static String delta(int index, String type, String field, String value) {
    ObjectNode e = NODES.objectNode().put("type", "content_block_delta").put("index", index);
    e.putObject("delta").put("type", type).put(field, value);
    return event("content_block_delta", e);
  }

  private static String event(String name, JsonNode data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  /** {@code s} in pieces of up to 7 code points, as a model streams tokens; none when empty. */
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
