package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.proxy.ParsedRequests;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenAI's Responses API passed through natively by the OpenAI-format providers (OpenAI, and Azure
 * OpenAI in both its address forms), driven through {@link UpstreamCall} over real loopback HTTP
 * against a scripted server: where the call goes, the body sent (only {@code model} rewritten), the
 * answer and the stream relayed byte for byte, and the usage read from the answer's {@code usage}
 * or the stream's terminal event.
 */
class ResponsesPassThroughTest {
  private static final String ANSWER =
      "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1741476542,\"status\":"
          + "\"completed\",\"error\":null,\"model\":\"gpt-4.1-2025-04-14\",\"output\":[{\"type\":"
          + "\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\","
          + "\"content\":[{\"type\":\"output_text\",\"text\":\"Say \\\"usage\\\": {}\","
          + "\"annotations\":[]}]}],\"usage\":{\"input_tokens\":36,\"input_tokens_details\":"
          + "{\"cached_tokens\":6},\"output_tokens\":87,\"output_tokens_details\":"
          + "{\"reasoning_tokens\":12},\"total_tokens\":123}}";

  /** 36 input of which 6 cached, 87 output of which 12 reasoning. */
  private static final Usage USAGE = new Usage(30, 87, 6, 0, 0, 12, 0, 0, 0, 0);

  private static final String CREATED =
      "event: response.created\n"
          + "data: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":"
          + "\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],"
          + "\"usage\":null}}\n\n";

  /** A delta whose text names the terminal event: it must not end the stream. */
  private static final String DELTA =
      "event: response.output_text.delta\n"
          + "data: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":"
          + "\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"response.completed"
          + " error\"}\n\n";

  private static String terminal(String type, String status) {
    return "event: "
        + type
        + "\n"
        + "data: {\"type\":\""
        + type
        + "\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"object\":\"response\","
        + "\"status\":\""
        + status
        + "\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\","
        + "\"text\":\"response.completed error\"}]}],\"usage\":{\"input_tokens\":36,"
        + "\"input_tokens_details\":{\"cached_tokens\":6},\"output_tokens\":87,"
        + "\"output_tokens_details\":{\"reasoning_tokens\":12},\"total_tokens\":123}}}\n\n";
  }

  private static Vertx vertx;
  private static HttpServer server;
  private static HttpClient client;
  private static Context context;
  private static Providers providers;

  private static final AtomicReference<Handler<HttpServerRequest>> script = new AtomicReference<>();
  private static final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

  private record Received(String uri, Map<String, String> headers, String body) {}

