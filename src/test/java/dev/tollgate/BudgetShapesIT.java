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
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LiteLLM's budget fields in each of their shapes, over real HTTP against the real gateway on a
 * clock the test controls: {@code model_max_budget} entries as a number, as {@code BudgetConfig}
 * and as the {@code budget_limit}/{@code time_period} aliases. Every "custom" request costs
 * 0.000074 USD (12 input tokens at 0.000002, 5 output tokens at 0.00001), so a budget of 0.0001
 * admits two requests and refuses the third.
 */
class BudgetShapesIT {
  FakeOpenAi upstream;
  @Nullable TestGateway gw;
  Path dir;
  // Noon, so that a 1d window ends at the next midnight (UTC).
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:30Z"));

  @BeforeEach
  void up() throws Exception {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    dir = Files.createTempDirectory("tollgate-shapes");
  }

  @AfterEach
  void down() {
    if (gw != null) {
      gw.close();
    }
    upstream.close();
  }

  static final String PRICE = "input_cost_per_token: 0.000002, output_cost_per_token: 0.00001";

  String config(String extra) {
    return """
        model_list:
          - model_name: custom
            litellm_params: {model: openai/acme-internal, api_base: %1$s, %2$s}
            model_info: {id: custom-1}
          - model_name: other
            litellm_params: {model: openai/acme-other, api_base: %1$s, %2$s}
            model_info: {id: other-1}
        %3$s
        """
        .formatted(upstream.apiBase(), PRICE, extra);
  }

