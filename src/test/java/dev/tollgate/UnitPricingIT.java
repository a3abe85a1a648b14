package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deployments priced by another unit than tokens (per second, per character, per query, per image)
 * on the real request path: they start, are billed by what their price counts, reserve a bound of
 * it, and a request their unit cannot bill is a 400 naming the deployment and the unit.
 */
class UnitPricingIT {
  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: per-second
                litellm_params: {model: openai/sagemaker-like, api_base: %1$s,
                                 input_cost_per_second: 0.001,
                                 timeout: 10}
                model_info: {id: per-second}
              - model_name: per-character
                litellm_params: {model: openai/palm-like, api_base: %1$s,
                                 input_cost_per_character: 0.0000001,
                                 output_cost_per_character: 0.0000003}
                model_info: {id: per-character}
              - model_name: per-query
                litellm_params: {model: openai/rerank-like, api_base: %1$s,
                                 input_cost_per_query: 0.002}
                model_info: {id: per-query}
              - model_name: per-image
                litellm_params: {model: openai/image-like, api_base: %1$s,
                                 output_cost_per_image: 0.04}
                model_info: {id: per-image}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  HttpResponse<String> chat(String key, String model, String content) {
    return gw.send(request(key, model, content));
  }

  HttpRequest request(String key, String model, String content) {
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\""
                    + model
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + content
                    + "\"}]}"))
        .build();
  }

  static BigDecimal cost(HttpResponse<String> r) {
    return new BigDecimal(r.headers().firstValue("x-tollgate-response-cost").orElseThrow());
  }

  @Test
  void perQuery_billsOneQueryAndNoTokens() {
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "per-query", "rank these");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    assertThat(cost(r)).isEqualByComparingTo("0.002");
  }

  @Test
  void perCharacter_billsPromptAndCompletionCharacters() {
    // 10 prompt characters x 0.0000001 + "Hello there" (11) x 0.0000003 = 0.0000043
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "per-character", "héllo wörd");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(cost(r)).isEqualByComparingTo("0.0000043");
  }

  @Test
  void perSecond_billsTheUpstreamCallsDuration() {
    long before = System.nanoTime();
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "per-second", "x");
    long elapsedMillis = Math.ceilDiv(System.nanoTime() - before, 1_000_000);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    // At least one millisecond, at most the whole round trip the client saw, at 0.001 a second.
    assertThat(cost(r))
        .isGreaterThanOrEqualTo(new BigDecimal("0.000001"))
        .isLessThanOrEqualTo(BigDecimal.valueOf(elapsedMillis, 6));
  }

  @Test
  void perSecond_reservesTheDeploymentsTimeout() throws Exception {
    // The timeout of 10 s at 0.001 a second reserves 0.01 for a request in flight, though it will
    // cost far less: with 0.005 left, a second request is refused while the first is held.
    HttpResponse<String> made = gw.post("/key/generate", "{\"max_budget\": 0.005}");
    String key = Json.MAPPER.readTree(made.body()).path("key").asText();
    CountDownLatch release = new CountDownLatch(1);
    upstream.enqueue(new FakeOpenAi.Held(release));
    CompletableFuture<HttpResponse<String>> first =
        gw.http().sendAsync(request(key, "per-second", "x"), HttpResponse.BodyHandlers.ofString());
    ReservationsIT.await(() -> upstream.received().size() == 1, "the first request is upstream");

    HttpResponse<String> second = gw.send(request(key, "per-second", "x"));

    assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
    JsonNode e = Json.MAPPER.readTree(second.body()).path("error");
    assertThat(e.path("type").asText()).isEqualTo("budget_exceeded");
    assertThat(e.path("message").asText()).contains("0.01 USD reserved");
    release.countDown();
    assertThat(first.get().statusCode()).isEqualTo(200);
  }

  @Test
  void perOutputImage_onChat_is400NamingDeploymentAndUnit() throws Exception {
    HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "per-image", "draw");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode e = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(e.path("message").asText()).contains("per-image").contains("output_cost_per_image");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void modelInfo_showsTheUnitRates() throws Exception {
    JsonNode data = Json.MAPPER.readTree(gw.get("/model/info").body()).path("data");
    JsonNode perChar = Json.MAPPER.createObjectNode();
    for (JsonNode m : data) {
      if (m.path("model_info").path("id").asText().equals("per-character")) {
        perChar = m.path("model_info");
      }
    }
    assertThat(perChar.path("input_cost_per_character").decimalValue())
        .isEqualByComparingTo("0.0000001");
    assertThat(perChar.path("output_cost_per_character").decimalValue())
        .isEqualByComparingTo("0.0000003");
  }
}
