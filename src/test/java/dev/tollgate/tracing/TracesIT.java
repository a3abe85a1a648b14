package dev.tollgate.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces exported over OTLP/HTTP to a loopback receiver that decodes the protobuf with OTLP's own
 * generated classes: the spans of a chat request, their kinds, links and attributes, and the {@code
 * traceparent} the upstream received; and with tracing off, neither spans nor a {@code
 * traceparent}.
 */
class TracesIT {
  private static final String MODELS =
      """
      model_list:
        - model_name: chat-model
          litellm_params: {model: openai/gpt-4o-mini, api_base: %s,
                           input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
          model_info: {id: chat-1}
      """;

  /** A prompt that must appear in no span. */
  private static final String PROMPT = "the secret prompt text 4711";

  /** The client's own trace: the gateway's server span is its child. */
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  /** The client's vendor entries, which the upstream must receive as they were sent. */
  private static final String CLIENT_STATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

  private FakeOpenAi upstream;
  private HttpServer receiver;
  private final List<ResourceSpans> exported = new CopyOnWriteArrayList<>();
  private final AtomicInteger exports = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    upstream = new FakeOpenAi();
    // 12 input of which 4 cached (at the catalog's gpt-4o-mini cache rate), 5 output: 0.0000663
    // USD.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
            exported.addAll(req.getResourceSpansList());
            exports.incrementAndGet();
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, 0);
          exchange.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
    upstream.close();
  }

  private Map<String, String> env(boolean endpoint) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (endpoint) {
      env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getAddress().getPort());
      env.put("OTEL_SERVICE_NAME", "tollgate-traces-it");
      env.put("OTEL_BSP_SCHEDULE_DELAY", "50");
    }
    return env;
  }

  private static HttpResponse<String> chat(TestGateway gw, String key, boolean traceparent) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\": \"chat-model\", \"max_tokens\": 50, \"messages\":"
                        + " [{\"role\": \"user\", \"content\": \""
                        + PROMPT
                        + "\"}]}"));
    if (traceparent) {
      b.header("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
      b.header("tracestate", CLIENT_STATE);
    }
    return gw.send(b.build());
  }

  @Test
  void chat_otelCallback_exportsServerAdmissionAndClientSpans() throws Exception {
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["otel"]
            """;
    try (TestGateway gw = TestGateway.start(yaml, env(true))) {
      HttpResponse<String> r = chat(gw, TestGateway.MASTER_KEY, true);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<Span> spans = awaitSpans(3);

      Span server = only(spans, Span.SpanKind.SPAN_KIND_SERVER);
      Span admission = only(spans, Span.SpanKind.SPAN_KIND_INTERNAL);
      Span client = only(spans, Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(spans).hasSize(3);
      for (Span s : spans) {
        assertThat(hex(s.getTraceId())).isEqualTo(CLIENT_TRACE);
      }
      assertThat(hex(server.getParentSpanId())).isEqualTo(CLIENT_SPAN);
      assertThat(admission.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());

      assertThat(server.getName()).isEqualTo("POST /v1/chat/completions");
      Map<String, Object> sa = attributes(server);
      assertThat(sa)
          .containsEntry("http.request.method", "POST")
          .containsEntry("url.path", "/v1/chat/completions")
          .containsEntry("http.response.status_code", 200L)
          .containsEntry("tollgate.model_group", "chat-model")
          .containsEntry(
              "tollgate.request_id", r.headers().firstValue("x-tollgate-request-id").orElseThrow());

      assertThat(admission.getName()).isEqualTo("admission");
      assertThat(attributes(admission)).containsEntry("tollgate.admission.decision", "admitted");

      assertThat(client.getName()).isEqualTo("chat gpt-4o-mini");
      assertThat(attributes(client))
          .containsEntry("gen_ai.operation.name", "chat")
          .containsEntry("gen_ai.provider.name", "openai")
          .containsEntry("gen_ai.request.model", "gpt-4o-mini")
          .containsEntry("gen_ai.request.max_tokens", 50L)
          .containsEntry("gen_ai.response.model", "gpt-4o-mini")
          .containsEntry("gen_ai.response.id", "chatcmpl-fake")
          .containsEntry("gen_ai.response.finish_reasons", List.of("stop"))
          .containsEntry("gen_ai.usage.input_tokens", 12L)
          .containsEntry("gen_ai.usage.output_tokens", 5L)
          .containsEntry("gen_ai.usage.cache_read_input_tokens", 4L)
          .containsEntry("gen_ai.usage.cache_creation_input_tokens", 0L)
          .containsEntry("tollgate.cost_usd", "0.0000663")
          .containsEntry("tollgate.price_state", "priced")
          .containsEntry("tollgate.deployment_id", "chat-1")
          .containsEntry("tollgate.model_group", "chat-model");
      assertThat(r.headers().firstValue("x-tollgate-response-cost")).hasValue("0.0000663");

      // The upstream was told which span called it.
      assertThat(upstream.lastReceived().headers())
          .containsEntry(
              "traceparent", "00-" + CLIENT_TRACE + "-" + hex(client.getSpanId()) + "-01")
          .containsEntry("tracestate", CLIENT_STATE);
      assertThat(client.getTraceState()).isEqualTo(CLIENT_STATE);
      assertThat(resource(exported.get(0))).containsEntry("service.name", "tollgate-traces-it");
      // Never the prompt or the completion.
      for (Span s : spans) {
        assertThat(attributes(s).values().toString()).doesNotContain(PROMPT, "Hello there");
      }
    }
  }

  @Test
  void chatStream_otelCallback_clientSpanHasUsageAndCost() throws Exception {
    try (TestGateway gw = TestGateway.start(MODELS.formatted(upstream.apiBase()), env(true))) {
      HttpResponse<String> r =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\": \"chat-model\", \"stream\": true, \"messages\":"
                              + " [{\"role\": \"user\", \"content\": \""
                              + PROMPT
                              + "\"}]}"))
                  .build());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<Span> spans = awaitSpans(3);
      Span server = only(spans, Span.SpanKind.SPAN_KIND_SERVER);
      Span client = only(spans, Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(attributes(client))
          .containsEntry("gen_ai.usage.input_tokens", 12L)
          .containsEntry("gen_ai.usage.output_tokens", 5L)
          .containsEntry("tollgate.cost_usd", "0.0000663")
          .doesNotContainKey("gen_ai.request.max_tokens")
          // Read from the relayed chunks: the first id and model, each finish reason.
          .containsEntry("gen_ai.response.id", "chatcmpl-fake")
          .containsEntry("gen_ai.response.model", "gpt-4o-mini")
          .containsEntry("gen_ai.response.finish_reasons", List.of("stop"))
          .doesNotContainKeys("gen_ai.input.messages", "gen_ai.output.messages");
      assertThat(attributes(client).values().toString()).doesNotContain(PROMPT, "Hello");
      // Sent no tracestate: none goes upstream.
      assertThat(upstream.lastReceived().headers()).doesNotContainKey("tracestate");
      // A root trace: its flags are the SDK's (sampled, and random trace id).
      assertThat(upstream.lastReceived().headers().get("traceparent"))
          .startsWith("00-" + hex(client.getTraceId()) + "-" + hex(client.getSpanId()) + "-");
    }
  }

  @Test
  void chat_retriedAfterUpstream500_oneAdmissionAndClientSpanPerAttempt() throws Exception {
    upstream.enqueue(new FakeOpenAi.Error(500, "application/json", "{\"error\": {}}"));
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            router_settings: {num_retries: 1, retry_after: 0}
            """;
    try (TestGateway gw = TestGateway.start(yaml, env(true))) {
      HttpResponse<String> r = chat(gw, TestGateway.MASTER_KEY, false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<Span> spans = awaitSpans(5);
      Span server = only(spans, Span.SpanKind.SPAN_KIND_SERVER);
      List<Span> clients =
          spans.stream()
              .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
              .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
              .toList();
      assertThat(clients).hasSize(2);
      assertThat(spans).filteredOn(s -> s.getKind() == Span.SpanKind.SPAN_KIND_INTERNAL).hasSize(2);
      for (Span s : spans) {
        if (s != server) {
          assertThat(s.getParentSpanId()).isEqualTo(server.getSpanId());
        }
      }
      assertThat(clients.get(0).getStatus().getCode())
          .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
      // The upstream's 500 is the gateway's 502.
      assertThat(attributes(clients.get(0)))
          .containsEntry("tollgate.error_status", 502L)
          .containsKey("error.type");
      assertThat(attributes(clients.get(1))).containsEntry("gen_ai.usage.output_tokens", 5L);
      // Each attempt named its own span upstream.
      assertThat(upstream.received())
          .extracting(rec -> rec.headers().getOrDefault("traceparent", "").substring(0, 52))
          .containsExactly(
              "00-" + hex(server.getTraceId()) + "-" + hex(clients.get(0).getSpanId()),
              "00-" + hex(server.getTraceId()) + "-" + hex(clients.get(1).getSpanId()));
    }
  }

  @Test
  void chat_budgetDenied_admissionSpanNamesTheLevel_andNoClientSpan() throws Exception {
    try (TestGateway gw = TestGateway.start(MODELS.formatted(upstream.apiBase()), env(true))) {
      HttpResponse<String> k = gw.post("/key/generate", "{\"max_budget\": 0}");
      assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
      String key = dev.tollgate.common.Json.MAPPER.readTree(k.body()).path("key").asText();
      HttpResponse<String> r = chat(gw, key, false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
      List<Span> spans = awaitSpans(2);

      Span server = only(spans, Span.SpanKind.SPAN_KIND_SERVER);
      Span admission = only(spans, Span.SpanKind.SPAN_KIND_INTERNAL);
      assertThat(spans).extracting(Span::getKind).doesNotContain(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(server.getParentSpanId().isEmpty()).isTrue();
      assertThat(admission.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(attributes(admission))
          .containsEntry("tollgate.admission.decision", "denied")
          .containsEntry("tollgate.admission.level", "key")
          .containsEntry("tollgate.admission.code", "key_budget_exceeded");
      assertThat(attributes(server)).containsEntry("http.response.status_code", 429L);
      assertThat(upstream.received()).isEmpty();
    }
  }

  @Test
  void messagesOptIn_recordsPromptAndAnswer_wholeAndStreamed() throws Exception {
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["otel"]
              turn_off_message_logging: false
            """;
    try (TestGateway gw = TestGateway.start(yaml, env(true))) {
      assertThat(chat(gw, TestGateway.MASTER_KEY, false).statusCode()).isEqualTo(200);
      Span whole = only(awaitSpans(3), Span.SpanKind.SPAN_KIND_CLIENT);
      Map<String, Object> a = attributes(whole);
      assertThat(dev.tollgate.common.Json.MAPPER.readTree((String) a.get("gen_ai.input.messages")))
          .isEqualTo(
              dev.tollgate.common.Json.MAPPER.readTree(
                  "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\""
                      + PROMPT
                      + "\"}]}]"));
      assertThat(dev.tollgate.common.Json.MAPPER.readTree((String) a.get("gen_ai.output.messages")))
          .isEqualTo(
              dev.tollgate.common.Json.MAPPER.readTree(
                  "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":"
                      + "\"Hello there\"}],\"finish_reason\":\"stop\"}]"));

      exported.clear();
      HttpResponse<String> r =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\": \"chat-model\", \"stream\": true, \"messages\":"
                              + " [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                              + " {\"role\": \"user\", \"content\": [{\"type\": \"text\","
                              + " \"text\": \""
                              + PROMPT
                              + "\"}, {\"type\": \"image_url\", \"image_url\": {\"url\":"
                              + " \"https://example.com/a.png\"}}]}]}"))
                  .build());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      Span streamed = only(awaitSpans(3), Span.SpanKind.SPAN_KIND_CLIENT);
      Map<String, Object> s = attributes(streamed);
      assertThat(dev.tollgate.common.Json.MAPPER.readTree((String) s.get("gen_ai.input.messages")))
          .isEqualTo(
              dev.tollgate.common.Json.MAPPER.readTree(
                  "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":"
                      + "\"Be brief.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
                      + "\"content\":\""
                      + PROMPT
                      + "\"},{\"type\":\"image_url\"}]}]"));
      // The deltas joined, as the client read them.
      assertThat(dev.tollgate.common.Json.MAPPER.readTree((String) s.get("gen_ai.output.messages")))
          .isEqualTo(
              dev.tollgate.common.Json.MAPPER.readTree(
                  "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":"
                      + "\"Hello there\"}],\"finish_reason\":\"stop\"}]"));
    }
  }

  @Test
  void chat_tracingOff_exportsNothing_andSendsNoTraceparent() {
    try (TestGateway gw = TestGateway.start(MODELS.formatted(upstream.apiBase()), env(false))) {
      HttpResponse<String> r = chat(gw, TestGateway.MASTER_KEY, false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(upstream.lastReceived().headers()).doesNotContainKey("traceparent");
    }
    // Closing the gateway flushes any queued span: none was, and none went out.
    assertThat(exports.get()).isZero();
    assertThat(exported).isEmpty();
  }

  private List<Span> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<Span> spans = spans();
      if (spans.size() >= count) {
        return spans;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("expected " + count + " spans within 30 s, got " + spans());
  }

  private List<Span> spans() {
    List<Span> all = new ArrayList<>();
    for (ResourceSpans rs : exported) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        all.addAll(ss.getSpansList());
      }
    }
    return all;
  }

  private static Span only(List<Span> spans, Span.SpanKind kind) {
    List<Span> of = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(of).as("%s spans in %s", kind, spans).hasSize(1);
    return of.get(0);
  }

  private static String hex(com.google.protobuf.ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  private static Map<String, Object> resource(ResourceSpans rs) {
    return values(rs.getResource().getAttributesList());
  }

  private static Map<String, Object> attributes(Span s) {
    return values(s.getAttributesList());
  }

  private static Map<String, Object> values(List<KeyValue> kvs) {
    Map<String, Object> m = new HashMap<>();
    for (KeyValue kv : kvs) {
      m.put(kv.getKey(), value(kv.getValue()));
    }
    return m;
  }

  private static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case BOOL_VALUE -> v.getBoolValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(TracesIT::value).toList();
      default -> v.toString();
    };
  }
}