  TestGateway start(String yaml) {
    gw = TestGateway.start(yaml, Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY), dir, clock);
    return gw;
  }

  TestGateway g() {
    return java.util.Objects.requireNonNull(gw);
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  JsonNode post(String path, String body) throws Exception {
    return ok(g().post(path, body));
  }

  JsonNode get(String path) throws Exception {
    return ok(g().get(path));
  }

  String newKey(String body) throws Exception {
    return post("/key/generate", body).path("key").asText();
  }

  HttpResponse<String> chat(String key, String model, String extra) {
    return g().send(
            HttpRequest.newBuilder(g().uri("/v1/chat/completions"))
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

  static void admitted(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** The error of a 429, after checking its type and code. */
  static JsonNode refused(HttpResponse<String> r, String type, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo(type);
    assertThat(err.path("code").asText()).isEqualTo(code);
    return err;
  }

  // --- model_max_budget -------------------------------------------------------------------------

  /** One entry in each of LiteLLM's shapes. */
  static final String SHAPES =
      """
      {"bare": 10.5,
       "config": {"max_budget": 10, "budget_duration": "1d", "tpm_limit": 1000, "rpm_limit": 10},
       "aliases": {"budget_limit": "0.0001", "time_period": "1d"},
       "rates": {"rpm_limit": 5}}""";

  /** What LiteLLM returns for {@link #SHAPES}: each entry as it was written. */
  static void assertShapes(JsonNode m) {
    assertThat(m.path("bare").isNumber()).as(m.toString()).isTrue();
    assertThat(m.path("bare").decimalValue()).isEqualByComparingTo("10.5");
    JsonNode config = m.path("config");
    assertThat(config.path("max_budget").decimalValue()).isEqualByComparingTo("10");
    assertThat(config.path("budget_duration").asText()).isEqualTo("1d");
    assertThat(config.path("tpm_limit").asLong()).isEqualTo(1000);
    assertThat(config.path("rpm_limit").asLong()).isEqualTo(10);
    assertThat(config.has("budget_limit")).isFalse();
    JsonNode aliases = m.path("aliases");
    assertThat(aliases.path("budget_limit").decimalValue()).isEqualByComparingTo("0.0001");
    assertThat(aliases.path("time_period").asText()).isEqualTo("1d");
    assertThat(aliases.has("max_budget")).isFalse();
    assertThat(m.path("rates").toString()).isEqualTo("{\"rpm_limit\":5}");
  }

  @Test
  void modelMaxBudget_eachShapeOnEveryEndpoint_isAcceptedAndReadsBackAsWritten() throws Exception {
    start(config(""));
    String body = "\"model_max_budget\": " + SHAPES;

    String key = newKey("{" + body + "}");
    assertShapes(get("/key/info?key=" + key).path("info").path("model_max_budget"));
    post("/key/update", "{\"key\": \"" + key + "\", \"model_max_budget\": null}");
    assertThat(get("/key/info?key=" + key).path("info").path("model_max_budget").size()).isZero();
    post("/key/update", "{\"key\": \"" + key + "\", " + body + "}");
    assertShapes(get("/key/info?key=" + key).path("info").path("model_max_budget"));

    post("/user/new", "{\"user_id\": \"u1\", \"auto_create_key\": false, " + body + "}");
    assertShapes(get("/user/info?user_id=u1").path("user_info").path("model_max_budget"));
    post("/user/new", "{\"user_id\": \"u2\", \"auto_create_key\": false}");
    post("/user/update", "{\"user_id\": \"u2\", " + body + "}");
    assertShapes(get("/user/info?user_id=u2").path("user_info").path("model_max_budget"));

    post("/customer/new", "{\"user_id\": \"c1\", " + body + "}");
    assertShapes(get("/customer/info?end_user_id=c1").path("model_max_budget"));
    post("/customer/new", "{\"user_id\": \"c2\", \"max_budget\": 1}");
    post("/customer/update", "{\"user_id\": \"c2\", " + body + "}");
    assertShapes(get("/customer/info?end_user_id=c2").path("model_max_budget"));

    post("/budget/new", "{\"budget_id\": \"b1\", \"max_budget\": 1, " + body + "}");
    assertShapes(get("/budget/info?budget_id=b1").path("model_max_budget"));
    post("/budget/new", "{\"budget_id\": \"b2\", \"max_budget\": 1}");
    post("/budget/update", "{\"budget_id\": \"b2\", " + body + "}");
    assertShapes(get("/budget/info?budget_id=b2").path("model_max_budget"));

    // Stored as written: a restart on the same store reads every shape back the same way.
    g().close();
    gw = null;
    start(config(""));
    assertShapes(get("/key/info?key=" + key).path("info").path("model_max_budget"));
    assertShapes(get("/budget/info?budget_id=b1").path("model_max_budget"));
  }

  @Test
  void modelMaxBudget_ambiguousOrEmptyEntry_400NamingTheField() throws Exception {
    start(config(""));
    HttpResponse<String> both =
        g().post(
                "/key/generate",
                "{\"model_max_budget\": {\"m\": {\"max_budget\": 1, \"budget_limit\": 2}}}");
    assertThat(both.statusCode()).isEqualTo(400);
    assertThat(both.body()).contains("model_max_budget.m").contains("max_budget", "budget_limit");
    HttpResponse<String> empty =
        g().post("/user/new", "{\"model_max_budget\": {\"m\": {\"budget_duration\": \"1d\"}}}");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body()).contains("model_max_budget.m needs max_budget");
    HttpResponse<String> unknown =
        g().post("/budget/new", "{\"model_max_budget\": {\"m\": {\"max_budgets\": 1}}}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("max_budgets");
  }

  @Test
  void modelMaxBudget_budgetConfigShape_blocksThatModelUntilItsWindowResets() throws Exception {
    start(config(""));
    String key =
        newKey(
            "{\"model_max_budget\": {\"custom\": {\"max_budget\": 0.0001,"
                + " \"budget_duration\": \"1d\"}}}");
    admitted(chat(key, "custom", ""));
    admitted(chat(key, "custom", ""));
    JsonNode err = refused(chat(key, "custom", ""), "budget_exceeded", "key_model_budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("for model 'custom'")
        .contains("has spent 0.000148 USD")
        .contains("max_budget 0.0001 USD")
        .contains("resets at 2026-03-11T00:00:00Z");
    admitted(chat(key, "other", ""));

    clock.set(Instant.parse("2026-03-11T00:00:00Z"));
    admitted(chat(key, "custom", ""));
  }

  @Test
  void modelMaxBudget_perModelRpmAndTpm_areRateLimitsOfThatModel() throws Exception {
    start(config(""));
    String key = newKey("{\"model_max_budget\": {\"custom\": {\"rpm_limit\": 1}}}");
    admitted(chat(key, "custom", ""));
    JsonNode err =
        refused(chat(key, "custom", ""), "rate_limit_exceeded", "key_model_rpm_limit_exceeded");
    assertThat(err.path("message").asText()).contains("for model 'custom'").contains("rpm_limit 1");
    admitted(chat(key, "other", ""));

    // A customer's entry, in the alias shape beside a budget: its tpm_limit holds the model.
    post(
        "/customer/new",
        "{\"user_id\": \"c1\", \"model_max_budget\": {\"custom\": {\"budget_limit\": 5,"
            + " \"time_period\": \"1d\", \"tpm_limit\": 10}}}");
    String plain = newKey("{}");
    admitted(chat(plain, "custom", ",\"user\":\"c1\",\"max_tokens\":1"));
    refused(
        chat(plain, "custom", ",\"user\":\"c1\",\"max_tokens\":1"),
        "rate_limit_exceeded",
        "customer_model_tpm_limit_exceeded");
    admitted(chat(plain, "other", ",\"user\":\"c1\",\"max_tokens\":1"));

    // The next minute is a new window.
    clock.set(Instant.parse("2026-03-10T12:01:00Z"));
    admitted(chat(key, "custom", ""));
    admitted(chat(plain, "custom", ",\"user\":\"c1\",\"max_tokens\":1"));
  }
}