  /**
   * A deployment of one provider and where its Responses calls must go.
   *
   * @param expectedUri the path and query the upstream must see
   */
  record Case(String name, LitellmParams params, String expectedUri) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    String base = "http://127.0.0.1:" + server.actualPort();
    return Stream.of(
        new Case(
            "openai",
            params("openai/gpt-4.1", "gpt-4.1", base + "/v1", Optional.empty(), Map.of()),
            "/v1/responses"),
        new Case(
            "azure",
            params(
                "azure/gpt-4o-prod",
                "gpt-4o-prod",
                base,
                Optional.of("2025-04-01-preview"),
                Map.of()),
            "/openai/responses?api-version=2025-04-01-preview"),
        new Case(
            "azure v1",
            params("azure/gpt-4o-prod", "gpt-4o-prod", base, Optional.empty(), Map.of()),
            "/openai/v1/responses?api-version=preview"));
  }

  static LitellmParams params(
      String model,
      String providerModel,
      String apiBase,
      Optional<String> apiVersion,
      Map<String, Object> extra) {
    return new LitellmParams(
        model,
        model.substring(0, model.indexOf('/')),
        providerModel,
        Optional.of(apiBase),
        Optional.of("sk-upstream"),
        apiVersion,
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        extra);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              Map<String, String> headers =
                                  new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                              req.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
                              received.add(new Received(req.uri(), headers, b.toString()));
                              script.get().handle(req);
                            }));
    server.listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
    context = vertx.getOrCreateContext();
    CompletableFuture<Providers> p = new CompletableFuture<>();
    context.runOnContext(v -> p.complete(new Providers(vertx, client)));
    providers = p.get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    received.clear();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void serves_responses_true(Case c) {
    assertThat(provider(c).serves(Endpoint.RESPONSES, "openai")).isTrue();
    assertThat(provider(c).serves(Endpoint.MESSAGES, "openai")).isFalse();
    // A compatible server without the Responses API is bridged through chat instead.
    assertThat(provider(c).serves(Endpoint.RESPONSES, "groq")).isFalse();
    assertThat(provider(c).serves(Endpoint.RESPONSES, "hosted_vllm")).isFalse();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void call_responses_passesAnswerThroughAndReadsUsage(Case c) throws Exception {
    script.set(req -> req.response().putHeader("content-type", "application/json").end(ANSWER));
    String body = "{\"model\":\"my-group\",\"input\":\"Say hi\",\"store\":false}";

    UpstreamResponse r = call(c, request(c, body));

    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(ANSWER);
    assertThat(r.usage()).contains(USAGE);
    Received got = received.peek();
    assertThat(got.uri()).isEqualTo(c.expectedUri());
    assertThat(got.body())
        .isEqualTo(
            "{\"model\":\""
                + c.params().providerModel()
                + "\",\"input\":\"Say hi\",\"store\":false}");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void stream_responses_relaysByteForByteAndReportsCompletedUsage(Case c) throws Exception {
    String all = CREATED + DELTA + terminal("response.completed", "completed");
    script.set(req -> writeInPieces(req, all));
    String body = "{\"model\":\"my-group\",\"input\":\"Say hi\",\"stream\":true}";
    RecordingSink sink = new RecordingSink();

    stream(c, request(c, body), sink);

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.text()).isEqualTo(all);
    assertThat(sink.usages).containsExactly(USAGE);
    Received got = received.peek();
    assertThat(got.uri()).isEqualTo(c.expectedUri());
    assertThat(got.headers().get("accept")).isEqualTo("text/event-stream");
    assertThat(got.body())
        .as("no stream_options added: the Responses stream always carries its usage")
        .isEqualTo(
            "{\"model\":\""
                + c.params().providerModel()
                + "\",\"input\":\"Say hi\",\"stream\":true}");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void stream_incompleteOrFailed_endsNormallyWithItsUsage(Case c) throws Exception {
    for (String[] t :
        List.of(
            new String[] {"response.incomplete", "incomplete"},
            new String[] {"response.failed", "failed"})) {
      String all = CREATED + terminal(t[0], t[1]);
      script.set(req -> writeInPieces(req, all));
      RecordingSink sink = new RecordingSink();

      stream(c, request(c, "{\"model\":\"g\",\"input\":\"x\",\"stream\":true}"), sink);

      assertThat(sink.outcome()).as(t[0]).isEmpty();
      assertThat(sink.text()).isEqualTo(all);
      assertThat(sink.usages).containsExactly(USAGE);
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void stream_errorEvent_endsNormallyWithoutUsage(Case c) throws Exception {
    String error =
        "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"The"
            + " model failed\",\"param\":null,\"sequence_number\":2}\n\n";
    String all = CREATED + DELTA + error;
    script.set(req -> writeInPieces(req, all));
    RecordingSink sink = new RecordingSink();

    stream(c, request(c, "{\"model\":\"g\",\"input\":\"x\",\"stream\":true}"), sink);

    assertThat(sink.outcome()).isEmpty();
    assertThat(sink.text()).isEqualTo(all);
    assertThat(sink.usages).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void stream_endsBeforeTerminalEvent_fails502(Case c) throws Exception {
    String cut = CREATED + DELTA;
    script.set(req -> writeInPieces(req, cut));
    RecordingSink sink = new RecordingSink();

    stream(c, request(c, "{\"model\":\"g\",\"input\":\"x\",\"stream\":true}"), sink);

    GatewayException e = sink.outcome().orElseThrow();
    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage())
        .isEqualTo("upstream ended the Responses stream before response.completed");
    assertThat(sink.text()).isEqualTo(cut);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void call_upstreamError_passesOpenAiErrorThrough(Case c) throws Exception {
    String error =
        "{\"error\":{\"message\":\"Unsupported parameter: 'temperature'\",\"type\":"
            + "\"invalid_request_error\",\"param\":\"temperature\",\"code\":null}}";
    script.set(req -> req.response().setStatusCode(400).end(error));

    CompletableFuture<UpstreamResponse> r = new CompletableFuture<>();
    context.runOnContext(
        v ->
            provider(c)
                .call(request(c, "{\"model\":\"g\",\"input\":\"x\",\"temperature\":1}"))
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        r.complete(ar.result());
                      } else {
                        r.completeExceptionally(ar.cause());
                      }
                    }));

    Throwable cause =
        org.assertj.core.api.Assertions.catchThrowable(() -> r.get(10, TimeUnit.SECONDS))
            .getCause();
    assertThat(cause).isInstanceOf(GatewayException.class);
    GatewayException e = (GatewayException) java.util.Objects.requireNonNull(cause);
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.rawBody()).isEqualTo(error.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code text} in 7-byte pieces, so that events and lines straddle reads. */
  private static void writeInPieces(HttpServerRequest req, String text) {
    var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += 7) {
      resp.write(
          io.vertx.core.buffer.Buffer.buffer(
              java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7))));
    }
    resp.end();
  }

  private static Provider provider(Case c) {
    return providers.forName(c.params().provider()).orElseThrow();
  }

  private static UpstreamRequest request(Case c, String body) {
    return new UpstreamRequest(
        ParsedRequests.parse(Endpoint.RESPONSES, body),
        "d1",
        c.params(),
        5_000,
        new Cancellation(),
        OptionalLong.empty());
  }

  private static UpstreamResponse call(Case c, UpstreamRequest up) throws Exception {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    context.runOnContext(
        v ->
            provider(c)
                .call(up)
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        out.complete(ar.result());
                      } else {
                        out.completeExceptionally(ar.cause());
                      }
                    }));
    return out.get(10, TimeUnit.SECONDS);
  }

  private static void stream(Case c, UpstreamRequest up, RecordingSink sink) throws Exception {
    context.runOnContext(v -> provider(c).stream(up, sink));
    sink.done.get(10, TimeUnit.SECONDS);
  }
}
