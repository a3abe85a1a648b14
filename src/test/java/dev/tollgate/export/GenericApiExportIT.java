package dev.tollgate.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code litellm_settings.callbacks: [generic_api]}: every spend record reaches a loopback receiver
 * exactly once, in LiteLLM's {@code StandardLoggingPayload} shape, although the receiver refuses
 * its first calls; the requests never wait for it, and no prompt text is sent.
 */
class GenericApiExportIT {
  private FakeOpenAi upstream;
  private HttpServer receiver;
  private final AtomicInteger posts = new AtomicInteger();
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private final List<String> authorization = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/ingest",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          // The first two calls fail, as a receiver that is restarting would.
          int status = posts.incrementAndGet() <= 2 ? 503 : 200;
          if (status == 200) {
            authorization.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            for (JsonNode n : Json.MAPPER.readTree(body)) {
              received.add(n);
            }
          }
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
    upstream.close();
  }

  @Test
  void everyRecord_arrivesOnce_despiteFailures_inLiteLlmsShape() throws Exception {
    String yaml =
        """
        model_list:
          - model_name: custom
            litellm_params: {model: openai/acme-internal, api_base: %1$s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            model_info: {id: custom-1}
          - model_name: unknown
            litellm_params: {model: openai/acme-unpriced, api_base: %1$s}
        litellm_settings:
          callbacks: ["generic_api", "prometheus"]
        """
            .formatted(upstream.apiBase());
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    env.put(
        "GENERIC_LOGGER_ENDPOINT",
        "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ingest");
    env.put("GENERIC_LOGGER_HEADERS", "Authorization=Bearer ingest-token");
    env.put("GENERIC_LOGGER_FLUSH_INTERVAL", "0.2");
    env.put("GENERIC_LOGGER_BATCH_SIZE", "7");
    try (TestGateway gw = TestGateway.start(yaml, env)) {
      String key =
          Json.MAPPER
              .readTree(gw.post("/key/generate", "{\"key_alias\": \"exp\"}").body())
              .path("key")
              .asText();
      int n = 0;
      for (int i = 0; i < 20; i++) {
        assertThat(chat(gw, key, "custom", i % 2 == 0).statusCode()).isEqualTo(200);
        n++;
      }
      assertThat(chat(gw, key, "unknown", false).statusCode()).isEqualTo(200);
      n++;
      assertThat(chat(gw, key, "no-such-model", false).statusCode()).isEqualTo(404);
      n++;

      for (int i = 0; i < 1000 && received.size() < n; i++) {
        Thread.sleep(20);
      }
      assertThat(received).hasSize(n);
      assertThat(received.stream().map(r -> r.path("id").asText()).distinct().count()).isEqualTo(n);
      assertThat(posts.get()).isGreaterThan(2);
      assertThat(authorization).allMatch(a -> a.equals("Bearer ingest-token"));

      // Each record agrees with the spend log, cost for cost.
      JsonNode logs =
          Json.MAPPER.readTree(gw.get("/spend/logs/ui?page_size=100&key_hash=" + hash(key)).body());
      Map<String, JsonNode> byId = new HashMap<>();
      logs.path("data").forEach(r -> byId.put(r.path("request_id").asText(), r));
      int priced = 0;
      for (JsonNode r : received) {
        JsonNode log =
            java.util.Objects.requireNonNull(byId.get(r.path("id").asText()), r::toString);
        if (log.path("spend").isNull()) {
          assertThat(r.path("response_cost").isNull()).as(r.toString()).isTrue();
        } else {
          assertThat(r.path("response_cost").decimalValue())
              .isEqualByComparingTo(log.path("spend").decimalValue());
        }
        if (r.path("model_group").asText().equals("custom")) {
          priced++;
          assertThat(r.path("response_cost").decimalValue()).isEqualByComparingTo("0.000074");
          assertThat(r.path("prompt_tokens").asLong()).isEqualTo(12);
          assertThat(r.path("completion_tokens").asLong()).isEqualTo(5);
          assertThat(r.path("status").asText()).isEqualTo("success");
          assertThat(r.path("model_id").asText()).isEqualTo("custom-1");
          assertThat(r.path("custom_llm_provider").asText()).isEqualTo("openai");
          assertThat(r.path("metadata").path("user_api_key_alias").asText()).isEqualTo("exp");
          assertThat(r.path("tollgate").path("cost_nanos").asLong()).isEqualTo(74_000);
        }
        assertThat(r.path("messages").isNull()).isTrue();
        assertThat(r.path("response").isNull()).isTrue();
      }
      assertThat(priced).isEqualTo(20);
      JsonNode unknown =
          received.stream()
              .filter(r -> r.path("model_group").asText().equals("unknown"))
              .findFirst()
              .orElseThrow();
      assertThat(unknown.path("response_cost").isNull()).isTrue();
      assertThat(unknown.path("tollgate").path("price_state").asText()).isEqualTo("unknown");
      JsonNode failed =
          received.stream()
              .filter(r -> r.path("status").asText().equals("failure"))
              .findFirst()
              .orElseThrow();
      assertThat(failed.path("error_information").path("error_code").asText()).isEqualTo("404");
      assertThat(received.toString()).doesNotContain("secret prompt text").doesNotContain(key);

      // The export's own counts on /metrics: every record sent, none dropped, the failed POSTs.
      String sentLine = "tollgate_export_records_sent_total " + n + ".0";
      String metrics = gw.get("/metrics").body();
      // The receiver saw the last batch before the export saw its answer: wait for the count.
      for (int i = 0; i < 500 && !metrics.contains(sentLine); i++) {
        Thread.sleep(10);
        metrics = gw.get("/metrics").body();
      }
      assertThat(metrics)
          .contains(sentLine)
          .contains("tollgate_export_records_dropped_total 0.0")
          .contains("tollgate_export_failed_posts_total 2.0");
    }
  }

  @Test
  void generic_api_withoutAnEndpoint_isAConfigError() {
    String yaml =
        """
        litellm_settings:
          callbacks: ["generic_api"]
        """;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.start(yaml))
        .hasMessageContaining("GENERIC_LOGGER_ENDPOINT");
  }

  private static String hash(String key) {
    return dev.tollgate.governance.KeySecrets.hash(key);
  }

  private static HttpResponse<String> chat(
      TestGateway gw, String key, String model, boolean stream) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"secret prompt"
                        + " text\"}]}"))
            .build());
  }
}
