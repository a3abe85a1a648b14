package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Budgets enforced on the real request path: a virtual key with a budget, every price state,
 * streaming, tags, and the spend the key reports equal to its spend records.
 */
class BudgetGatewayIT {
  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    // 8 uncached input, 4 cached, 5 output tokens.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: custom
                litellm_params: {model: openai/acme-internal, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: custom-1}
              - model_name: free
                litellm_params: {model: hosted_vllm/llama, api_base: %1$s,
                                 input_cost_per_token: 0, output_cost_per_token: 0}
                model_info: {id: free-1}
              - model_name: unknown
                litellm_params: {model: openai/acme-unpriced, api_base: %1$s}
                model_info: {id: unknown-1}
            router_settings:
              model_group_alias: {free-alias: free}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  HttpResponse<String> chat(String key, String model, boolean stream, String extra) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"stream\":"
                        + stream
                        + extra
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  JsonNode keyInfo(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("info");
  }

  /** Each "custom" request costs 8 * 0.000002 + 4 * 0.000002 + 5 * 0.00001 = 0.000074 USD. */
  @Test
  void keyBudget_blocksAtSpendReachingMax_freeExempt_unknownNever() throws Exception {
    String key = newKey("{\"key_alias\":\"ci-key\",\"max_budget\":0.0001}");
    HttpResponse<String> first = chat(key, "custom", false, "");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-tollgate-key-max-budget")).contains("0.0001");
    assertThat(first.headers().firstValue("x-litellm-key-spend")).contains("0");
    // Spend 0.000074 < 0.0001: admitted; the stream settles at 0.000148.
    HttpResponse<String> second = chat(key, "custom", true, "");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).endsWith("data: [DONE]\n\n");
    awaitKeySpend(key, new BigDecimal("0.000148"));

    HttpResponse<String> denied = chat(key, "custom", false, "");
    assertThat(denied.statusCode()).isEqualTo(429);
    JsonNode err = Json.MAPPER.readTree(denied.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("ci-key")
        .contains("0.000148")
        .contains("0.0001");
    assertThat(chat(key, "custom", true, "").statusCode()).isEqualTo(429);

    // Free deployments are exempt, by name and by alias; unknown prices are never exempt.
    assertThat(chat(key, "free", false, "").statusCode()).isEqualTo(200);
    assertThat(chat(key, "free-alias", true, "").statusCode()).isEqualTo(200);
    assertThat(chat(key, "unknown", false, "").statusCode()).isEqualTo(429);
    assertThat(chat(key, "unknown", true, "").statusCode()).isEqualTo(429);

    // The key reports exactly the sum of its spend records: 2 served, 2 denied, 2 free, 2 unknown.
    JsonNode logs = awaitLogs(key, 8);
    BigDecimal sum = BigDecimal.ZERO;
    for (JsonNode row : logs.path("data")) {
      if (!row.get("spend").isNull()) {
        sum = sum.add(row.get("spend").decimalValue());
      }
    }
    JsonNode info = keyInfo(key);
    assertThat(info.get("spend").decimalValue())
        .isEqualByComparingTo(sum)
        .isEqualByComparingTo("0.000148");
    assertThat(info.path("budget_chain").isArray()).isTrue();
  }

  @Test
  void budgetDuration_resetsExactlyAtTheWindowBoundary() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:15:00Z"));
    try (TestGateway timed =
        TestGateway.start(
            "model_list: [{model_name: custom, litellm_params: {model: openai/acme-internal, api_base: \""
                + upstream.apiBase()
                + "\", input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}}]\n",
            java.util.Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY),
            java.nio.file.Files.createTempDirectory("tollgate-window"),
            clock)) {
      HttpResponse<String> k =
          timed.post(
              "/key/generate",
              "{\"key_alias\":\"hourly\",\"max_budget\":0.0001,\"budget_duration\":\"1h\"}");
      assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
      String key = Json.MAPPER.readTree(k.body()).path("key").asText();
      TestGateway saved = gw;
      gw = timed;
      try {
        assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(200);
        assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(200);
        awaitKeySpend(key, new BigDecimal("0.000148"));
        assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(429);

        // One nanosecond before the boundary the window still holds; at 11:00 it is new.
        clock.set(Instant.parse("2026-11-28T10:59:59.999999999Z"));
        assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(429);
        clock.set(Instant.parse("2026-11-28T11:00:00Z"));
        assertThat(keyInfo(key).get("spend").decimalValue()).isEqualByComparingTo("0");
        assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(200);
        awaitKeySpend(key, new BigDecimal("0.000074"));
      } finally {
        gw = saved;
      }
    }
  }

  @Test
  void unknownPricedRequests_countAgainstBudgetsAsUnpriced_andAreNeverFree() throws Exception {
    String key = newKey("{\"max_budget\":1}");
    for (int i = 0; i < 3; i++) {
      assertThat(chat(key, "unknown", i % 2 == 0, "").statusCode()).isEqualTo(200);
    }
    JsonNode logs = awaitLogs(key, 3);
    for (JsonNode row : logs.path("data")) {
      assertThat(row.get("spend").isNull()).isTrue();
      assertThat(row.path("unpriced").asBoolean()).isTrue();
    }
    assertThat(keyInfo(key).get("spend").decimalValue()).isEqualByComparingTo("0");
  }

  @Test
  void tagBudget_fromMetadataOrHeader_blocksAndNamesTheTag() throws Exception {
    HttpResponse<String> t = gw.post("/tag/new", "{\"name\":\"team-x\",\"max_budget\":0.00007}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
    String key = newKey("{}");
    assertThat(chat(key, "custom", false, ",\"metadata\":{\"tags\":[\"team-x\"]}").statusCode())
        .isEqualTo(200);
    HttpResponse<String> denied =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("x-litellm-tags", "team-x")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .build());
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).contains("team-x").contains("budget_exceeded");
    // Without the tag the same key is not blocked.
    assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(200);
  }

  @Test
  void keyModelsAllowList_refusesOtherModels_andBadKeysAre401() throws Exception {
    String key = newKey("{\"models\":[\"free\"]}");
    assertThat(chat(key, "free", false, "").statusCode()).isEqualTo(200);
    HttpResponse<String> r = chat(key, "custom", false, "");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("custom");
    assertThat(chat("sk-not-a-key", "free", false, "").statusCode()).isEqualTo(401);
    assertThat(gw.post("/key/block", "{\"key\":\"" + key + "\"}").statusCode()).isEqualTo(200);
    assertThat(chat(key, "free", false, "").statusCode()).isEqualTo(401);
  }

  void awaitKeySpend(String key, BigDecimal expected) throws Exception {
    for (int i = 0; i < 500; i++) {
      if (keyInfo(key).get("spend").decimalValue().compareTo(expected) == 0) {
        return;
      }
      Thread.sleep(10);
    }
    assertThat(keyInfo(key).get("spend").decimalValue()).isEqualByComparingTo(expected);
  }

  JsonNode awaitLogs(String key, int count) throws Exception {
    for (int i = 0; ; i++) {
      JsonNode logs =
          Json.MAPPER.readTree(gw.get("/spend/logs/ui?api_key=" + key + "&page_size=1000").body());
      if (logs.path("total").asInt() >= count || i >= 500) {
        assertThat(logs.path("total").asInt()).isEqualTo(count);
        return logs;
      }
      Thread.sleep(20);
    }
  }
}
