package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LiteLLM's pass-through routes under {@code /openai/}: the token-making ones are billed like any
 * LLM request, the free ones are forwarded with the deployment's credentials and no spend, and the
 * ones that could cost money unbilled are refused.
 */
@SuppressWarnings("NullAway.Init")
class PassThroughIT {
  static FakeOpenAi upstream;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: g
                litellm_params: {model: openai/acme-1, api_base: %1$s, api_key: sk-upstream-secret,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: local
                litellm_params: {model: mock/local, input_cost_per_token: 0, output_cost_per_token: 0}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  @BeforeEach
  void reset() {
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
  }

  @Test
  void aFreeRoute_isForwardedWithTheDeploymentsKey_andNeverTheCallers() throws Exception {
    String key = newKey("{}");
    upstream.enqueue(
        new FakeOpenAi.Error(
            200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"acme-1\"}]}"));
    int before = upstream.received().size();

    HttpResponse<String> r = call("GET", "/openai/v1/models?limit=2", key, null);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).path("data").get(0).path("id").asText())
        .isEqualTo("acme-1");
    assertThat(upstream.received()).hasSize(before + 1);
    FakeOpenAi.Received got = upstream.lastReceived();
    assertThat(got.path()).isEqualTo("/v1/models");
    assertThat(got.headers()).containsEntry("authorization", "Bearer sk-upstream-secret");
    assertThat(got.headers().values()).noneMatch(v -> v.contains(key));

    // The billed request after it is the key's only spend record.
    HttpResponse<String> chat =
        call(
            "POST",
            "/openai/v1/chat/completions",
            key,
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonNode logs = awaitLogs(key, 1);
    assertThat(logs.path("data").get(0).path("model_group").asText()).isEqualTo("g");
    assertThat(logs.path("data").get(0).path("spend").decimalValue())
        .isEqualByComparingTo("0.000074");
  }

  @Test
  void aRouteThatCouldCostMoney_isRefused_andNothingIsSent() throws Exception {
    String key = newKey("{}");
    int before = upstream.received().size();
    HttpResponse<String> r =
        call("POST", "/openai/v1/images/generations", key, "{\"prompt\":\"a cat\"}");
    assertThat(r.statusCode()).isEqualTo(501);
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("code").asText())
        .isEqualTo("pass_through_not_billed");
    assertThat(upstream.received()).hasSize(before);
  }

  @Test
  void withoutAKey_orWithoutAccess_nothingIsSent() throws Exception {
    int before = upstream.received().size();
    assertThat(call("GET", "/openai/v1/models", null, null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/openai/v1/models", "sk-nope", null).statusCode()).isEqualTo(401);
    String localOnly = newKey("{\"models\": [\"local\"]}");
    HttpResponse<String> r = call("GET", "/openai/v1/models", localOnly, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(r.body()).contains("no openai deployment");
    assertThat(upstream.received()).hasSize(before);
  }

  static HttpResponse<String> call(
      String method, String path, @Nullable String key, @Nullable String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json");
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return gw.send(b.build());
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static JsonNode awaitLogs(String key, int count) throws Exception {
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
