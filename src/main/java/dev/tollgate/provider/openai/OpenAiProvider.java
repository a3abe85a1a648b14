package dev.tollgate.provider.openai;

import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * OpenAI's wire format, for OpenAI itself and every OpenAI-compatible server. The request body is
 * forwarded as the client sent it, with only {@code model} rewritten (and, for streams, {@code
 * stream_options.include_usage} forced on so the gateway can bill; the usage-only chunk is then
 * withheld from a client that did not ask for it). Runs on one event loop; never blocks.
 */
final class OpenAiProvider implements Provider {
  /** Default API bases of OpenAI-compatible providers, by LiteLLM provider name. */
  static final Map<String, String> DEFAULT_BASES =
      Map.ofEntries(
          Map.entry("openai", "https://api.openai.com/v1"),
          Map.entry("text-completion-openai", "https://api.openai.com/v1"),
          Map.entry("groq", "https://api.groq.com/openai/v1"),
          Map.entry("together_ai", "https://api.together.xyz/v1"),
          Map.entry("fireworks_ai", "https://api.fireworks.ai/inference/v1"),
          Map.entry("deepseek", "https://api.deepseek.com/v1"),
          Map.entry("xai", "https://api.x.ai/v1"),
          Map.entry("mistral", "https://api.mistral.ai/v1"),
          Map.entry("openrouter", "https://openrouter.ai/api/v1"),
          Map.entry("perplexity", "https://api.perplexity.ai"),
          Map.entry("deepinfra", "https://api.deepinfra.com/v1/openai"),
          Map.entry("cerebras", "https://api.cerebras.ai/v1"),
          Map.entry("lm_studio", "http://localhost:1234/v1"),
          Map.entry("ollama", "http://localhost:11434/v1"),
          Map.entry("ollama_chat", "http://localhost:11434/v1"));

  /** Providers that speak OpenAI's format but have no public default base: api_base required. */
  static final java.util.Set<String> BASE_REQUIRED =
      java.util.Set.of("hosted_vllm", "openai_like", "custom_openai", "vllm", "litellm_proxy");

  private static final byte[] USAGE_OBJECT = "\"usage\":{".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE_OBJECT_SPACED =
      "\"usage\": {".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final byte[] CHOICES = "choices".getBytes(StandardCharsets.US_ASCII);

  private final Vertx vertx;
  private final HttpClient client;

  /** Parsed API bases, so that a request does not parse its URL again; event-loop confined. */
  private final Map<String, Target> targets = new java.util.HashMap<>();

  /** Where an API base points: scheme, host, port and path prefix. */
  private record Target(String host, int port, boolean ssl, String path) {
    static Target parse(String base) {
      java.net.URI u = java.net.URI.create(base);
      boolean ssl = "https".equalsIgnoreCase(u.getScheme());
      String host = u.getHost() == null ? "localhost" : u.getHost();
      int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      return new Target(host, port, ssl, path);
    }
  }

