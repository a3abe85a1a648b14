package dev.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.FakeOpenAi;
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
          .contains("0.005", "600.0", "+Inf");
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
