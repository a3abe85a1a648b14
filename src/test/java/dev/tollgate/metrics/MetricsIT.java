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
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
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
