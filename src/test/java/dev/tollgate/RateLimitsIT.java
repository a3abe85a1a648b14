package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rate limits on the real request path, on a clock the test controls: fixed one-minute windows, 429
 * {@code rate_limit_exceeded} with {@code retry-after}, and deployments' own {@code rpm} and {@code
 * tpm} respected when routing.
 */
class RateLimitsIT {
  FakeOpenAi upstream;
  TestGateway gw;
  // 30 s into a minute.
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:30Z"));

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: pair
                litellm_params: {model: openai/acme-a, api_base: %1$s, rpm: 1,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: pair-a}
              - model_name: pair
                litellm_params: {model: openai/acme-b, api_base: %1$s, rpm: 1,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: pair-b}
              - model_name: tokens
                litellm_params: {model: openai/acme-t, api_base: %1$s, tpm: 100,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: tokens-1}
              - model_name: plain
                litellm_params: {model: openai/acme-p, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: plain-1}
            """
                .formatted(upstream.apiBase()),
            Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY),
            Files.createTempDirectory("tollgate-rate"),
            clock);
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  HttpResponse<String> chat(String key, String model, String extra) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\""
                        + extra
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  static void assertRateLimited(HttpResponse<String> r, String code, long retryAfter)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(err.path("code").asText()).isEqualTo(code);
    assertThat(r.headers().firstValue("retry-after")).contains(Long.toString(retryAfter));
  }

  /** A refusal's x-ratelimit headers: the refusing unit's, with nothing left; none of the other. */
  static void assertRefusedHeaders(
      HttpResponse<String> r, String unit, String limit, String reset, String otherUnit) {
    assertThat(r.headers().firstValue("x-ratelimit-limit-" + unit)).contains(limit);
    assertThat(r.headers().firstValue("x-ratelimit-remaining-" + unit)).contains("0");
    assertThat(r.headers().firstValue("x-ratelimit-reset-" + unit)).contains(reset);
    assertThat(r.headers().firstValue("x-ratelimit-limit-" + otherUnit)).isEmpty();
  }

  @Test
  void aGroupServesUntilEveryDeploymentsRpmIsUsedThenRefusesUntilTheNextMinute() throws Exception {
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = chat(TestGateway.MASTER_KEY, "pair", "");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      served.add(r.headers().firstValue("x-litellm-model-id").orElseThrow());
    }
    // Each deployment took one request: the second was routed past the one that was full.
    assertThat(served).containsExactlyInAnyOrder("pair-a", "pair-b");
    HttpResponse<String> third = chat(TestGateway.MASTER_KEY, "pair", "");
    assertRateLimited(third, "deployment_rpm_limit_exceeded", 30);
    // A deployment's own limit is for routing: not reported as the caller's.
    assertThat(third.headers().firstValue("x-ratelimit-limit-requests")).isEmpty();
    assertThat(Json.MAPPER.readTree(third.body()).path("error").path("message").asText())
        .contains("deployment 'pair-")
        .contains("rpm_limit 1");
    assertThat(upstream.received()).hasSize(2);

    // The window is the clock's minute: at 10:01:00.000 a new one starts.
    clock.set(Instant.parse("2026-11-28T10:00:59.999Z"));
    assertThat(chat(TestGateway.MASTER_KEY, "pair", "").statusCode()).isEqualTo(429);
    clock.set(Instant.parse("2026-11-28T10:01:00Z"));
    assertThat(chat(TestGateway.MASTER_KEY, "pair", "").statusCode()).isEqualTo(200);
  }

  @Test
  void tpmHoldsTheEstimateUntilSettledThenCountsActualTokens() throws Exception {
    // Estimate: ~30 input tokens plus max_tokens 40 = about 70, under the 100 limit.
    HttpResponse<String> first = chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":40");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // The first used 17 tokens; the estimate was released, so a second fits.
    HttpResponse<String> second = chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":40");
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    // A request whose estimate alone passes the remaining 66 is still admitted (the rule is
    // used + reserved >= limit before it), and then the window is full.
    HttpResponse<String> big = chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":1000");
    assertThat(big.statusCode()).as(big.body()).isEqualTo(200);
    // 3 × 17 = 51 tokens used: not yet at 100.
    assertThat(chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":10").statusCode())
        .isEqualTo(200);
    assertThat(chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":10").statusCode())
        .isEqualTo(200);
    assertThat(chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":10").statusCode())
        .isEqualTo(200);
    // 6 × 17 = 102 ≥ 100: refused for the rest of the minute.
    assertRateLimited(
        chat(TestGateway.MASTER_KEY, "tokens", ",\"max_tokens\":10"),
        "deployment_tpm_limit_exceeded",
        30);
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  @Test
  void admittedAnswersCarryOpenAisRateLimitHeadersForTheTightestLimit() throws Exception {
    String key =
        newKey("{\"rpm_limit\": 10, \"tpm_limit\": 5000, \"model_rpm_limit\": {\"plain\": 4}}");
    // "plain" has no deployment limit; the key's per-model limit (4) is tighter than its rpm (10).
    HttpResponse<String> first = chat(key, "plain", ",\"max_tokens\":100");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).contains("4");
    assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).contains("3");
    assertThat(first.headers().firstValue("x-ratelimit-reset-requests")).contains("30s");
    assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).contains("5000");
    // Before it settled, this request held its estimate: ceil(body/3) input + 100 output.
    long body =
        ("{\"model\":\"plain\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}]}")
            .length();
    long estimate = (body + 2) / 3 + 100;
    assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens"))
        .contains(Long.toString(5000 - estimate));

    // The next sees the first's actual 17 tokens and its own estimate, 2.5 s later.
    clock.advance(java.time.Duration.ofMillis(2500));
    HttpResponse<String> second = chat(key, "plain", ",\"max_tokens\":100");
    assertThat(second.headers().firstValue("x-ratelimit-remaining-requests")).contains("2");
    assertThat(second.headers().firstValue("x-ratelimit-remaining-tokens"))
        .contains(Long.toString(5000 - 17 - estimate));
    assertThat(second.headers().firstValue("x-ratelimit-reset-requests")).contains("27.5s");

    // Deployment limits are for routing and are not reported; the master key has none.
    HttpResponse<String> master = chat(TestGateway.MASTER_KEY, "pair", "");
    assertThat(master.statusCode()).isEqualTo(200);
    assertThat(master.headers().firstValue("x-ratelimit-limit-requests")).isEmpty();
  }

  @Test
  void keyRpmAndPerModelRpmCountAdmittedRequestsInTheMinute() throws Exception {
    String key = newKey("{\"rpm_limit\": 3, \"model_rpm_limit\": {\"tokens\": 1}}");
    assertThat(chat(key, "tokens", "").statusCode()).isEqualTo(200);
    HttpResponse<String> perModel = chat(key, "tokens", "");
    assertRateLimited(perModel, "key_model_rpm_limit_exceeded", 30);
    assertThat(Json.MAPPER.readTree(perModel.body()).path("error").path("message").asText())
        .contains("for model 'tokens'");
    // The refused request did not count: one used, so two more fit the key's 3.
    assertThat(chat(key, "pair", "").statusCode()).isEqualTo(200);
    clock.advance(java.time.Duration.ofSeconds(10));
    assertThat(chat(key, "pair", "").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(key, "pair", "");
    assertRateLimited(refused, "key_rpm_limit_exceeded", 20);
    // The 429 carries the refusing limit's OpenAI headers, and only that unit's.
    assertRefusedHeaders(refused, "requests", "3", "20s", "tokens");
    clock.set(Instant.parse("2026-11-28T10:01:00Z"));
    assertThat(chat(key, "tokens", "").statusCode()).isEqualTo(200);
  }

  @Test
  void maxParallelRequestsCountsRequestsInFlight() throws Exception {
    String key = newKey("{\"max_parallel_requests\": 2}");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));
    java.net.http.HttpClient http =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
    java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> held =
        new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      held.add(
          http.sendAsync(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("Authorization", "Bearer " + key)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"plain\",\"messages\":[{\"role\":\"user\","
                              + "\"content\":\"x\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (upstream.received().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(upstream.received()).hasSize(2);
    HttpResponse<String> parallel = chat(key, "plain", "");
    assertRateLimited(parallel, "key_max_parallel_requests_exceeded", 1);
    // No window, so no x-ratelimit headers: retry-after alone says when to try again.
    assertThat(parallel.headers().firstValue("x-ratelimit-limit-requests")).isEmpty();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    release.countDown();
    for (var f : held) {
      assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(chat(key, "plain", "").statusCode()).isEqualTo(200);
  }

  @Test
  void userTeamAndCustomerLimitsApply() throws Exception {
    assertThat(gw.post("/user/new", "{\"user_id\": \"u1\", \"rpm_limit\": 1}").statusCode())
        .isEqualTo(200);
    String personal = newKey("{\"user_id\": \"u1\"}");
    String other = newKey("{\"user_id\": \"u1\"}");
    assertThat(chat(personal, "pair", "").statusCode()).isEqualTo(200);
    // The user's limit covers every key of theirs.
    assertRateLimited(chat(other, "pair", ""), "user_rpm_limit_exceeded", 30);

    assertThat(gw.post("/team/new", "{\"team_id\": \"t1\", \"tpm_limit\": 10}").statusCode())
        .isEqualTo(200);
    String teamKey = newKey("{\"team_id\": \"t1\"}");
    assertThat(chat(teamKey, "tokens", "").statusCode()).isEqualTo(200);
    // 17 tokens used of 10.
    HttpResponse<String> tokens = chat(teamKey, "tokens", "");
    assertRateLimited(tokens, "team_tpm_limit_exceeded", 30);
    assertRefusedHeaders(tokens, "tokens", "10", "30s", "requests");

    assertThat(gw.post("/customer/new", "{\"user_id\": \"c1\", \"rpm_limit\": 1}").statusCode())
        .isEqualTo(200);
    String key = newKey("{}");
    assertThat(chat(key, "tokens", ",\"user\":\"c1\"").statusCode()).isEqualTo(200);
    assertRateLimited(chat(key, "tokens", ",\"user\":\"c1\""), "customer_rpm_limit_exceeded", 30);
    assertThat(chat(key, "tokens", ",\"user\":\"c2\"").statusCode()).isEqualTo(200);
  }
}
