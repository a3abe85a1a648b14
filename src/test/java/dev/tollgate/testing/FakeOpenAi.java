package dev.tollgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake OpenAI upstream on loopback that speaks the real wire format: {@code chat.completion}
 * objects with {@code usage}, SSE {@code chat.completion.chunk} events framed with blank lines, the
 * usage-only chunk with {@code choices: []} when {@code stream_options.include_usage} is set,
 * {@code data: [DONE]}, and OpenAI's error bodies. Each test scripts what the next requests get.
 */
public final class FakeOpenAi implements AutoCloseable {
  /** What to do with a request. */
  public sealed interface Script {}

  /** Answer normally (non-streaming or streaming, as the request asks). */
  public record Normal(int promptTokens, int completionTokens, int cachedTokens)
      implements Script {}

  /** Answer with an HTTP error, these headers and this body. */
  public record Error(int status, String contentType, String body, Map<String, String> headers)
      implements Script {
    public Error {
      headers = Map.copyOf(headers);
    }

    public Error(int status, String contentType, String body) {
      this(status, contentType, body, Map.of());
    }
  }

  /** Never answer. */
  public record Hang() implements Script {}

  /** Stream {@code events} content chunks, {@code intervalMs} apart, then end normally. */
  public record SlowStream(int events, long intervalMs) implements Script {}

  /** Answer normally once {@code release} is counted down. */
  public record Held(java.util.concurrent.CountDownLatch release) implements Script {}

  /** Stream two content chunks, then close the connection without finishing. */
  public record DieMidStream() implements Script {}

  /**
   * A stream that starts, then sends {@code data: <errorJson>} (OpenAI's mid-stream error object,
   * {@code {"error": {...}}}) and ends without {@code [DONE]}. For streamed requests only.
   */
  public record ErrorMidStream(String errorJson) implements Script {}

  /**
   * Answer without any usage, as servers that ignore {@code stream_options.include_usage} do: a
   * stream of these {@code deltas} (JSON objects, such as {@code {"content":"Hi"}}) then {@code
   * data: [DONE]}, or a non-streamed chat completion whose message is {@code deltas[0]}, with no
   * {@code usage} object.
   */
  public record NoUsage(List<String> deltas) implements Script {}

  /** A request as the fake received it. */
  public record Received(String path, Map<String, String> headers, String body) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private volatile boolean recording = true;
  private final AtomicReference<Script> fallback = new AtomicReference<>(new Normal(12, 5, 0));
  private final AtomicInteger abandoned = new AtomicInteger();
  private final AtomicInteger eventsSentBeforeAbandon = new AtomicInteger(-1);

