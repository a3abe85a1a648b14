package dev.tollgate.admin;

import static dev.tollgate.admin.LiteLlmDropInIT.find;
import static dev.tollgate.admin.LiteLlmDropInIT.json;
import static dev.tollgate.admin.LiteLlmDropInIT.ok;
import static dev.tollgate.admin.LiteLlmDropInIT.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What LiteLLM's own clients and test scripts rely on, over real HTTP against a real gateway (on
 * SQLite, with LiteLLM's documentation master key {@code sk-1234}) and a scripted OpenAI upstream:
 * what a plain key may read, LiteLLM's response fields, its introspection routes, and its
 * request-level testing fields, which must act inside the gateway and never reach the provider.
 */
@SuppressWarnings("NullAway.Init") // set in @BeforeAll
class LiteLlmFidelityIT {
  /** LiteLLM's documentation's master key: shorter than an imported key may be, accepted here. */
  static final String MASTER = "sk-1234";

  static FakeOpenAi upstream;
  static TestGateway gw;
  static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: priced
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s,
                                 api_key: sk-upstream-secret-value,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: backup
                litellm_params: {model: openai/gpt-4o, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: slow
                litellm_params: {model: openai/gpt-slow, api_base: %1$s, timeout: 0.05,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            router_settings:
              num_retries: 1
              disable_cooldowns: true
            general_settings:
              dangerously_allow_mock_testing_request_params: true
            litellm_settings:
              callbacks: ["prometheus"]
            """
                .formatted(upstream.apiBase()),
            Map.of("TOLLGATE_MASTER_KEY", MASTER));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  // --- what a plain key reads --------------------------------------------------------------------

  @Test
  void plainTeamKey_readsItsKeyTeamAndModels_notAnotherKeyOrTeam() throws Exception {
    String team = "t-fid-" + SEQ.incrementAndGet();
    ok(
        as(
            MASTER,
            "POST",
            "/team/new",
            "{\"team_id\": \"" + team + "\", \"models\": [\"priced\"]}"));
    ok(as(MASTER, "POST", "/team/new", "{\"team_id\": \"" + team + "-other\"}"));
    String mine = key("{\"team_id\": \"" + team + "\", \"models\": [\"priced\"]}");
    String sibling = key("{\"team_id\": \"" + team + "\"}");

    // Its own key: with no key named, or named.
    JsonNode self = ok(as(mine, "GET", "/key/info", null));
    assertThat(self.path("key").asText()).isEqualTo(KeySecrets.hash(mine));
    assertThat(ok(as(mine, "GET", "/key/info?key=" + mine, null)).path("key").asText())
        .isEqualTo(KeySecrets.hash(mine));
    // Another key, even of its own team, stays refused.
    assertThat(as(mine, "GET", "/key/info?key=" + sibling, null).statusCode()).isEqualTo(403);

    // Its team, showing only itself among the team's keys; another team is refused.
    JsonNode info = ok(as(mine, "GET", "/team/info?team_id=" + team, null));
    assertThat(info.path("team_info").path("team_id").asText()).isEqualTo(team);
    assertThat(info.path("keys").size()).isEqualTo(1);
    assertThat(info.path("keys").get(0).path("token").asText()).isEqualTo(KeySecrets.hash(mine));
    assertThat(as(mine, "GET", "/team/info?team_id=" + team + "-other", null).statusCode())
        .isEqualTo(403);

    // The models it may call, and no secret of theirs.
    JsonNode models = ok(as(mine, "GET", "/model/info", null));
    assertThat(models.path("data").size()).as(models.toString()).isEqualTo(1);
    JsonNode priced = models.path("data").get(0);
    assertThat(priced.path("model_name").asText()).isEqualTo("priced");
    assertThat(priced.path("litellm_params").has("api_key")).isFalse();
    assertThat(models.toString()).doesNotContain("sk-upstream-secret-value");
    JsonNode groups = ok(as(mine, "GET", "/model_group/info", null));
    assertThat(groups.path("data").size()).isEqualTo(1);
    assertThat(groups.path("data").get(0).path("model_group").asText()).isEqualTo("priced");
    // Another group's deployment is answered as if it did not exist.
    String backupId =
        find(ok(as(MASTER, "GET", "/model/info", null)).path("data"), "model_name", "backup")
            .path("model_info")
            .path("id")
            .asText();
    assertThat(as(mine, "GET", "/model/info?litellm_model_id=" + backupId, null).statusCode())
        .isEqualTo(404);
    assertThat(ok(as(MASTER, "GET", "/model/info", null)).path("data").size()).isEqualTo(3);
  }

  @Test
  void userKey_readsItsOwnUser_notAnother() throws Exception {
    String user = "u-fid-" + SEQ.incrementAndGet();
    ok(
        as(
            MASTER,
            "POST",
            "/user/new",
            "{\"user_id\": \"" + user + "\", \"auto_create_key\": false}"));
    String k = key("{\"user_id\": \"" + user + "\"}");
    assertThat(ok(as(k, "GET", "/user/info", null)).path("user_id").asText()).isEqualTo(user);
    assertThat(ok(as(k, "GET", "/user/info?user_id=" + user, null)).path("user_id").asText())
        .isEqualTo(user);
    assertThat(as(k, "GET", "/user/info?user_id=u-someone-else", null).statusCode()).isEqualTo(403);
    // A key without a user has no user to read.
    assertThat(as(key("{}"), "GET", "/user/info", null).statusCode()).isEqualTo(403);
  }

  @Test
  void anthropicAndGoogleKeyHeaders_authenticateManagementRoutes() throws Exception {
    String k = key("{}");
    for (String header : new String[] {"x-api-key", "x-goog-api-key", "x-litellm-api-key"}) {
      HttpResponse<String> r =
          gw.send(HttpRequest.newBuilder(gw.uri("/key/info")).header(header, k).GET().build());
      assertThat(r.statusCode()).as(header + ": " + r.body()).isEqualTo(200);
      assertThat(json(r).path("key").asText()).isEqualTo(KeySecrets.hash(k));
    }
  }

  // --- LiteLLM's response fields -----------------------------------------------------------------

  @Test
  void keyGenerate_answersTokenIdAsTheHash() throws Exception {
    JsonNode made = ok(as(MASTER, "POST", "/key/generate", "{}"));
    assertThat(made.path("token_id").asText())
        .isEqualTo(KeySecrets.hash(made.path("key").asText()))
        .isEqualTo(made.path("token").asText());
  }

  @Test
  void teamAndOrganization_carryLiteLlmBudgetTable_nullWithoutABudget() throws Exception {
    String n = Integer.toString(SEQ.incrementAndGet());
    JsonNode plain = ok(as(MASTER, "POST", "/team/new", "{\"team_id\": \"t-plain-" + n + "\"}"));
    assertThat(plain.has("litellm_budget_table")).isTrue();
    assertThat(plain.path("litellm_budget_table").isNull()).isTrue();

    JsonNode team =
        ok(
            as(
                MASTER,
                "POST",
                "/team/new",
                "{\"team_id\": \"t-budget-"
                    + n
                    + "\", \"max_budget\": 2.5, \"budget_duration\": \"1d\", \"rpm_limit\": 7}"));
    JsonNode table = team.path("litellm_budget_table");
    assertThat(table.path("max_budget").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(table.path("budget_duration").asText()).isEqualTo("1d");
    assertThat(table.path("rpm_limit").asLong()).isEqualTo(7);
    assertThat(table.path("budget_reset_at").asText()).isNotEmpty();

    JsonNode org =
        ok(
            as(
                MASTER,
                "POST",
                "/organization/new",
                "{\"organization_alias\": \"o-" + n + "\", \"max_budget\": 9}"));
    assertThat(org.path("litellm_budget_table").path("max_budget").decimalValue())
        .isEqualByComparingTo("9");
    JsonNode orgInfo =
        ok(
            as(
                MASTER,
                "GET",
                "/organization/info?organization_id=" + org.path("organization_id").asText(),
                null));
    assertThat(orgInfo.path("litellm_budget_table").path("max_budget").decimalValue())
        .isEqualByComparingTo("9");
  }

  @Test
  void budgetWithDuration_hasBudgetResetAt_lifetimeBudgetHasNull() throws Exception {
    String n = Integer.toString(SEQ.incrementAndGet());
    JsonNode daily =
        ok(
            as(
                MASTER,
                "POST",
                "/budget/new",
                "{\"budget_id\": \"b-day-"
                    + n
                    + "\", \"max_budget\": 1, \"budget_duration\": \"1d\"}"));
    assertThat(daily.path("budget_reset_at").asText()).endsWith("T00:00:00Z");
    JsonNode lifetime =
        ok(
            as(
                MASTER,
                "POST",
                "/budget/new",
                "{\"budget_id\": \"b-life-" + n + "\", \"max_budget\": 1}"));
    assertThat(lifetime.has("budget_reset_at")).isTrue();
    assertThat(lifetime.path("budget_reset_at").isNull()).isTrue();
    JsonNode listed = find(ok(as(MASTER, "GET", "/budget/list", null)), "budget_id", "b-day-" + n);
    assertThat(listed.path("budget_reset_at").asText())
        .isEqualTo(daily.path("budget_reset_at").asText());
  }

  @Test
  void readiness_saysTheLiteLlmVersionToAnyone_andTollgatesToAdmins() throws Exception {
    JsonNode anyone =
        json(gw.send(HttpRequest.newBuilder(gw.uri("/health/readiness")).GET().build()));
    assertThat(anyone.path("litellm_version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(anyone.has("tollgate_version")).isFalse();
    JsonNode admin = ok(as(MASTER, "GET", "/health/readiness", null));
    assertThat(admin.path("litellm_version").asText())
        .isEqualTo(anyone.path("litellm_version").asText());
    assertThat(admin.path("tollgate_version").asText()).isNotEmpty();
  }

  // --- introspection routes ----------------------------------------------------------------------

  @Test
  void routes_listsTheGatewaysRoutesInLiteLlmsShape() throws Exception {
    JsonNode routes = ok(as(MASTER, "GET", "/routes", null)).path("routes");
    JsonNode keyInfo = find(routes, "path", "/key/info");
    assertThat(strings(keyInfo.path("methods"))).containsExactly("GET");
    assertThat(keyInfo.path("name").asText()).isEqualTo("key_info");
    assertThat(strings(find(routes, "path", "/v1/chat/completions").path("methods")))
        .contains("POST");
    find(routes, "path", "/routes");
    assertThat(as(key("{}"), "GET", "/routes", null).statusCode()).isEqualTo(403);
  }

  @Test
  void activeCallbacks_namesTheCallbacksThatAct() throws Exception {
    JsonNode cb = ok(as(MASTER, "GET", "/active/callbacks", null));
    assertThat(strings(cb.path("litellm.callbacks"))).containsExactly("prometheus");
    assertThat(strings(cb.path("all_litellm_callbacks"))).containsExactly("prometheus");
    assertThat(cb.path("num_callbacks").asInt()).isEqualTo(1);
    assertThat(cb.path("alerting").asText()).isEqualTo("None");
    assertThat(cb.path("litellm.success_callback").isArray()).isTrue();
    assertThat(as(key("{}"), "GET", "/active/callbacks", null).statusCode()).isEqualTo(403);
  }

  // --- request-level testing fields --------------------------------------------------------------

  @Test
  void mockResponse_answersWithoutTheUpstream_andIsNotBilled() throws Exception {
    String k = key("{}");
    int before = upstream.received().size();
    HttpResponse<String> r =
        as(
            k,
            "POST",
            "/v1/chat/completions",
            chatBody("priced", ", \"mock_response\": \"canned answer\""));
    JsonNode answer = ok(r);
    assertThat(answer.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("canned answer");
    assertThat(new BigDecimal(r.headers().firstValue("x-litellm-response-cost").orElseThrow()))
        .isEqualByComparingTo(BigDecimal.ZERO);

    HttpResponse<String> streamed =
        as(
            k,
            "POST",
            "/v1/chat/completions",
            chatBody("priced", ", \"stream\": true, \"mock_response\": \"streamed canned\""));
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.body()).contains("\"streamed\"").contains(" canned").contains("[DONE]");
    assertThat(upstream.received().size()).isEqualTo(before);
  }

  @Test
  void mockTestingFallbacks_failsTheRequestedGroup_soTheFallbackServes() throws Exception {
    HttpResponse<String> r =
        as(
            key("{}"),
            "POST",
            "/v1/chat/completions",
            chatBody("priced", ", \"mock_testing_fallbacks\": true, \"fallbacks\": [\"backup\"]"));
    ok(r);
    assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).contains("1");
    assertThat(r.headers().firstValue("x-litellm-model-group")).contains("backup");
    FakeOpenAi.Received sent = upstream.lastReceived();
    assertThat(parse(sent.body()).path("model").asText()).isEqualTo("gpt-4o");
    assertThat(sent.body()).doesNotContain("mock_").doesNotContain("fallbacks");
  }

  @Test
  void mockTestingRateLimitError_failsTheFirstAttemptWith429_andTheRetryServes() throws Exception {
    int before = upstream.received().size();
    HttpResponse<String> r =
        as(
            key("{}"),
            "POST",
            "/v1/chat/completions",
            chatBody("priced", ", \"mock_testing_rate_limit_error\": true"));
    ok(r);
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("1");
    assertThat(upstream.received().size()).isEqualTo(before + 1);
    assertThat(upstream.lastReceived().body()).doesNotContain("mock_testing");
  }

  @Test
  void mockTimeout_timesOutEveryAttempt_withoutReachingTheUpstream() throws Exception {
    int before = upstream.received().size();
    HttpResponse<String> r =
        as(key("{}"), "POST", "/v1/chat/completions", chatBody("slow", ", \"mock_timeout\": true"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    assertThat(json(r).path("error").path("code").asText()).isEqualTo("upstream_timeout");
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("1");
    assertThat(upstream.received().size()).isEqualTo(before);
  }

  // --- helpers -----------------------------------------------------------------------------------

  static String chatBody(String model, String more) {
    return "{\"model\": \""
        + model
        + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]"
        + more
        + "}";
  }

  /** A new key made by the master key with {@code body}. */
  static String key(String body) throws Exception {
    return ok(as(MASTER, "POST", "/key/generate", body)).path("key").asText();
  }

  static HttpResponse<String> as(String key, String method, String path, @Nullable String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri(path)).header("Authorization", "Bearer " + key);
    if (body == null) {
      b.GET();
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return gw.send(b.build());
  }

  static JsonNode parse(String s) throws Exception {
    return dev.tollgate.common.Json.MAPPER.readTree(s);
  }
}
