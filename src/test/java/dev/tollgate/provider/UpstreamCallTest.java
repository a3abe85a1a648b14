package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.openai.OpenAiWire;
import dev.tollgate.proxy.ParsedRequests;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transport every HTTP provider shares, driven over real loopback HTTP against a scripted
 * Vert.x server, in OpenAI's wire format: the call timeout, the stream's idle timeout,
 * cancellation, backpressure, and transport failures; and a format's wait for {@link
 * WireFormat#ready}, during which the timeout and cancellation apply.
 */
class UpstreamCallTest {
  private static final String CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"tok\"},\"finish_reason\":null}]}\n\n";
  private static final String USAGE_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  private static Vertx vertx;
  private static HttpServer server;
  private static HttpClient client;
  private static Context context;
  private static Provider openai;
  private static GatedWire gatedWire;
  private static Provider gated;

  /** What the upstream does with the next request. */
  private static final AtomicReference<Handler<HttpServerRequest>> script = new AtomicReference<>();

  /** Counted down when the upstream sees the connection of a request close. */
  private static volatile CountDownLatch upstreamClosed = new CountDownLatch(1);

  /** Counted down when the upstream receives a request. */
  private static volatile CountDownLatch upstreamReceived = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  CountDownLatch closed = upstreamClosed;
                  req.connection().closeHandler(v -> closed.countDown());
                  upstreamReceived.countDown();
                  script.get().handle(req);
                });
    server.listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
    openai =
        onLoop(() -> new Providers(vertx, client).forName("openai").orElseThrow())
            .get(10, TimeUnit.SECONDS);
    gatedWire = new GatedWire();
    gated = new UpstreamCall(vertx, client, gatedWire);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    upstreamClosed = new CountDownLatch(1);
    upstreamReceived = new CountDownLatch(1);
    gatedWire.gate = Promise.promise();
    gatedWire.requests.set(0);
  }

  @Test
  void call_upstreamAnswers_returnsBodyAndUsage() throws Exception {
    String body =
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
    script.set(req -> req.response().putHeader("content-type", "application/json").end(body));

    UpstreamResponse r = call(request(false, 5_000, new Cancellation())).get(10, TimeUnit.SECONDS);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/json");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body);
    assertThat(r.usage()).contains(Usage.tokens(7, 3));
  }

  @Test
  void call_upstreamSilentPastTimeout_fails504AndResetsUpstream() throws Exception {
    script.set(req -> {});

    CompletableFuture<UpstreamResponse> r = call(request(false, 300, new Cancellation()));

    assertThat(failure(r))
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(504);
              assertThat(e.getMessage()).isEqualTo("upstream did not answer within 300 ms");
            });
    assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("upstream request reset").isTrue();
  }

  @Test
  void call_clientCancels_fails499AndResetsUpstream() throws Exception {
    script.set(req -> {});
    Cancellation cancellation = new Cancellation();

    CompletableFuture<UpstreamResponse> r = call(request(false, 30_000, cancellation));
    assertThat(upstreamReceived.await(10, TimeUnit.SECONDS)).isTrue();
    context.runOnContext(v -> cancellation.cancel());

    assertThat(failure(r).status()).isEqualTo(499);
    assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("upstream request reset").isTrue();
  }

  @Test
  void call_nothingListening_fails502NamingDeployment() throws Exception {
    UpstreamRequest up = request(false, 5_000, new Cancellation(), "http://127.0.0.1:1/v1");

    GatewayException e = failure(call(up));

    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage()).startsWith("could not connect to the upstream of deployment d1: ");
  }

  @Test
  void call_upstreamError_mapsStatus() throws Exception {
    String openAiError =
        "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}";
    script.set(req -> req.response().setStatusCode(404).end(openAiError));
    GatewayException notFound = failure(call(request(false, 5_000, new Cancellation())));
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(notFound.getMessage()).isEqualTo("upstream returned HTTP 404: bad model");

    script.set(req -> req.response().setStatusCode(503).end("overloaded"));
    GatewayException unavailable = failure(call(request(false, 5_000, new Cancellation())));
    assertThat(unavailable.status()).isEqualTo(502);
    assertThat(unavailable.getMessage()).isEqualTo("upstream returned HTTP 503: overloaded");
  }

  @Test
  void stream_eventsKeepComingPastTimeout_relaysAllAndEnds() throws Exception {
    // Eight events 200 ms apart outlast the 1 s idle timeout, which must be re-armed.
    script.set(req -> sse(req, 8, 200, true));
    RecordingSink sink = new RecordingSink();

    stream(request(true, 1_000, new Cancellation()), sink);

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.begun).isTrue();
    assertThat(sink.text()).isEqualTo(CHUNK.repeat(8) + DONE);
    assertThat(sink.usages).containsExactly(Usage.tokens(7, 3));
    assertThat(sink.finishes.get()).isEqualTo(1);
  }

  @Test
  void stream_upstreamFallsSilent_fails504AndResetsUpstream() throws Exception {
    script.set(req -> sse(req, 1, 0, false));
    RecordingSink sink = new RecordingSink();

    stream(request(true, 300, new Cancellation()), sink);

    GatewayException e = sink.outcome().orElseThrow();
    assertThat(e.status()).isEqualTo(504);
    assertThat(e.getMessage()).isEqualTo("upstream sent nothing for 300 ms");
    assertThat(sink.text()).isEqualTo(CHUNK);
    assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("upstream request reset").isTrue();
    assertThat(sink.finishes.get()).isEqualTo(1);
  }

  @Test
  void stream_clientCancels_fails499AndResetsUpstream() throws Exception {
    script.set(req -> sse(req, 1, 0, false));
    Cancellation cancellation = new Cancellation();
    RecordingSink sink = new RecordingSink();
    sink.onWrite = () -> cancellation.cancel();

    stream(request(true, 30_000, cancellation), sink);

    assertThat(sink.outcome().orElseThrow().status()).isEqualTo(499);
    assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("upstream request reset").isTrue();
    assertThat(sink.finishes.get()).isEqualTo(1);
  }

  @Test
  void stream_upstreamEndsWithoutDone_fails502() throws Exception {
    script.set(
        req ->
            req.response()
                .setChunked(true)
                .putHeader("content-type", "text/event-stream")
                .end(CHUNK));
    RecordingSink sink = new RecordingSink();

    stream(request(true, 5_000, new Cancellation()), sink);

    GatewayException e = sink.outcome().orElseThrow();
    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage()).isEqualTo("upstream ended the stream without data: [DONE]");
    assertThat(sink.text()).isEqualTo(CHUNK);
  }

  @Test
  void stream_upstreamError_failsBeforeBegin() throws Exception {
    script.set(req -> req.response().setStatusCode(429).end("{\"error\":\"slow down\"}"));
    RecordingSink sink = new RecordingSink();

    stream(request(true, 5_000, new Cancellation()), sink);

    GatewayException e = sink.outcome().orElseThrow();
    assertThat(e.status()).isEqualTo(429);
    assertThat(e.getMessage()).isEqualTo("upstream returned HTTP 429: slow down");
    assertThat(sink.begun).isFalse();
  }

  @Test
  void stream_sinkQueueFull_pausesUpstreamUntilDrained() throws Exception {
    script.set(req -> sse(req, 4, 100, true));
    RecordingSink sink = new RecordingSink();
    sink.full = true;

    stream(request(true, 30_000, new Cancellation()), sink, false);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sink.drain == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(sink.drain).as("drain handler set").isNotNull();
    // The upstream sends the rest within 400 ms; none of it may reach the paused sink.
    Thread.sleep(800);
    assertThat(sink.text()).isEqualTo(CHUNK);
    assertThat(sink.done.isDone()).isFalse();

    sink.full = false;
    Handler<Void> drain = java.util.Objects.requireNonNull(sink.drain, "drain");
    context.runOnContext(v -> drain.handle(null));

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.text()).isEqualTo(CHUNK.repeat(4) + DONE);
  }

  @Test
  void call_readyPending_sendsOnceReady() throws Exception {
    script.set(
        req ->
            req.response()
                .putHeader("content-type", "application/json")
                .end("{\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}"));

    CompletableFuture<UpstreamResponse> r = call(gated, request(false, 5_000, new Cancellation()));
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS))
        .as("nothing addressed before ready")
        .isZero();
    context.runOnContext(v -> gatedWire.gate.complete());

    assertThat(r.get(10, TimeUnit.SECONDS).usage()).contains(Usage.tokens(2, 1));
    assertThat(gatedWire.requests.get()).isEqualTo(1);
  }

  @Test
  void call_readyFails_failsWithItsErrorAndSendsNothing() throws Exception {
    CompletableFuture<UpstreamResponse> r = call(gated, request(false, 5_000, new Cancellation()));
    context.runOnContext(
        v -> gatedWire.gate.fail(GatewayException.unauthorized("no token for deployment d1")));

    GatewayException e = failure(r);
    assertThat(e.status()).isEqualTo(401);
    assertThat(e.getMessage()).isEqualTo("no token for deployment d1");
    assertThat(gatedWire.requests.get()).isZero();
  }

  @Test
  void call_timeoutWhileWaitingForReady_fails504AndNeverSends() throws Exception {
    CompletableFuture<UpstreamResponse> r = call(gated, request(false, 300, new Cancellation()));

    GatewayException e = failure(r);
    assertThat(e.status()).isEqualTo(504);
    assertThat(e.getMessage()).isEqualTo("upstream did not answer within 300 ms");
    context.runOnContext(v -> gatedWire.gate.complete());
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS))
        .as("a call that timed out while it waited is never sent")
        .isZero();
  }

  @Test
  void call_cancelledWhileWaitingForReady_fails499AndNeverSends() throws Exception {
    Cancellation cancellation = new Cancellation();
    CompletableFuture<UpstreamResponse> r = call(gated, request(false, 30_000, cancellation));
    context.runOnContext(v -> cancellation.cancel());

    assertThat(failure(r).status()).isEqualTo(499);
    context.runOnContext(v -> gatedWire.gate.complete());
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void stream_readyPending_relaysOnceReady() throws Exception {
    script.set(req -> sse(req, 2, 0, true));
    RecordingSink sink = new RecordingSink();

    context.runOnContext(v -> gated.stream(request(true, 5_000, new Cancellation()), sink));
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS)).isZero();
    context.runOnContext(v -> gatedWire.gate.complete());

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.text()).isEqualTo(CHUNK.repeat(2) + DONE);
    assertThat(sink.usages).containsExactly(Usage.tokens(7, 3));
  }

  @Test
  void stream_readyFails_failsBeforeBegin() throws Exception {
    RecordingSink sink = new RecordingSink();

    context.runOnContext(v -> gated.stream(request(true, 5_000, new Cancellation()), sink));
    context.runOnContext(
        v -> gatedWire.gate.fail(GatewayException.badGateway("token endpoint down", null)));

    GatewayException e = sink.outcome().orElseThrow();
    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage()).isEqualTo("token endpoint down");
    assertThat(sink.begun).isFalse();
    assertThat(gatedWire.requests.get()).isZero();
  }

  @Test
  void stream_timeoutWhileWaitingForReady_fails504AndNeverSends() throws Exception {
    RecordingSink sink = new RecordingSink();

    context.runOnContext(v -> gated.stream(request(true, 300, new Cancellation()), sink));

    assertThat(sink.outcome().orElseThrow().status()).isEqualTo(504);
    context.runOnContext(v -> gatedWire.gate.complete());
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS)).isZero();
    assertThat(sink.finishes.get()).isEqualTo(1);
  }

  @Test
  void stream_cancelledWhileWaitingForReady_fails499AndNeverSends() throws Exception {
    Cancellation cancellation = new Cancellation();
    RecordingSink sink = new RecordingSink();

    context.runOnContext(v -> gated.stream(request(true, 30_000, cancellation), sink));
    context.runOnContext(v -> cancellation.cancel());

    assertThat(sink.outcome().orElseThrow().status()).isEqualTo(499);
    context.runOnContext(v -> gatedWire.gate.complete());
    assertThat(onLoop(() -> gatedWire.requests.get()).get(10, TimeUnit.SECONDS)).isZero();
    assertThat(sink.finishes.get()).isEqualTo(1);
  }

  /**
   * Streams {@code events} chunks {@code intervalMs} apart, then usage and [DONE] if {@code end}.
   */
  private static void sse(HttpServerRequest req, int events, long intervalMs, boolean end) {
    HttpServerResponse resp =
        req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    resp.write(CHUNK);
    AtomicInteger sent = new AtomicInteger(1);
    if (events > 1 || end) {
      long period = Math.max(1, intervalMs);
      vertx.setPeriodic(
          period,
          id -> {
            if (resp.closed()) {
              vertx.cancelTimer(id);
            } else if (sent.get() < events) {
              sent.incrementAndGet();
              resp.write(CHUNK);
            } else {
              vertx.cancelTimer(id);
              if (end) {
                resp.end(USAGE_CHUNK + DONE);
              }
            }
          });
    }
  }

  private static UpstreamRequest request(boolean stream, long timeoutMillis, Cancellation c) {
    return request(stream, timeoutMillis, c, "http://127.0.0.1:" + server.actualPort() + "/v1");
  }

  private static UpstreamRequest request(
      boolean stream, long timeoutMillis, Cancellation c, String apiBase) {
    ParsedRequest parsed =
        ParsedRequests.parse(
            Endpoint.CHAT,
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + (stream ? ",\"stream\":true}" : "}"));
    return new UpstreamRequest(
        parsed,
        "d1",
        ProvidersTest.params("openai", Optional.of(apiBase)),
        timeoutMillis,
        c,
        OptionalLong.empty());
  }

  private static CompletableFuture<UpstreamResponse> call(UpstreamRequest up) {
    return call(openai, up);
  }

  private static CompletableFuture<UpstreamResponse> call(Provider provider, UpstreamRequest up) {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    context.runOnContext(
        v ->
            provider
                .call(up)
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        out.complete(ar.result());
                      } else {
                        out.completeExceptionally(ar.cause());
                      }
                    }));
    return out;
  }

  private static void stream(UpstreamRequest up, RecordingSink sink) throws Exception {
    stream(up, sink, true);
  }

  private static void stream(UpstreamRequest up, RecordingSink sink, boolean await)
      throws Exception {
    context.runOnContext(v -> openai.stream(up, sink));
    if (await) {
      sink.done.get(10, TimeUnit.SECONDS);
    }
  }

  private static GatewayException failure(CompletableFuture<?> f) {
    AtomicReference<@Nullable Throwable> cause = new AtomicReference<>();
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(e -> cause.set(e.getCause()));
    assertThat(cause.get()).isInstanceOf(GatewayException.class);
    return (GatewayException) java.util.Objects.requireNonNull(cause.get());
  }

  private static <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> s) {
    CompletableFuture<T> out = new CompletableFuture<>();
    context.runOnContext(v -> out.complete(s.get()));
    return out;
  }

  /**
   * OpenAI's format behind a gate: {@link #ready} waits for {@link #gate}, as a format does while
   * it fetches credentials, and {@link #request} counts the calls it addressed.
   */
  private static final class GatedWire implements WireFormat {
    private final OpenAiWire openai = new OpenAiWire();
    volatile Promise<Void> gate = Promise.promise();
    final AtomicInteger requests = new AtomicInteger();

    @Override
    public Future<Void> ready(UpstreamRequest up) {
      return gate.future();
    }

    @Override
    public RequestOptions request(UpstreamRequest up) {
      requests.incrementAndGet();
      return openai.request(up);
    }

    @Override
    public Buffer body(UpstreamRequest up) {
      return openai.body(up);
    }

    @Override
    public UpstreamResponse answer(int status, MultiMap headers, byte[] body) {
      return openai.answer(status, headers, body);
    }

    @Override
    public GatewayException error(int status, byte[] body) {
      return openai.error(status, body);
    }

    @Override
    public StreamRelay relay(UpstreamRequest up, SseSink sink) {
      return openai.relay(up, sink);
    }
  }
}