  public FakeOpenAi() {
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
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The next request gets {@code s}; after the queue is empty, the fallback applies. */
  public FakeOpenAi enqueue(Script s) {
    scripts.add(s);
    return this;
  }

  /**
   * Whether requests are kept for {@link #received}; off for long runs, whose memory is measured.
   */
  public FakeOpenAi recording(boolean on) {
    recording = on;
    return this;
  }

  public FakeOpenAi fallback(Script s) {
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

  /** How many responses were cut off by the client (the gateway) before they ended. */
  public int abandoned() {
    return abandoned.get();
  }

  /** Waits until at least {@code count} responses have been abandoned; false if they never were. */
  public synchronized boolean awaitAbandoned(int count, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (abandoned.get() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Events written by a slow stream before its client went away. */
  public int eventsSentBeforeAbandon() {
    return eventsSentBeforeAbandon.get();
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
              String text = body.toString();
              if (recording) {
                received.add(new Received(req.path(), headers, text));
              }
              Script s = scripts.poll();
              if (s == null) {
                s = fallback.get();
              }
              respond(req, text, s);
            });
  }

  private void respond(HttpServerRequest req, String body, Script script) {
    HttpServerResponse resp = req.response();
    boolean stream = body.replace(" ", "").contains("\"stream\":true");
    boolean includeUsage = body.replace(" ", "").contains("\"include_usage\":true");
    String model = model(body);
    switch (script) {
      case Error e -> {
        e.headers().forEach(resp::putHeader);
        resp.setStatusCode(e.status()).putHeader("content-type", e.contentType()).end(e.body());
      }
      case Hang h -> watchAbandon(resp, new AtomicInteger());
      case Held h ->
          vertx.setPeriodic(
              5,
              id -> {
                if (h.release().getCount() == 0) {
                  vertx.cancelTimer(id);
                  respond(req, body, fallback.get());
                }
              });
      case Normal n -> {
        if (req.path().endsWith("/responses")) {
          responses(resp, model, stream, n);
        } else if (req.path().endsWith("/embeddings")) {
          resp.putHeader("content-type", "application/json")
              .end(
                  "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                      + "\"embedding\":[0.0023064255,-0.009327292,0.015797347]}],"
                      + "\"model\":\""
                      + model
                      + "\",\"usage\":{\"prompt_tokens\":"
                      + n.promptTokens()
                      + ",\"total_tokens\":"
                      + n.promptTokens()
                      + "}}");
        } else if (!stream) {
          resp.putHeader("content-type", "application/json")
              .putHeader("x-request-id", "req_fake")
              .end(completion(req.path(), model, n));
        } else {
          startStream(resp);
          String id = "chatcmpl-fake";
          resp.write(
              chunk(id, model, "{\"role\":\"assistant\",\"content\":\"\"}", null, includeUsage));
          resp.write(chunk(id, model, "{\"content\":\"Hello\"}", null, includeUsage));
          // One event split across two writes, as TCP may deliver it.
          String split = chunk(id, model, "{\"content\":\" there\"}", null, includeUsage);
          resp.write(split.substring(0, 20));
          resp.write(split.substring(20));
          resp.write(chunk(id, model, "{}", "stop", includeUsage));
          if (includeUsage) {
            resp.write(
                "data: {\"id\":\""
                    + id
                    + "\",\"object\":\"chat.completion.chunk\",\"created\":1727000000,\"model\":\""
                    + model
                    + "\",\"system_fingerprint\":\"fp_fake\",\"choices\":[],\"usage\":"
                    + usage(n)
                    + "}\n\n");
          }
          resp.end("data: [DONE]\n\n");
        }
      }
      case SlowStream s -> {
        startStream(resp);
        AtomicInteger sent = new AtomicInteger();
        watchAbandon(resp, sent);
        vertx.setPeriodic(
            s.intervalMs(),
            id -> {
              if (resp.closed() || resp.ended()) {
                vertx.cancelTimer(id);
                return;
              }
              if (sent.get() >= s.events()) {
                vertx.cancelTimer(id);
                resp.end("data: [DONE]\n\n");
                return;
              }
              resp.write(
                  chunk("chatcmpl-slow", model, "{\"content\":\"tok\"}", null, includeUsage));
              sent.incrementAndGet();
            });
      }
      case NoUsage u -> {
        if (!stream) {
          resp.putHeader("content-type", "application/json")
              .end(
                  "{\"id\":\"chatcmpl-nousage\",\"object\":\"chat.completion\","
                      + "\"created\":1727000000,\"model\":\""
                      + model
                      + "\",\"choices\":[{\"index\":0,\"message\":"
                      + u.deltas().get(0)
                      + ",\"finish_reason\":\"stop\"}]}");
        } else {
          startStream(resp);
          for (String delta : u.deltas()) {
            resp.write(chunk("chatcmpl-nousage", model, delta, null, false));
          }
          resp.write(chunk("chatcmpl-nousage", model, "{}", "stop", false));
          resp.end("data: [DONE]\n\n");
        }
      }
      case ErrorMidStream e -> {
        startStream(resp);
        resp.write(
            chunk("chatcmpl-err", model, "{\"role\":\"assistant\",\"content\":\"\"}", null, false));
        resp.write(chunk("chatcmpl-err", model, "{\"content\":\"Hel\"}", null, false));
        resp.end("data: " + e.errorJson() + "\n\n");
      }
      case DieMidStream d -> {
        startStream(resp);
        resp.write(
            chunk("chatcmpl-die", model, "{\"role\":\"assistant\",\"content\":\"\"}", null, false));
        resp.write(chunk("chatcmpl-die", model, "{\"content\":\"Hel\"}", null, false));
        vertx.setTimer(20, id -> req.connection().close());
      }
    }
  }

  private void watchAbandon(HttpServerResponse resp, AtomicInteger sent) {
    resp.closeHandler(
        v -> {
          if (!resp.ended()) {
            eventsSentBeforeAbandon.set(sent.get());
            synchronized (this) {
              abandoned.incrementAndGet();
              notifyAll();
            }
          }
        });
  }

  private static void startStream(HttpServerResponse resp) {
    resp.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
  }

  private static String completion(String path, String model, Normal n) {
    if (path.endsWith("/completions") && !path.endsWith("/chat/completions")) {
      return "{\"id\":\"cmpl-fake\",\"object\":\"text_completion\",\"created\":1727000000,\"model\":\""
          + model
          + "\",\"choices\":[{\"text\":\"Hello there\",\"index\":0,\"logprobs\":null,"
          + "\"finish_reason\":\"stop\"}],\"usage\":"
          + usage(n)
          + "}";
    }
    return "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1727000000,"
        + "\"model\":\""
        + model
        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello"
        + " there\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":"
        + usage(n)
        + ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_fake\"}";
  }

  /**
   * OpenAI's Responses API: a {@code response} object with its usage ({@code input_tokens} counting
   * the cached ones, as the API does), or its event stream from {@code response.created} to {@code
   * response.completed}, which carries the usage; the stream has no {@code [DONE]}.
   */
  private static void responses(HttpServerResponse resp, String model, boolean stream, Normal n) {
    String usage =
        "{\"input_tokens\":"
            + n.promptTokens()
            + ",\"input_tokens_details\":{\"cached_tokens\":"
            + n.cachedTokens()
            + "},\"output_tokens\":"
            + n.completionTokens()
            + ",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":"
            + (n.promptTokens() + n.completionTokens())
            + "}";
    String message =
        "{\"type\":\"message\",\"id\":\"msg_fake\",\"status\":\"completed\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hello there\",\"annotations\":[]}]}";
    String head =
        "\"id\":\"resp_fake\",\"object\":\"response\",\"created_at\":1727000000,"
            + "\"model\":\""
            + model
            + "\",\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[],"
            + "\"temperature\":1.0,\"top_p\":1.0,\"error\":null,\"incomplete_details\":null,"
            + "\"instructions\":null,\"metadata\":{},";
    if (!stream) {
      resp.putHeader("content-type", "application/json")
          .end(
              "{"
                  + head
                  + "\"status\":\"completed\",\"output\":["
                  + message
                  + "],\"usage\":"
                  + usage
                  + "}");
      return;
    }
    startStream(resp);
    resp.write(
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"
            + "\"response\":{"
            + head
            + "\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\n\n");
    resp.write(
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
            + "\"sequence_number\":1,\"item_id\":\"msg_fake\",\"output_index\":0,"
            + "\"content_index\":0,\"delta\":\"Hello there\",\"logprobs\":[]}\n\n");
    resp.end(
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,"
            + "\"response\":{"
            + head
            + "\"status\":\"completed\",\"output\":["
            + message
            + "],\"usage\":"
            + usage
            + "}}\n\n");
  }

  static String usage(Normal n) {
    return "{\"prompt_tokens\":"
        + n.promptTokens()
        + ",\"completion_tokens\":"
        + n.completionTokens()
        + ",\"total_tokens\":"
        + (n.promptTokens() + n.completionTokens())
        + ",\"prompt_tokens_details\":{\"cached_tokens\":"
        + n.cachedTokens()
        + ",\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,"
        + "\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
  }

  private static String chunk(
      String id,
      String model,
      String delta,
      @org.jspecify.annotations.Nullable String finish,
      boolean usageNull) {
    return "data: {\"id\":\""
        + id
        + "\",\"object\":\"chat.completion.chunk\",\"created\":1727000000,\"model\":\""
        + model
        + "\",\"system_fingerprint\":\"fp_fake\",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"logprobs\":null,\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]"
        + (usageNull ? ",\"usage\":null" : "")
        + "}\n\n";
  }

  private static String model(String body) {
    int i = body.indexOf("\"model\"");
    if (i < 0) {
      return "unknown";
    }
    int start = body.indexOf('"', body.indexOf(':', i) + 1) + 1;
    return body.substring(start, body.indexOf('"', start));
  }

  @Override
  public void close() {
    vertx.close();
  }

  /** A raw buffer helper for tests. */
  public static Buffer buffer(String s) {
    return Buffer.buffer(s);
  }
}