  OpenAiProvider(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  @Override
  public Future<UpstreamResponse> call(UpstreamRequest up) {
    Promise<UpstreamResponse> promise = Promise.promise();
    byte[] body = up.request().forUpstream(up.params().providerModel(), false);
    long timer =
        vertx.setTimer(
            up.timeoutMillis(),
            id ->
                promise.tryFail(
                    GatewayException.timeout(
                        "upstream did not answer within " + up.timeoutMillis() + " ms")));
    client
        .request(options(up))
        .compose(
            req -> {
              up.cancellation()
                  .onCancel(
                      () -> {
                        promise.tryFail(GatewayException.clientClosed());
                        req.reset();
                      });
              promise.future().onFailure(e -> req.reset());
              return req.send(Buffer.buffer(body));
            })
        .compose(resp -> resp.body().map(b -> answer(resp, b)))
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.succeeded()) {
                promise.tryComplete(ar.result());
              } else {
                promise.tryFail(translate(ar.cause(), up));
              }
            });
    return promise.future();
  }

  private UpstreamResponse answer(HttpClientResponse resp, Buffer b) {
    byte[] bytes = b.getBytes();
    if (resp.statusCode() >= 400) {
      throw upstreamError(resp.statusCode(), bytes);
    }
    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    return new UpstreamResponse(
        resp.statusCode(),
        type == null ? "application/json" : type,
        bytes,
        OpenAiUsage.find(bytes));
  }

  @Override
  public void stream(UpstreamRequest up, SseSink sink) {
    boolean clientWantsUsage = up.request().includeUsage();
    byte[] body = up.request().forUpstream(up.params().providerModel(), true);
    StreamState state = new StreamState();
    state.armIdleTimer(up, sink);
    client
        .request(options(up))
        .compose(
            req -> {
              state.request = req;
              up.cancellation().onCancel(() -> state.finish(sink, GatewayException.clientClosed()));
              return req.send(Buffer.buffer(body));
            })
        .onComplete(
            ar -> {
              if (ar.failed()) {
                state.finish(sink, translate(ar.cause(), up));
                return;
              }
              HttpClientResponse resp = ar.result();
              if (resp.statusCode() >= 400) {
                resp.body()
                    .onComplete(
                        b ->
                            state.finish(
                                sink,
                                b.succeeded()
                                    ? upstreamError(resp.statusCode(), b.result().getBytes())
                                    : translate(b.cause(), up)));
                return;
              }
              sink.begin();
              SseFramer framer = new SseFramer();
              resp.handler(
                  chunk -> {
                    state.lastActivity = System.nanoTime();
                    // Everything that arrived in one read goes to the client in one write.
                    Buffer out = Buffer.buffer(chunk.length());
                    framer.feed(chunk, event -> relay(event, clientWantsUsage, out, sink, state));
                    if (out.length() > 0) {
                      sink.write(out);
                    }
                    if (sink.writeQueueFull()) {
                      resp.pause();
                      sink.drainHandler(v -> resp.resume());
                    }
                  });
              resp.exceptionHandler(
                  e ->
                      state.finish(
                          sink,
                          GatewayException.badGateway(
                              "upstream connection failed mid-stream: " + describe(e), e)));
              resp.endHandler(
                  v -> {
                    if (state.done) {
                      state.finish(sink, null);
                    } else {
                      state.finish(
                          sink,
                          GatewayException.badGateway(
                              "upstream ended the stream without data: [DONE]", null));
                    }
                  });
            });
  }

  private static void relay(
      Buffer event, boolean clientWantsUsage, Buffer out, SseSink sink, StreamState s) {
    if (SseFramer.contains(event, USAGE_OBJECT) || SseFramer.contains(event, USAGE_OBJECT_SPACED)) {
      String data = SseFramer.data(event);
      byte[] json = data.getBytes(StandardCharsets.UTF_8);
      Optional<Usage> usage = OpenAiUsage.find(json);
      usage.ifPresent(sink::usage);
      if (!clientWantsUsage && usage.isPresent() && hasNoChoices(json)) {
        return;
      }
    } else if (SseFramer.isDone(event)) {
      s.done = true;
    }
    out.appendBuffer(event);
  }

  /** Whether a chunk's top-level {@code choices} is absent or empty: the usage-only chunk. */
  private static boolean hasNoChoices(byte[] json) {
    return OpenAiUsage.isAbsentOrEmptyArray(json, CHOICES);
  }

  private RequestOptions options(UpstreamRequest up) {
    LitellmParams p = up.params();
    String base = p.apiBase().orElseGet(() -> DEFAULT_BASES.getOrDefault(p.provider(), ""));
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    Target t = targets.computeIfAbsent(base, Target::parse);
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(t.host())
            .setPort(t.port())
            .setSsl(t.ssl())
            .setURI(t.path() + up.request().endpoint().path())
            .setConnectTimeout(Math.min(up.timeoutMillis(), 10_000))
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(
                HttpHeaders.ACCEPT,
                up.request().stream() ? "text/event-stream" : "application/json");
    p.apiKey().ifPresent(k -> o.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + k));
    Object org = p.extra().get("organization");
    if (org instanceof String s) {
      o.putHeader("OpenAI-Organization", s);
    }
    return o;
  }

  /** An upstream 4xx passes through with the provider's detail; a 5xx becomes a 502. */
  static GatewayException upstreamError(int status, byte[] body) {
    String detail = errorDetail(body);
    if (status >= 500) {
      return GatewayException.badGateway(
          "upstream returned HTTP " + status + (detail.isEmpty() ? "" : ": " + detail), null);
    }
    boolean openAiShape = detail.length() > 0 && isOpenAiError(body);
    return GatewayException.upstream(
        status,
        "upstream returned HTTP " + status + (detail.isEmpty() ? "" : ": " + detail),
        openAiShape ? body : null);
  }

  private static boolean isOpenAiError(byte[] body) {
    try {
      var node = Json.MAPPER.readTree(body);
      return node != null && node.path("error").isObject();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The provider's error message, or the start of its body. */
  private static String errorDetail(byte[] body) {
    try {
      var node = Json.MAPPER.readTree(body);
      if (node != null) {
        var msg = node.path("error").path("message");
        if (msg.isTextual()) {
          return msg.asText();
        }
        if (node.path("error").isTextual()) {
          return node.path("error").asText();
        }
      }
    } catch (java.io.IOException e) {
      // not JSON: fall back to the text itself
    }
    String text =
        new String(body, 0, Math.min(body.length, MAX_ERROR_BODY), StandardCharsets.UTF_8);
    return text.length() > 500 ? text.substring(0, 500) + "..." : text.strip();
  }

  private static GatewayException translate(Throwable e, UpstreamRequest up) {
    if (e instanceof GatewayException g) {
      return g;
    }
    if (e instanceof TimeoutException) {
      return GatewayException.timeout(
          "upstream did not answer within " + up.timeoutMillis() + " ms");
    }
    if (e instanceof ConnectException) {
      return GatewayException.badGateway(
          "could not connect to the upstream of deployment "
              + up.deploymentId()
              + ": "
              + describe(e),
          e);
    }
    return GatewayException.badGateway(
        "upstream request for deployment " + up.deploymentId() + " failed: " + describe(e), e);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  /** Per-stream state: the upstream request, the idle timer, and whether it has finished. */
  private final class StreamState {
    @org.jspecify.annotations.Nullable HttpClientRequest request;
    long timer = -1;
    boolean done;
    boolean finished;

    /** When the upstream last sent something, from {@link System#nanoTime()}. */
    long lastActivity = System.nanoTime();

    /**
     * Fails the stream once the upstream has been silent for the timeout. One timer at a time,
     * re-armed for the remaining time when it fires early, so events do not each touch a timer.
     */
    void armIdleTimer(UpstreamRequest up, SseSink sink) {
      long timeoutNanos = up.timeoutMillis() * 1_000_000L;
      long wait = Math.max(1, (lastActivity + timeoutNanos - System.nanoTime()) / 1_000_000L);
      timer =
          vertx.setTimer(
              wait,
              id -> {
                if (finished) {
                  return;
                }
                if (System.nanoTime() - lastActivity >= timeoutNanos) {
                  finish(
                      sink,
                      GatewayException.timeout(
                          "upstream sent nothing for " + up.timeoutMillis() + " ms"));
                } else {
                  armIdleTimer(up, sink);
                }
              });
    }

    void finish(SseSink sink, @org.jspecify.annotations.Nullable GatewayException error) {
      if (finished) {
        return;
      }
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      // Marked finished before the reset, which fails the pending response synchronously.
      finished = true;
      if (error != null) {
        HttpClientRequest r = request;
        if (r != null) {
          r.reset();
        }
        sink.fail(error);
      } else {
        sink.end();
      }
    }
  }
}
