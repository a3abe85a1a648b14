package dev.tollgate.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON logs on a real gateway: every line it writes is one JSON object, and each finished request
 * has one summary line that carries the id the client saw in {@code x-tollgate-request-id}, the
 * key's alias and the cost, and never the key or its hash. The gateway runs in-process, so its log
 * lines are caught by replacing {@code System.err}, where the binding writes them.
 */
class JsonLogsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODELS =
      """
      model_list:
        - model_name: custom
          litellm_params: {model: openai/acme-internal, api_base: %s,
                           input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
          model_info: {id: custom-1}
      """;

  private FakeOpenAi upstream;
  private PrintStream original;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    // 8 uncached input, 4 cached, 5 output: 0.000074 USD a request.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    original = System.err;
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                  captured.write(b, off, len);
                }
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
  }

  @AfterEach
  void stop() {
    System.setErr(original);
    JsonLogs.set(false);
    upstream.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"config", "env"})
  void summaryLine_carriesTheResponsesRequestIdAndAlias_andNoKeyMaterial(String switchedBy)
      throws Exception {
    String yaml = MODELS.formatted(upstream.apiBase());
    Map<String, String> env = Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (switchedBy.equals("config")) {
      yaml += "general_settings:\n  json_logs: true\n";
    } else {
      env = Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY, "JSON_LOGS", "true");
    }
    String key;
    String plainId;
    String streamId;
    try (TestGateway gw = TestGateway.start(yaml, env)) {
      key =
          JSON.readTree(gw.post("/key/generate", "{\"key_alias\": \"ci-key\"}").body())
              .path("key")
              .asText();
      assertThat(key).startsWith("sk-");
      HttpResponse<String> plain = chat(gw, key, false);
      assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
      plainId = plain.headers().firstValue("x-tollgate-request-id").orElseThrow();
      HttpResponse<String> stream = chat(gw, key, true);
      assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
      streamId = stream.headers().firstValue("x-tollgate-request-id").orElseThrow();

      for (String id : List.of(plainId, streamId)) {
        JsonNode line = awaitSummary(id);
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        assertThat(line.path("logger").asText()).isEqualTo("dev.tollgate.request");
        assertThat(line.path("message").asText()).isEqualTo("request finished");
        assertThat(line.path("key_alias").asText()).isEqualTo("ci-key");
        assertThat(line.path("model_group").asText()).isEqualTo("custom");
        assertThat(line.path("deployment_id").asText()).isEqualTo("custom-1");
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("cost_usd").asText()).isEqualTo("0.000074");
        assertThat(line.path("latency_ms").isIntegralNumber()).isTrue();
        assertThat(line.path("latency_ms").asLong()).isNotNegative();
        assertThat(java.time.Instant.parse(line.path("time").asText())).isNotNull();
        assertThat(line.path("thread").asText()).isNotEmpty();
        // Tracing is off: no trace to name.
        assertThat(line.has("trace_id")).isFalse();
      }
    }

    String out = output();
    assertThat(out).doesNotContain(key).doesNotContain(KeySecrets.hash(key));
    assertThat(out).doesNotContain(TestGateway.MASTER_KEY);
    assertThat(out).doesNotContain(KeySecrets.hash(TestGateway.MASTER_KEY));
    // From config load on, every line is a JSON object: no text line slipped through.
    List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    for (String l : lines) {
      assertThat(l).as("a line of output").startsWith("{\"time\":");
      JSON.readTree(l);
    }
    assertThat(lines.stream().filter(l -> l.contains("\"message\":\"request finished\"")))
        .hasSize(2);
  }

  @org.junit.jupiter.api.Test
  void failedRequest_errorLineAndSummaryCarryTheIdTheErrorAnswerCarried() throws Exception {
    upstream.fallback(new FakeOpenAi.Error(503, "application/json", "{\"error\":\"down\"}"));
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + "general_settings:\n  json_logs: true\nrouter_settings:\n  num_retries: 0\n";
    try (TestGateway gw = TestGateway.start(yaml)) {
      String key =
          JSON.readTree(gw.post("/key/generate", "{\"key_alias\": \"ci-key\"}").body())
              .path("key")
              .asText();
      HttpResponse<String> r = chat(gw, key, false);
      assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
      String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();

      JsonNode summary = awaitSummary(id);
      assertThat(summary.path("status").asInt()).isEqualTo(r.statusCode());
      assertThat(summary.path("key_alias").asText()).isEqualTo("ci-key");
      List<JsonNode> others = new java.util.ArrayList<>();
      for (String l : output().lines().toList()) {
        JsonNode n = JSON.readTree(l);
        if (n.path("logger").asText().equals("dev.tollgate.proxy.HttpErrors")) {
          others.add(n);
        }
      }
      assertThat(others).isNotEmpty();
      assertThat(others).allSatisfy(n -> assertThat(n.path("request_id").asText()).isEqualTo(id));
      assertThat(output()).doesNotContain(key).doesNotContain(KeySecrets.hash(key));
    }
  }

  @org.junit.jupiter.api.Test
  void unreachableUpstream_transportFailureLineCarriesTheRequestId_andTheTraceId()
      throws Exception {
    String yaml =
        MODELS.formatted("http://127.0.0.1:1/v1")
            + "general_settings:\n  json_logs: true\nrouter_settings:\n  num_retries: 0\n"
            + "litellm_settings:\n  callbacks: [\"otel\"]\n";
    // Spans go to a port where nothing listens: the export fails quietly, the request does not.
    Map<String, String> env =
        Map.of(
            "TOLLGATE_MASTER_KEY",
            TestGateway.MASTER_KEY,
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://127.0.0.1:1");
    try (TestGateway gw = TestGateway.start(yaml, env)) {
      HttpResponse<String> r = chat(gw, TestGateway.MASTER_KEY, false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
      String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
      JsonNode summary = awaitSummary(id);
      assertThat(summary.path("trace_id").asText()).matches("[0-9a-f]{32}");
      List<JsonNode> failures = new java.util.ArrayList<>();
      for (String l : output().lines().toList()) {
        JsonNode n = JSON.readTree(l);
        if (n.path("message").asText().startsWith("upstream of deployment custom-1 failed")) {
          failures.add(n);
        }
      }
      // One line, under the request's id, with the exception whole (the client's answer names
      // no host).
      assertThat(failures).hasSize(1);
      assertThat(failures.get(0).path("request_id").asText()).isEqualTo(id);
      assertThat(failures.get(0).path("level").asText()).isEqualTo("WARN");
      assertThat(failures.get(0).path("message").asText()).contains("Connect");
    }
  }

  private String output() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  /** The summary line of {@code requestId}: it is written as the request settles. */
  private JsonNode awaitSummary(String requestId) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      Optional<String> line =
          output()
              .lines()
              .filter(l -> l.contains("\"message\":\"request finished\""))
              .filter(l -> l.contains("\"request_id\":\"" + requestId + "\""))
              .findFirst();
      if (line.isPresent()) {
        JsonNode n = JSON.readTree(line.get());
        assertThat(n.path("request_id").asText()).isEqualTo(requestId);
        return n;
      }
      assertThat(System.nanoTime()).as("summary line of " + requestId).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static HttpResponse<String> chat(TestGateway gw, String key, boolean stream) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"custom\",\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }
}
