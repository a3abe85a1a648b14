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
        .startsWith("Budget has been exceeded! Current cost: 0.000148, Max budget: 0.0001. ")
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

  // --- deployment budgets -----------------------------------------------------------------------

  static String served(HttpResponse<String> r) {
    admitted(r);
    return r.headers().firstValue("x-litellm-model-id").orElseThrow();
  }

  @Test
  void deploymentBudget_spent_routerPassesItOverThen429NamesIt_andItHoldsAcrossARestart()
      throws Exception {
    // Two more deployments in config()'s model_list.
    String yaml =
        config(
            """
            - model_name: pair
              litellm_params: {model: openai/acme-a, api_base: %1$s, %2$s,
                               max_budget: 0.0001, budget_duration: 1d}
              model_info: {id: pair-a}
            - model_name: pair
              litellm_params: {model: openai/acme-b, api_base: %1$s, %2$s, max_budget: "0.0001"}
              model_info: {id: pair-b}
            """
                .formatted(upstream.apiBase(), PRICE)
                .indent(2));
    start(yaml);
    String key = newKey("{}");
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (int i = 0; i < 4; i++) {
      counts.merge(served(chat(key, "pair", "")), 1, Integer::sum);
    }
    // Each deployment served until its own budget was spent: two requests each, whatever the
    // random order, as the router moved past the one that was spent.
    assertThat(counts).containsEntry("pair-a", 2).containsEntry("pair-b", 2);
    JsonNode err = refused(chat(key, "pair", ""), "budget_exceeded", "deployment_budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("(deployment level)")
        .containsPattern("deployment 'pair-[ab]' \\(openai/acme-[ab]\\)")
        .contains("has spent 0.000148 USD")
        .contains("max_budget 0.0001 USD");
    // Nobody else's budget was touched: the key is not blocked on another model.
    admitted(chat(key, "custom", ""));

    JsonNode a = get("/v1/model/info?litellm_model_id=pair-a").path("data").path(0);
    assertThat(a.path("model_info").path("id").asText()).isEqualTo("pair-a");
    assertThat(a.path("litellm_params").path("max_budget").decimalValue())
        .isEqualByComparingTo("0.0001");
    assertThat(a.path("litellm_params").path("budget_duration").asText()).isEqualTo("1d");

    // Deployment spend is counted like any other budget's: it survives a restart.
    g().close();
    gw = null;
    start(yaml);
    refused(chat(key, "pair", ""), "budget_exceeded", "deployment_budget_exceeded");

    // pair-a's window ends at midnight; pair-b's budget is for its lifetime.
    clock.set(Instant.parse("2026-03-11T00:00:00Z"));
    assertThat(served(chat(key, "pair", ""))).isEqualTo("pair-a");
    assertThat(served(chat(key, "pair", ""))).isEqualTo("pair-a");
    assertThat(
            refused(chat(key, "pair", ""), "budget_exceeded", "deployment_budget_exceeded")
                .path("message")
                .asText())
        .containsAnyOf("it does not reset", "it resets at 2026-03-12T00:00:00Z");
  }

  @Test
  void deploymentBudget_setThroughModelNewAndUpdate_appliesToTheNextRequest() throws Exception {
    start(config(""));
    JsonNode created =
        post(
            "/model/new",
            """
            {"model_name": "api-model",
             "litellm_params": {"model": "openai/acme-api", "api_base": "%s", %s,
                                "max_budget": 0.0001, "budget_duration": "1d"},
             "model_info": {"id": "api-1"}}
            """
                .formatted(
                    upstream.apiBase(),
                    "\"input_cost_per_token\": 0.000002, \"output_cost_per_token\": 0.00001"));
    assertThat(created.path("litellm_params").path("max_budget").decimalValue())
        .isEqualByComparingTo("0.0001");
    String key = newKey("{}");
    admitted(chat(key, "api-model", ""));
    admitted(chat(key, "api-model", ""));
    JsonNode err =
        refused(chat(key, "api-model", ""), "budget_exceeded", "deployment_budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("deployment 'api-1' (openai/acme-api)")
        .contains("resets at 2026-03-11T00:00:00Z");

    post(
        "/model/update",
        "{\"model_info\": {\"id\": \"api-1\"}, \"litellm_params\": {\"max_budget\": 1}}");
    admitted(chat(key, "api-model", ""));

    HttpResponse<String> bad =
        g().post(
                "/model/update",
                "{\"model_info\": {\"id\": \"api-1\"}, \"litellm_params\": {\"max_budget\": -1}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("max_budget");
  }

  // --- provider budgets -------------------------------------------------------------------------

  @Test
  void providerBudget_spent_routerPassesItsDeploymentsOverThen429NamesIt() throws Exception {
    start(
        """
        model_list:
          - model_name: custom
            litellm_params: {model: openai/acme-internal, api_base: %1$s, %2$s}
            model_info: {id: custom-1}
          - model_name: mixed
            litellm_params: {model: openai/acme-m, api_base: %1$s, %2$s}
            model_info: {id: mixed-openai}
          - model_name: mixed
            litellm_params: {model: hosted_vllm/acme-m, api_base: %1$s, %2$s}
            model_info: {id: mixed-vllm}
        router_settings:
          provider_budget_config:
            openai: {budget_limit: 0.0001, time_period: 1d}
            hosted_vllm: {budget_limit: 0.0001, time_period: 1h}
        """
            .formatted(upstream.apiBase(), PRICE));
    String key = newKey("{}");
    // Spend on one group counts for its provider in every group.
    admitted(chat(key, "custom", ""));
    admitted(chat(key, "custom", ""));
    assertThat(served(chat(key, "mixed", ""))).isEqualTo("mixed-vllm");
    assertThat(served(chat(key, "mixed", ""))).isEqualTo("mixed-vllm");
    JsonNode err = refused(chat(key, "mixed", ""), "budget_exceeded", "provider_budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("(provider level)")
        .containsPattern(
            "provider '(openai|hosted_vllm)' \\(router_settings.provider_budget_config\\)")
        .contains("has spent 0.000148 USD")
        .contains("max_budget 0.0001 USD");
    assertThat(
            refused(chat(key, "custom", ""), "budget_exceeded", "provider_budget_exceeded")
                .path("message")
                .asText())
        .contains("provider 'openai'")
        .contains("resets at 2026-03-11T00:00:00Z");

    // hosted_vllm's window is an hour; openai's a day.
    clock.set(Instant.parse("2026-03-10T13:00:00Z"));
    assertThat(served(chat(key, "mixed", ""))).isEqualTo("mixed-vllm");
    refused(chat(key, "custom", ""), "budget_exceeded", "provider_budget_exceeded");
  }

  // --- team members -----------------------------------------------------------------------------

  @Test
  void memberBudget_withoutItsOwnDuration_resetsWithTheTeamsBudgetDuration() throws Exception {
    start(config(""));
    post("/team/new", "{\"team_id\": \"qa\", \"max_budget\": 10, \"budget_duration\": \"1d\"}");
    post(
        "/team/member_add",
        "{\"team_id\": \"qa\", \"member\": {\"user_id\": \"bob\", \"role\": \"user\"},"
            + " \"max_budget_in_team\": 0.0001}");
    String bob = newKey("{\"team_id\": \"qa\", \"user_id\": \"bob\"}");
    admitted(chat(bob, "custom", ""));
    admitted(chat(bob, "custom", ""));
    JsonNode err =
        refused(chat(bob, "custom", ""), "budget_exceeded", "team_member_budget_exceeded");
    assertThat(err.path("message").asText())
        .contains("member 'bob'")
        .contains("resets at 2026-03-11T00:00:00Z");
    JsonNode budget =
        post("/team/member_update", "{\"team_id\": \"qa\", \"user_id\": \"bob\"}").path("budget");
    assertThat(budget.path("budget_duration").asText()).isEqualTo("1d");

    clock.set(Instant.parse("2026-03-11T00:00:00Z"));
    admitted(chat(bob, "custom", ""));
  }

  @Test
  void memberUpdate_budgetDuration_isTheMembersOwnWindow() throws Exception {
    start(config(""));
    post("/team/new", "{\"team_id\": \"qa\", \"budget_duration\": \"1d\"}");
    post(
        "/team/member_add",
        "{\"team_id\": \"qa\", \"member\": {\"user_id\": \"bob\", \"role\": \"user\"}}");
    JsonNode m =
        post(
            "/team/member_update",
            "{\"team_id\": \"qa\", \"user_id\": \"bob\", \"max_budget_in_team\": 0.0001,"
                + " \"budget_duration\": \"1h\"}");
    assertThat(m.path("budget_duration").asText()).isEqualTo("1h");
    assertThat(m.path("budget").path("budget_reset_at").asText()).isEqualTo("2026-03-10T13:00:00Z");
    String bob = newKey("{\"team_id\": \"qa\", \"user_id\": \"bob\"}");
    admitted(chat(bob, "custom", ""));
    admitted(chat(bob, "custom", ""));
    refused(chat(bob, "custom", ""), "budget_exceeded", "team_member_budget_exceeded");
    clock.set(Instant.parse("2026-03-10T13:00:00Z"));
    admitted(chat(bob, "custom", ""));

    HttpResponse<String> bad =
        g().post(
                "/team/member_update",
                "{\"team_id\": \"qa\", \"user_id\": \"bob\", \"budget_duration\": \"soon\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("budget_duration");
  }
}
