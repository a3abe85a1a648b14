package dev.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} with {@code litellm_settings.callbacks: [prometheus]}: the budget gauges
 * under LiteLLM's names and labels agree with the spend counter {@code /key/info} reads, Tollgate's
 * own gauges report its state, and the endpoint needs an admin key unless configured open.
 */
class MetricsIT {
  private static final String MODELS =
      """
      model_list:
        - model_name: custom
          litellm_params: {model: openai/acme-internal, api_base: %1$s,
                           input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
          model_info: {id: custom-1}
        - model_name: unknown
          litellm_params: {model: openai/acme-unpriced, api_base: %1$s}
          model_info: {id: unknown-1}
      """;

  private FakeOpenAi upstream;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    // 8 uncached input, 4 cached, 5 output: 0.000074 USD a request.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  @Test
  void scrape_budgetGaugesAgreeWithTheSpendCounter_andOwnGaugesReportState() throws Exception {
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["prometheus"]
            """;
    try (TestGateway gw = TestGateway.start(yaml)) {
      ok(gw.post("/organization/new", "{\"organization_id\": \"o-m\", \"max_budget\": 20}"));
      ok(
          gw.post(
              "/team/new",
              "{\"team_id\": \"t-m\", \"team_alias\": \"search\", \"max_budget\": 10,"
                  + " \"budget_duration\": \"30d\", \"organization_id\": \"o-m\"}"));
      ok(
          gw.post(
              "/user/new",
              "{\"user_id\": \"u-m\", \"max_budget\": 3, \"auto_create_key\": false}"));
      String key =
          ok(gw.post(
                  "/key/generate",
                  "{\"key_alias\": \"ci-key\", \"max_budget\": 5, \"team_id\": \"t-m\","
                      + " \"user_id\": \"u-m\"}"))
              .path("key")
              .asText();
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);
      awaitKeySpend(gw, key, new BigDecimal("0.000148"));
      assertThat(chat(gw, "sk-unknown-key-000000000000").statusCode()).isEqualTo(401);

      HttpResponse<String> r = gw.get("/metrics");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      Map<String, Double> m = parse(r.body());
      String keyLabels =
          "{api_key_alias=\"ci-key\",hashed_api_key=\"" + KeySecrets.hash(key) + "\"}";
      assertThat(m.get("litellm_remaining_api_key_budget_metric" + keyLabels))
          .as(r.body())
          .isEqualTo(5 - 0.000148, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(m.get("litellm_api_key_max_budget_metric" + keyLabels)).isEqualTo(5.0);
      String teamLabels = "{team=\"t-m\",team_alias=\"search\"}";
      assertThat(m.get("litellm_remaining_team_budget_metric" + teamLabels))
          .isEqualTo(10 - 0.000148, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(m.get("litellm_team_max_budget_metric" + teamLabels)).isEqualTo(10.0);
      // The hours until the reset /team/info shows.
      java.time.Instant reset =
          java.time.Instant.parse(
              ok(gw.get("/team/info?team_id=t-m"))
                  .path("team_info")
                  .path("budget_reset_at")
                  .asText());
      double hours = (reset.toEpochMilli() - System.currentTimeMillis()) / 3_600_000.0;
      assertThat(m.get("litellm_team_budget_remaining_hours_metric" + teamLabels))
          .isBetween(hours - 0.05, hours + 0.05);
      // A team key's spend is not the user's personal spend: the user's budget is untouched.
      assertThat(m.get("litellm_remaining_user_budget_metric{user=\"u-m\"}")).isEqualTo(3.0);
      assertThat(m.get("litellm_org_max_budget_metric{org_alias=\"None\",org_id=\"o-m\"}"))
          .isEqualTo(20.0);
      // A key without a max budget has no budget series.
      assertThat(r.body()).doesNotContain("hashed_api_key=\"" + KeySecrets.hash("x") + "\"");

      assertThat(m.get("tollgate_reservations_open")).isEqualTo(0.0);
      assertThat(m.get("tollgate_unauthenticated_requests_total")).isEqualTo(1.0);
      assertThat(m.get("tollgate_redis_fallback_active")).isEqualTo(0.0);
      assertThat(m).containsKeys("tollgate_spend_log_queue", "tollgate_spend_log_dead_letters");
      // The key itself never appears.
      assertThat(r.body()).doesNotContain(key);
    }
  }

  @Test
  void perRequestSeries_underLiteLlmNamesAndLabels_agreeWithTheSpendRecords() throws Exception {
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["prometheus"]
            """;
    try (TestGateway gw = TestGateway.start(yaml)) {
      ok(gw.post("/team/new", "{\"team_id\": \"t-r\", \"team_alias\": \"search\"}"));
      String key =
          ok(gw.post("/key/generate", "{\"key_alias\": \"ci-key\", \"team_id\": \"t-r\"}"))
              .path("key")
              .asText();
      String hash = KeySecrets.hash(key);
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);
      assertThat(chat(gw, key, "custom", true).statusCode()).isEqualTo(200);
      upstream.enqueue(
          new FakeOpenAi.Error(
              500,
              "application/json",
              "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
      assertThat(chat(gw, key).statusCode()).isEqualTo(502);
      assertThat(chat(gw, key, "unknown", false).statusCode()).isEqualTo(200);
      String small =
          ok(gw.post("/key/generate", "{\"key_alias\": \"small\", \"max_budget\": 0.00005}"))
              .path("key")
              .asText();
      assertThat(chat(gw, small).statusCode()).isEqualTo(200);
      awaitKeySpend(gw, small, new BigDecimal("0.000074"));
      assertThat(chat(gw, small).statusCode()).isEqualTo(429);
      String limited =
          ok(gw.post("/key/generate", "{\"key_alias\": \"limited\", \"rpm_limit\": 1}"))
              .path("key")
              .asText();
      assertThat(chat(gw, limited).statusCode()).isEqualTo(200);
      assertThat(chat(gw, limited).statusCode()).isEqualTo(429);

      List<Sample> m = awaitSamples(gw, "litellm_proxy_total_requests_metric_total", 8);
      // Which budget or limit refused, from the refusal itself; the upstream's 502 is neither.
      assertThat(sum(m, "tollgate_budget_denials_total", Map.of("level", "key"))).isEqualTo(1.0);
      assertThat(sum(m, "tollgate_budget_denials_total", Map.of())).isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "tollgate_rate_limit_denials_total",
                  Map.of("level", "key", "limit", "rpm_limit")))
          .isEqualTo(1.0);
      assertThat(sum(m, "tollgate_rate_limit_denials_total", Map.of())).isEqualTo(1.0);
      Map<String, String> mine = Map.of("hashed_api_key", hash);
      assertThat(
              sum(
                  m,
                  "litellm_proxy_total_requests_metric_total",
                  Map.of("hashed_api_key", hash, "status_code", "200")))
          .isEqualTo(3.0);
      // Who called: the path, the peer's address and the User-Agent, as LiteLLM labels them.
      Map<String, String> caller =
          Map.of(
              "route", "/v1/chat/completions",
              "client_ip", "127.0.0.1",
              "user_agent", "metrics-it/1.0");
      assertThat(sum(m, "litellm_proxy_total_requests_metric_total", caller)).isEqualTo(8.0);
      assertThat(sum(m, "litellm_requests_metric_total", Map.of("client_ip", "127.0.0.1")))
          .isEqualTo(sum(m, "litellm_requests_metric_total", Map.of()));
      assertThat(
              sum(
                  m,
                  "litellm_deployment_success_responses_total",
                  Map.of("user_agent", "metrics-it/1.0")))
          .isEqualTo(sum(m, "litellm_deployment_success_responses_total", Map.of()));
      assertThat(
              sum(
                  m,
                  "litellm_proxy_failed_requests_metric_total",
                  Map.of(
                      "hashed_api_key", hash,
                      "exception_status", "502",
                      "exception_class", "InternalServerError",
                      "team", "t-r",
                      "team_alias", "search",
                      "api_key_alias", "ci-key")))
          .isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "litellm_proxy_failed_requests_metric_total",
                  Map.of(
                      "hashed_api_key", KeySecrets.hash(small),
                      "exception_status", "429",
                      "exception_class", "BudgetExceededError")))
          .isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "litellm_requests_metric_total",
                  Map.of(
                      "hashed_api_key", hash,
                      "model", "openai/acme-internal",
                      "model_id", "custom-1",
                      "api_provider", "openai",
                      "end_user", "None")))
          .isEqualTo(2.0);
      // Billed once each: two served requests on the priced deployment, none on the failure.
      assertThat(sum(m, "litellm_spend_metric_total", mine))
          .isCloseTo(0.000148, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(
              sum(
                  m,
                  "litellm_input_tokens_metric_total",
                  Map.of("hashed_api_key", hash, "model_id", "custom-1")))
          .isEqualTo(24.0);
      assertThat(
              sum(
                  m,
                  "litellm_output_tokens_metric_total",
                  Map.of("hashed_api_key", hash, "model_id", "custom-1")))
          .isEqualTo(10.0);
      assertThat(
              sum(
                  m,
                  "litellm_total_tokens_metric_total",
                  Map.of("hashed_api_key", hash, "model_id", "custom-1")))
          .isEqualTo(34.0);
      assertThat(sum(m, "litellm_request_total_latency_metric_count", mine)).isEqualTo(4.0);
      assertThat(
              sum(
                  m,
                  "litellm_request_total_latency_metric_bucket",
                  Map.of("hashed_api_key", hash, "le", "+Inf")))
          .isEqualTo(4.0);
      assertThat(
              m.stream()
                  .filter(x -> x.name().equals("litellm_request_total_latency_metric_bucket"))
                  .map(x -> x.labels().get("le"))
                  .distinct()
                  .toList())
          .containsExactlyElementsOf(LATENCY_LE);
      assertThat(
              sum(
                  m,
                  "litellm_deployment_success_responses_total",
                  Map.of("model_id", "custom-1", "api_provider", "openai", "hashed_api_key", hash)))
          .isEqualTo(2.0);
      assertThat(
              sum(
                  m,
                  "litellm_deployment_failure_responses_total",
                  Map.of("model_id", "custom-1", "exception_status", "502")))
          .isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "litellm_deployment_total_requests_total",
                  Map.of("model_id", "custom-1", "hashed_api_key", hash)))
          .isEqualTo(3.0);
      assertThat(sum(m, "tollgate_unpriced_requests_total", Map.of("model_group", "unknown")))
          .isEqualTo(1.0);
      assertThat(sum(m, "tollgate_unpriced_requests_total", Map.of("model_group", "custom")))
          .isZero();
      assertThat(sum(m, "tollgate_metrics_dropped_records_total", Map.of())).isZero();
    }
  }

  /** LiteLLM's latency buckets as the exposition writes them, {@code +Inf} last. */
  static final List<String> LATENCY_LE =
      List.of(
          "0.005", "0.00625", "0.0125", "0.025", "0.05", "0.1", "0.5", "1.0", "1.5", "2.0", "2.5",
          "3.0", "3.5", "4.0", "4.5", "5.0", "5.5", "6.0", "6.5", "7.0", "7.5", "8.0", "8.5", "9.0",
          "9.5", "10.0", "15.0", "20.0", "25.0", "30.0", "60.0", "120.0", "180.0", "240.0", "300.0",
          "+Inf");

  /**
   * Group g: deployment a on {@code first} (chosen first by weight, rpm 10, tpm 1000) and b on
   * {@code second} (rpm 10); group solo: s on {@code first}, falling back to group f: fb on {@code
   * second}. A 429 cools a deployment down at once; the clock stands still, so it stays cooled.
   */
  private static final String DEPLOYMENTS =
      """
      model_list:
        - model_name: g
          litellm_params: {model: openai/gpt-x, api_base: %1$s, weight: 1000000, rpm: 10, tpm: 1000,
                           input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          model_info: {id: a}
        - model_name: g
          litellm_params: {model: openai/gpt-x, api_base: %2$s, rpm: 10,
                           input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          model_info: {id: b}
        - model_name: solo
          litellm_params: {model: openai/solo-x, api_base: %1$s,
                           input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          model_info: {id: s}
        - model_name: f
          litellm_params: {model: openai/fb-x, api_base: %2$s,
                           input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          model_info: {id: fb}
      router_settings:
        num_retries: 1
        cooldown_time: 30
        fallbacks: [{"solo": ["f"]}]
      litellm_settings:
        callbacks: ["prometheus"]
      """;

  static FakeOpenAi.Error upstreamError(int status) {
    return new FakeOpenAi.Error(
        status,
        "application/json",
        "{\"error\":{\"message\":\"status " + status + "\",\"type\":\"x\",\"code\":null}}",
        Map.of("retry-after-ms", "1"));
  }

  @Test
  void deploymentSeries_latencies_fallbacks_cooldowns_andRemainingRates() throws Exception {
    FakeOpenAi second = new FakeOpenAi();
    second.fallback(new FakeOpenAi.Normal(12, 5, 4));
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-04T10:00:30Z"));
    try (second;
        TestGateway gw =
            TestGateway.start(
                DEPLOYMENTS.formatted(upstream.apiBase(), second.apiBase()),
                Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY),
                java.nio.file.Files.createTempDirectory("tollgate-metrics"),
                clock)) {
      String key = ok(gw.post("/key/generate", "{\"key_alias\": \"ci-key\"}")).path("key").asText();
      String hash = KeySecrets.hash(key);
      // a answers 429, saying (as OpenAI does) what remains of its rate limits: retried on b,
      // which serves and says nothing of its limits; the 429 cools a down.
      upstream.enqueue(
          new FakeOpenAi.Error(
              429,
              "application/json",
              "{\"error\":{\"message\":\"status 429\",\"type\":\"x\",\"code\":null}}",
              Map.of(
                  "retry-after-ms", "1",
                  "x-ratelimit-remaining-requests", "0",
                  "x-ratelimit-remaining-tokens", "37")));
      HttpResponse<String> retried = chat(gw, key, "g", false);
      assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
      assertThat(retried.headers().firstValue("x-litellm-model-id")).contains("b");
      // a is cooling: b serves the stream at once.
      assertThat(chat(gw, key, "g", true).statusCode()).isEqualTo(200);
      // s fails twice (a retry on the only deployment), then the fallback f serves.
      upstream.enqueue(upstreamError(500)).enqueue(upstreamError(500));
      HttpResponse<String> fellBack = chat(gw, key, "solo", false);
      assertThat(fellBack.statusCode()).as(fellBack.body()).isEqualTo(200);
      assertThat(fellBack.headers().firstValue("x-litellm-model-id")).contains("fb");
      // s fails twice, then f fails twice: the request fails.
      upstream.enqueue(upstreamError(500)).enqueue(upstreamError(500));
      second.enqueue(upstreamError(500)).enqueue(upstreamError(500));
      assertThat(chat(gw, key, "solo", false).statusCode()).isEqualTo(502);

      List<Sample> m = awaitSamples(gw, "litellm_proxy_total_requests_metric_total", 4);
      Map<String, String> a = Map.of("model_id", "a");
      Map<String, String> b = Map.of("model_id", "b");
      Map<String, String> sId = Map.of("model_id", "s");
      Map<String, String> fb = Map.of("model_id", "fb");

      // Every call to a deployment, the failed attempts before the last included.
      assertThat(
              sum(
                  m,
                  "litellm_deployment_failure_responses_total",
                  Map.of(
                      "model_id", "a",
                      "requested_model", "g",
                      "litellm_model_name", "openai/gpt-x",
                      "api_provider", "openai",
                      "exception_status", "429",
                      "exception_class", "RateLimitError",
                      "hashed_api_key", hash,
                      "api_key_alias", "ci-key")))
          .isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_total_requests_total", a)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_success_responses_total", a)).isZero();
      assertThat(sum(m, "litellm_deployment_success_responses_total", b)).isEqualTo(2.0);
      assertThat(sum(m, "litellm_deployment_total_requests_total", b)).isEqualTo(2.0);
      assertThat(
              sum(
                  m,
                  "litellm_deployment_failure_responses_total",
                  Map.of(
                      "model_id", "s",
                      "exception_status", "502",
                      "exception_class", "InternalServerError")))
          .isEqualTo(4.0);
      assertThat(sum(m, "litellm_deployment_total_requests_total", sId)).isEqualTo(4.0);
      assertThat(sum(m, "litellm_deployment_success_responses_total", fb)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_failure_responses_total", fb)).isEqualTo(2.0);
      assertThat(sum(m, "litellm_deployment_total_requests_total", fb)).isEqualTo(3.0);

      // Fallbacks, under the requested group's last failure.
      Map<String, String> fallback =
          Map.of(
              "requested_model", "solo",
              "fallback_model", "f",
              "hashed_api_key", hash,
              "api_key_alias", "ci-key",
              "exception_status", "502",
              "exception_class", "InternalServerError",
              "model_id", "None");
      assertThat(sum(m, "litellm_deployment_successful_fallbacks_total", fallback)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_failed_fallbacks_total", fallback)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_successful_fallbacks_total", Map.of())).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_failed_fallbacks_total", Map.of())).isEqualTo(1.0);
      // The proxy-level series name the group the client asked for.
      assertThat(
              sum(
                  m,
                  "litellm_proxy_total_requests_metric_total",
                  Map.of("requested_model", "solo", "status_code", "200")))
          .isEqualTo(1.0);

      // a cooled down once, on its 429; its state is an outage while it cools, s's and fb's a
      // partial one after their failures, b healthy.
      assertThat(
              sum(
                  m,
                  "litellm_deployment_cooled_down_total",
                  Map.of(
                      "model_id", "a",
                      "litellm_model_name", "openai/gpt-x",
                      "api_provider", "openai",
                      "exception_status", "429")))
          .isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_cooled_down_total", Map.of())).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_state", a)).isEqualTo(2.0);
      assertThat(sum(m, "litellm_deployment_state", b)).isZero();
      assertThat(sum(m, "litellm_deployment_state", sId)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_deployment_state", fb)).isEqualTo(1.0);
      assertThat(m.stream().filter(x -> x.name().equals("litellm_deployment_state")).count())
          .isEqualTo(4);

      // a's upstream said what remains: that, not a's own count (rpm 10 less 1, tpm 1000). b's
      // said nothing: its rpm less the two calls counted here this minute; it has no tpm.
      assertThat(sum(m, "litellm_remaining_requests", Map.of("model_id", "a", "model_group", "g")))
          .isEqualTo(0.0);
      assertThat(sum(m, "litellm_remaining_requests", b)).isEqualTo(8.0);
      assertThat(sum(m, "litellm_remaining_tokens", a)).isEqualTo(37.0);
      assertThat(m.stream().filter(x -> x.name().equals("litellm_remaining_tokens")).count())
          .isEqualTo(1);
      assertThat(m.stream().filter(x -> x.name().equals("litellm_remaining_requests")).count())
          .isEqualTo(2);

      // Latencies of served requests: the call on b for both of b's, the first streamed byte for
      // the stream only, the gateway's own time for those served on their first attempt only.
      assertThat(sum(m, "litellm_llm_api_latency_metric_count", b)).isEqualTo(2.0);
      assertThat(
              sum(
                  m,
                  "litellm_llm_api_latency_metric_bucket",
                  Map.of(
                      "model_id", "b",
                      "le", "+Inf",
                      "model", "openai/gpt-x",
                      "requested_model", "g",
                      "hashed_api_key", hash)))
          .isEqualTo(2.0);
      assertThat(sum(m, "litellm_llm_api_latency_metric_sum", b)).isPositive();
      assertThat(sum(m, "litellm_llm_api_latency_metric_count", fb)).isEqualTo(1.0);
      assertThat(sum(m, "litellm_llm_api_latency_metric_count", sId)).isZero();
      assertThat(sum(m, "litellm_llm_api_time_to_first_token_metric_count", Map.of()))
          .isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "litellm_llm_api_time_to_first_token_metric_bucket",
                  Map.of("model_id", "b", "le", "+Inf")))
          .isEqualTo(1.0);
      assertThat(sum(m, "litellm_llm_api_time_to_first_token_metric_sum", b)).isPositive();
      assertThat(sum(m, "litellm_overhead_latency_metric_count", Map.of())).isEqualTo(1.0);
      assertThat(
              sum(
                  m,
                  "litellm_overhead_latency_metric_count",
                  Map.of(
                      "model_id", "b",
                      "model_group", "g",
                      "litellm_model_name", "openai/gpt-x",
                      "api_provider", "openai")))
          .isEqualTo(1.0);
      assertThat(sum(m, "litellm_overhead_latency_metric_bucket", Map.of("le", "+Inf")))
          .isEqualTo(1.0);
      for (String h :
          List.of(
              "litellm_llm_api_latency_metric_bucket",
              "litellm_llm_api_time_to_first_token_metric_bucket",
              "litellm_overhead_latency_metric_bucket")) {
        assertThat(
                m.stream()
                    .filter(x -> x.name().equals(h))
                    .map(x -> x.labels().get("le"))
                    .distinct()
                    .toList())
            .as(h)
            .containsExactlyElementsOf(LATENCY_LE);
      }
      assertThat(sum(m, "litellm_deployment_latency_per_output_token_count", b)).isEqualTo(2.0);
      assertThat(sum(m, "litellm_deployment_latency_per_output_token_count", fb)).isEqualTo(1.0);
      assertThat(
              m.stream()
                  .filter(
                      x -> x.name().equals("litellm_deployment_latency_per_output_token_bucket"))
                  .map(x -> x.labels().get("le"))
                  .distinct()
                  .toList())
          .containsExactly(
              "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5",
              "5.0", "7.5", "10.0", "+Inf");
    }
  }

  @Test
  void prometheusMetricsConfig_keepsOnlyTheNamedMetrics_withTheIncludedLabels() throws Exception {
    String yaml =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["prometheus"]
              prometheus_metrics_config:
                - group: traffic
                  metrics: [litellm_proxy_total_requests_metric]
                  include_labels: [status_code, requested_model]
                - group: deployments
                  metrics: [litellm_deployment_state]
            """;
    try (TestGateway gw = TestGateway.start(yaml)) {
      String key = ok(gw.post("/key/generate", "{\"max_budget\": 5}")).path("key").asText();
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);
      List<Sample> m = awaitSamples(gw, "litellm_proxy_total_requests_metric_total", 1);
      List<Sample> total =
          m.stream()
              .filter(x -> x.name().equals("litellm_proxy_total_requests_metric_total"))
              .toList();
      assertThat(total).hasSize(1);
      assertThat(total.get(0).labels())
          .containsExactly(Map.entry("requested_model", "custom"), Map.entry("status_code", "200"));
      assertThat(total.get(0).value()).isEqualTo(1.0);
      assertThat(
              m.stream()
                  .filter(x -> x.name().equals("litellm_deployment_state"))
                  .map(x -> x.labels().keySet())
                  .distinct()
                  .toList())
          .containsExactly(
              java.util.Set.of("litellm_model_name", "model_id", "api_base", "api_provider"));
      assertThat(sum(m, "litellm_deployment_state", Map.of("model_id", "custom-1"))).isZero();
      // Metrics no group names are not exported; Tollgate's own always are.
      assertThat(m.stream().map(Sample::name).filter(n -> n.startsWith("litellm_")).distinct())
          .containsExactlyInAnyOrder(
              "litellm_proxy_total_requests_metric_total", "litellm_deployment_state");
      assertThat(m).anySatisfy(x -> assertThat(x.name()).isEqualTo("tollgate_reservations_open"));
    }
  }

  record Sample(String name, Map<String, String> labels, double value) {}

  static List<Sample> samples(String exposition) {
    Pattern line =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\d+)?$");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    List<Sample> out = new java.util.ArrayList<>();
    for (String l : exposition.split("\n")) {
      if (l.isBlank() || l.startsWith("#")) {
        continue;
      }
      Matcher x = line.matcher(l);
      assertThat(x.matches()).as("a sample line: " + l).isTrue();
      Map<String, String> labels = new LinkedHashMap<>();
      if (x.group(3) != null) {
        Matcher lm = label.matcher(x.group(3));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2));
        }
      }
      out.add(new Sample(x.group(1), labels, Double.parseDouble(x.group(4))));
    }
    return out;
  }

  /** The sum of a metric's samples whose labels include every pair of {@code match}. */
  static double sum(List<Sample> samples, String name, Map<String, String> match) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(match.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  /**
   * Scrapes until {@code name} adds up to {@code total}: the series are counted off the request
   * path.
   */
  static List<Sample> awaitSamples(TestGateway gw, String name, double total) throws Exception {
    List<Sample> m = List.of();
    for (int i = 0; i < 500; i++) {
      HttpResponse<String> r = gw.get("/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      m = samples(r.body());
      if (sum(m, name, Map.of()) >= total) {
        return m;
      }
      Thread.sleep(10);
    }
    assertThat(sum(m, name, Map.of())).isEqualTo(total);
    return m;
  }

  @Test
  void metrics_needAnAdminKey_unlessConfiguredOpen_andAreOffByDefault() throws Exception {
    String on =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              callbacks: ["prometheus"]
            """;
    try (TestGateway gw = TestGateway.start(on)) {
      String user = ok(gw.post("/key/generate", "{}")).path("key").asText();
      assertThat(get(gw, null).statusCode()).isEqualTo(401);
      HttpResponse<String> notAdmin = get(gw, user);
      assertThat(notAdmin.statusCode()).isEqualTo(403);
      assertThat(notAdmin.body()).contains("require_auth_for_metrics_endpoint");
    }
    String open =
        MODELS.formatted(upstream.apiBase())
            + """
            litellm_settings:
              success_callback: ["prometheus"]
              require_auth_for_metrics_endpoint: false
            """;
    try (TestGateway gw = TestGateway.start(open)) {
      HttpResponse<String> r = get(gw, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("tollgate_reservations_open");
    }
    try (TestGateway gw = TestGateway.start(MODELS.formatted(upstream.apiBase()))) {
      assertThat(gw.get("/metrics").statusCode()).isEqualTo(404);
    }
  }

  /** Each sample line as {@code name{labels}} (labels sorted by name, as written) to its value. */
  static Map<String, Double> parse(String exposition) {
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})?\\s+(\\S+)(\\s+\\d+)?$");
    Map<String, Double> out = new LinkedHashMap<>();
    for (String l : exposition.split("\n")) {
      if (l.isBlank() || l.startsWith("#")) {
        continue;
      }
      Matcher x = line.matcher(l);
      assertThat(x.matches()).as("a sample line: " + l).isTrue();
      String labels = x.group(2) == null ? "" : x.group(2);
      out.put(x.group(1) + labels, Double.parseDouble(x.group(3)));
    }
    return out;
  }

  static HttpResponse<String> get(TestGateway gw, @org.jspecify.annotations.Nullable String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/metrics")).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return gw.send(b.build());
  }

  static HttpResponse<String> chat(TestGateway gw, String key) {
    return chat(gw, key, "custom", false);
  }

  static HttpResponse<String> chat(TestGateway gw, String key, String model, boolean stream) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .header("User-Agent", "metrics-it/1.0")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  static void awaitKeySpend(TestGateway gw, String key, BigDecimal expected) throws Exception {
    BigDecimal spend = BigDecimal.ZERO;
    for (int i = 0; i < 500; i++) {
      spend = ok(gw.get("/key/info?key=" + key)).path("info").path("spend").decimalValue();
      if (spend.compareTo(expected) == 0) {
        return;
      }
      Thread.sleep(10);
    }
    assertThat(spend).isEqualByComparingTo(expected);
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }
}
