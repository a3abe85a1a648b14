package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a team moving from LiteLLM brings and calls, over real HTTP against a real gateway on SQLite
 * and a scripted upstream: keys imported with their secret, LiteLLM-only management fields, the
 * small routes its scripts use, and {@code /spend/logs} as a list.
 */
@SuppressWarnings("NullAway.Init") // set in @BeforeAll
class LiteLlmDropInIT {
  /** 12 prompt tokens at $0.000002 and 5 completion tokens at $0.00001, the upstream's default. */
  static final BigDecimal ONE_CALL = new BigDecimal("0.000074");

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
                litellm_params: {model: openai/gpt-4o-mini, api_base: %s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            router_settings:
              num_retries: 0
            """
                .formatted(upstream.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  // --- keys brought from LiteLLM -----------------------------------------------------------------

  @Test
  void keyGenerate_existingSecret_authenticatesUnchangedAndItsSpendShows() throws Exception {
    String secret = "sk-litellmImported_" + SEQ.incrementAndGet() + "abcDEF";
    JsonNode made =
        ok(
            gw.post(
                "/key/generate",
                "{\"key\": \"" + secret + "\", \"key_alias\": \"imported\", \"max_budget\": 5}"));
    assertThat(made.path("key").asText()).isEqualTo(secret);
    assertThat(made.path("token").asText()).isEqualTo(KeySecrets.hash(secret));

    HttpResponse<String> chat = chat(secret, "[\"drop-in\"]");
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);

    // GET /spend/logs answers LiteLLM's shape, a list of rows, filtered by the key as sent.
    JsonNode rows = awaitRows("/spend/logs?api_key=" + secret, 1);
    assertThat(rows.isArray()).isTrue();
    JsonNode row = rows.get(0);
    assertThat(row.path("api_key").asText()).isEqualTo(KeySecrets.hash(secret));
    assertThat(row.path("spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    assertThat(row.path("request_tags").toString()).isEqualTo("[\"drop-in\"]");
    assertThat(ok(gw.get("/key/info?key=" + secret)).path("info").path("spend").decimalValue())
        .isEqualByComparingTo(ONE_CALL);

    // With dates, LiteLLM's per-day summary: exact sums per key, user and model.
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    JsonNode summary =
        ok(gw.get("/spend/logs?api_key=" + secret + "&start_date=2000-01-01&end_date=" + today));
    assertThat(summary.size()).as(summary.toString()).isEqualTo(1);
    JsonNode day = summary.get(0);
    assertThat(day.path("startTime").asText()).isEqualTo(today);
    assertThat(day.path("spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    assertThat(day.path(KeySecrets.hash(secret)).decimalValue()).isEqualByComparingTo(ONE_CALL);
    // Keyed as each row's model, the provider's model name.
    assertThat(day.path("models").path(row.path("model").asText()).decimalValue())
        .as(day.toString())
        .isEqualByComparingTo(ONE_CALL);
    assertThat(day.path("models").size()).isEqualTo(1);
    assertThat(day.path("unpriced_requests").asLong()).isZero();
    assertThat(
            ok(gw.get(
                    "/spend/logs?api_key="
                        + secret
                        + "&start_date=2000-01-01&end_date="
                        + today
                        + "&summarize=false"))
                .get(0)
                .path("request_id")
                .asText())
        .isEqualTo(row.path("request_id").asText());

    // The paginated object LiteLLM's UI reads moved to /spend/logs/ui.
    JsonNode page = ok(gw.get("/spend/logs/ui?api_key=" + secret));
    assertThat(page.path("total").asLong()).isEqualTo(1);
    assertThat(page.path("data").get(0).path("request_id").asText())
        .isEqualTo(row.path("request_id").asText());

    // The spend reports LiteLLM's scripts read.
    String hash = KeySecrets.hash(secret);
    JsonNode keys = ok(gw.get("/global/spend/keys"));
    JsonNode mine = find(keys, "api_key", hash);
    assertThat(mine.path("total_spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    assertThat(mine.path("key_alias").asText()).isEqualTo("imported");
    JsonNode models = ok(gw.get("/global/spend/models?limit=5"));
    assertThat(find(models, "model", "priced").path("total_spend").decimalValue())
        .isGreaterThanOrEqualTo(ONE_CALL);
    JsonNode days = ok(gw.get("/global/spend/logs?api_key=" + secret));
    assertThat(days.size()).isEqualTo(1);
    assertThat(days.get(0).path("spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    assertThat(days.get(0).path("date").asText()).matches("\\d{4}-\\d{2}-\\d{2}");
    JsonNode tags = ok(gw.get("/spend/tags"));
    JsonNode tag = find(tags, "individual_request_tag", "drop-in");
    assertThat(tag.path("log_count").asLong()).isEqualTo(1);
    assertThat(tag.path("total_spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    JsonNode perTag =
        ok(gw.get("/global/spend/tags?start_date=2000-01-01&end_date=2999-12-31&tags=drop-in"));
    assertThat(perTag.path("spend_per_tag").size()).isEqualTo(1);
    assertThat(perTag.path("spend_per_tag").get(0).path("name").asText()).isEqualTo("drop-in");
    assertThat(perTag.path("spend_per_tag").get(0).path("log_count").asLong()).isEqualTo(1);
    JsonNode spendKeys = ok(gw.get("/spend/keys"));
    assertThat(find(spendKeys, "token", hash).path("spend").decimalValue())
        .isEqualByComparingTo(ONE_CALL);
  }

  @Test
  void keyGenerate_existingSecret_refusedWhenMalformedTakenOrNotAdmin() throws Exception {
    for (String bad :
        List.of("pk-abcdefghijkl", "sk-short", "sk-has spaces in it", "sk-" + "a".repeat(257))) {
      HttpResponse<String> r = gw.post("/key/generate", "{\"key\": \"" + bad + "\"}");
      assertError(r, 400, "key");
      assertThat(r.body()).doesNotContain(bad.substring(3));
    }
    String secret = "sk-taken" + SEQ.incrementAndGet() + "xyzXYZ";
    ok(gw.post("/key/generate", "{\"key\": \"" + secret + "\"}"));
    HttpResponse<String> again = gw.post("/key/generate", "{\"key\": \"" + secret + "\"}");
    assertError(again, 409, "key");
    assertThat(again.body()).doesNotContain(secret);
    // The master key as a virtual key would authenticate as the master: no budget would apply.
    HttpResponse<String> master =
        gw.post("/key/generate", "{\"key\": \"" + TestGateway.MASTER_KEY + "\"}");
    assertError(master, 400, "key");
    assertThat(master.body()).contains("master key").doesNotContain(TestGateway.MASTER_KEY);

    String user = "u-internal-" + SEQ.incrementAndGet();
    ok(gw.post("/user/new", "{\"user_id\": \"" + user + "\", \"user_role\": \"internal_user\"}"));
    String own =
        ok(gw.post("/key/generate", "{\"user_id\": \"" + user + "\"}")).path("key").asText();
    HttpResponse<String> notAdmin =
        as(
            own,
            "POST",
            "/key/generate",
            "{\"key\": \"sk-chosen" + SEQ.incrementAndGet() + "abcdef\"}");
    assertError(notAdmin, 403, "key");
  }

  @Test
  void keyRegenerate_bodyForm_replacesTheSecret_andV2InfoReadsKeys() throws Exception {
    String old = ok(gw.post("/key/generate", "{\"key_alias\": \"rotating\"}")).path("key").asText();
    JsonNode next = ok(gw.post("/key/regenerate", "{\"key\": \"" + old + "\"}"));
    String fresh = next.path("key").asText();
    assertThat(fresh).startsWith("sk-").isNotEqualTo(old);
    assertThat(as(old, "GET", "/v1/models", null).statusCode()).isEqualTo(401);
    assertThat(as(fresh, "GET", "/v1/models", null).statusCode()).isEqualTo(200);

    // An admin may name the new secret, as LiteLLM's new_key.
    String chosen = "sk-rotated" + SEQ.incrementAndGet() + "abcdef";
    ok(gw.post("/key/regenerate", "{\"key\": \"" + fresh + "\", \"new_key\": \"" + chosen + "\"}"));
    assertThat(as(chosen, "GET", "/v1/models", null).statusCode()).isEqualTo(200);

    JsonNode info = ok(gw.post("/v2/key/info", "{\"keys\": [\"" + chosen + "\"]}"));
    assertThat(info.path("key").get(0).asText()).isEqualTo(KeySecrets.hash(chosen));
    assertThat(info.path("info").get(0).path("key_alias").asText()).isEqualTo("rotating");
    assertError(gw.post("/key/regenerate", "{}"), 400, "key");
  }

  // --- LiteLLM fields Tollgate does not act on -------------------------------------------------

  @Test
  void litellmOnlyFields_accepted_andNamedInWarnings_typoRefused() throws Exception {
    JsonNode key =
        ok(
            gw.post(
                "/key/generate",
                """
                {"max_budget": 1, "aliases": {"a": "b"}, "permissions": {}, "allowed_routes": [],
                 "key_type": "llm_api", "guardrails": ["pii"], "enforced_params": ["user"],
                 "config": {}, "object_permission": {"vector_stores": []},
                 "allowed_passthrough_routes": ["/anthropic"]}
                """));
    assertThat(strings(key.path("warnings")))
        .containsExactly(
            "aliases",
            "permissions",
            "allowed_routes",
            "key_type",
            "guardrails",
            "enforced_params",
            "config",
            "object_permission",
            "allowed_passthrough_routes");
    assertThat(key.path("max_budget").decimalValue()).isEqualByComparingTo("1");
    // The field is not acted on, so it is not stored either.
    assertThat(key.has("aliases")).isFalse();

    JsonNode user =
        ok(
            gw.post(
                "/user/new",
                "{\"user_id\": \"u-w"
                    + SEQ.incrementAndGet()
                    + "\", \"send_invite_email\": true, \"auto_create_key\": false}"));
    assertThat(strings(user.path("warnings"))).containsExactly("send_invite_email");
    JsonNode team =
        ok(
            gw.post(
                "/team/new",
                "{\"team_alias\": \"w\", \"guardrails\": [\"pii\"], \"model_aliases\": {}}"));
    assertThat(strings(team.path("warnings"))).containsExactly("guardrails", "model_aliases");
    JsonNode plain = ok(gw.post("/team/new", "{\"team_alias\": \"plain\"}"));
    assertThat(plain.has("warnings")).isFalse();

    HttpResponse<String> typo = gw.post("/key/generate", "{\"max_budgte\": 1, \"aliases\": {}}");
    assertError(typo, 400, "max_budgte");
    HttpResponse<String> teamTypo =
        gw.post("/team/update", "{\"team_id\": \"x\", \"guardrail\": []}");
    assertError(teamTypo, 400, "guardrail");
  }

  @Test
  void tagAndTeamMemberRoutes_acceptLiteLlmFieldsWithWarnings() throws Exception {
    String n = Integer.toString(SEQ.incrementAndGet());
    JsonNode tag =
        ok(
            gw.post(
                "/tag/new", "{\"name\": \"w-" + n + "\", \"max_budget\": 3, \"tpm_limit\": 10}"));
    assertThat(strings(tag.path("warnings"))).containsExactly("tpm_limit");
    JsonNode tagUpdate =
        ok(gw.post("/tag/update", "{\"name\": \"w-" + n + "\", \"model_info\": {}}"));
    assertThat(strings(tagUpdate.path("warnings"))).containsExactly("model_info");

    String team =
        ok(gw.post("/team/new", "{\"team_alias\": \"m-" + n + "\"}")).path("team_id").asText();
    ok(
        gw.post(
            "/team/member_add",
            "{\"team_id\": \""
                + team
                + "\", \"member\": {\"role\": \"user\", \"user_id\": \"m-"
                + n
                + "\"}}"));
    JsonNode updated =
        ok(
            gw.post(
                "/team/member_update",
                "{\"team_id\": \"" + team + "\", \"user_id\": \"m-" + n + "\", \"rpm_limit\": 5}"));
    assertThat(strings(updated.path("warnings"))).containsExactly("rpm_limit");
    JsonNode deleted =
        ok(
            gw.post(
                "/team/member_delete",
                "{\"team_id\": \""
                    + team
                    + "\", \"user_id\": \"m-"
                    + n
                    + "\", \"user_email\": \"m@example.com\"}"));
    assertThat(strings(deleted.path("warnings"))).containsExactly("user_email");
    // A user who is not a member: a 400, as LiteLLM answers, which scripts check for.
    assertError(
        gw.post(
            "/team/member_delete", "{\"team_id\": \"" + team + "\", \"user_id\": \"m-" + n + "\"}"),
        400,
        "user_id");
    assertError(
        gw.post("/tag/new", "{\"name\": \"t-" + n + "\", \"max_budgte\": 1}"), 400, "max_budgte");
  }

  // --- LiteLLM's request fields ------------------------------------------------------------------

  @Test
  void litellmRequestFields_neverReachTheProvider_andMetadataKeepsOnlyTheClientsKeys()
      throws Exception {
    String key = ok(gw.post("/key/generate", "{}")).path("key").asText();
    HttpResponse<String> r =
        as(
            key,
            "POST",
            "/v1/chat/completions",
            """
            {"model": "priced", "messages": [{"role": "user", "content": "hi"}],
             "caching": true, "guardrails": ["pii"], "num_retries": 0, "fallbacks": [],
             "context_window_fallback_dict": {"priced": "priced"}, "mock_delay": 1,
             "metadata": {"tags": ["stripped"], "user_api_key_alias": "a",
                          "requester_metadata": {"a": 1}, "trace": "kept"},
             "temperature": 0.5}
            """);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode sent = Json.MAPPER.readTree(upstream.lastReceived().body());
    List<String> fields = new ArrayList<>();
    sent.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("model", "messages", "metadata", "temperature");
    assertThat(sent.path("metadata").toString()).isEqualTo("{\"trace\":\"kept\"}");

    // Metadata holding only LiteLLM's keys is not sent at all.
    assertThat(chat(key, "[\"only-tags\"]").statusCode()).isEqualTo(200);
    assertThat(upstream.lastReceived().body())
        .doesNotContain("metadata")
        .doesNotContain("only-tags");
  }

  @Test
  void mockTestingFields_refusedUnlessTheOperatorAllowsThem() throws Exception {
    String key = ok(gw.post("/key/generate", "{}")).path("key").asText();
    for (String field :
        new String[] {"mock_testing_fallbacks", "mock_testing_rate_limit_error", "mock_timeout"}) {
      HttpResponse<String> r =
          as(
              key,
              "POST",
              "/v1/chat/completions",
              "{\"model\": \"priced\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \""
                  + field
                  + "\": false}");
      assertError(r, 400, field);
      assertThat(r.body()).contains("dangerously_allow_mock_testing_request_params");
    }
  }

  // --- the small routes ------------------------------------------------------------------------

  @Test
  void teamBlock_refusesTheTeamsKeysNamingTheTeam_unblockRestores() throws Exception {
    String team = "t-block-" + SEQ.incrementAndGet();
    ok(gw.post("/team/new", "{\"team_id\": \"" + team + "\", \"team_alias\": \"Blockers\"}"));
    String key =
        ok(gw.post("/key/generate", "{\"team_id\": \"" + team + "\"}")).path("key").asText();
    assertThat(chat(key, "[]").statusCode()).isEqualTo(200);

    assertThat(
            ok(gw.post("/team/block", "{\"team_id\": \"" + team + "\"}"))
                .path("blocked")
                .asBoolean())
        .isTrue();
    HttpResponse<String> refused = chat(key, "[]");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
    assertThat(json(refused).path("error").path("message").asText()).contains("Blockers");

    assertThat(
            ok(gw.post("/team/unblock", "{\"team_id\": \"" + team + "\"}"))
                .path("blocked")
                .asBoolean())
        .isFalse();
    assertThat(chat(key, "[]").statusCode()).isEqualTo(200);
    assertError(gw.post("/team/block", "{\"team_id\": \"no-such-team\"}"), 404, "team_id");
  }

  @Test
  void teamModel_addAndDelete_neverEmptyingTheList() throws Exception {
    String team = "t-models-" + SEQ.incrementAndGet();
    ok(gw.post("/team/new", "{\"team_id\": \"" + team + "\", \"models\": [\"priced\"]}"));
    JsonNode added =
        ok(gw.post("/team/model/add", "{\"team_id\": \"" + team + "\", \"models\": [\"other\"]}"));
    assertThat(strings(added.path("models"))).containsExactly("priced", "other");
    JsonNode removed =
        ok(
            gw.post(
                "/team/model/delete", "{\"team_id\": \"" + team + "\", \"models\": [\"priced\"]}"));
    assertThat(strings(removed.path("models"))).containsExactly("other");
    // Removing the last model would let the team use every model.
    assertError(
        gw.post("/team/model/delete", "{\"team_id\": \"" + team + "\", \"models\": [\"other\"]}"),
        400,
        "models");
    assertError(
        gw.post("/team/model/delete", "{\"team_id\": \"" + team + "\", \"models\": [\"nope\"]}"),
        400,
        "models");
    assertThat(strings(ok(gw.get("/team/info?team_id=" + team)).path("team_info").path("models")))
        .containsExactly("other");
  }

  @Test
  void organizationMembers_addUpdateDelete() throws Exception {
    String org = "o-m-" + SEQ.incrementAndGet();
    String user = "u-om-" + SEQ.incrementAndGet();
    ok(gw.post("/organization/new", "{\"organization_id\": \"" + org + "\"}"));
    JsonNode added =
        ok(
            gw.post(
                "/organization/member_add",
                "{\"organization_id\": \""
                    + org
                    + "\", \"member\": [{\"user_id\": \""
                    + user
                    + "\", \"role\": \"internal_user\"}, {\"user_email\": \"new@example.com\","
                    + " \"role\": \"internal_user_viewer\"}], \"max_budget_in_organization\": 3}"));
    assertThat(strings(added.path("warnings"))).containsExactly("max_budget_in_organization");
    assertThat(added.path("updated_users").size()).isEqualTo(2);
    JsonNode first = added.path("updated_organization_memberships").get(0);
    assertThat(first.path("user_id").asText()).isEqualTo(user);
    assertThat(first.path("user_role").asText()).isEqualTo("internal_user");
    assertThat(ok(gw.get("/user/info?user_id=" + user)).path("user_id").asText()).isEqualTo(user);

    JsonNode updated =
        ok(
            gw.post(
                "/organization/member_update",
                "{\"organization_id\": \""
                    + org
                    + "\", \"user_id\": \""
                    + user
                    + "\", \"role\": \"org_admin\"}"));
    assertThat(updated.path("user_role").asText()).isEqualTo("org_admin");
    JsonNode info = ok(gw.get("/organization/info?organization_id=" + org));
    assertThat(info.path("members").size()).isEqualTo(2);
    assertThat(find(info.path("members"), "user_id", user).path("user_role").asText())
        .isEqualTo("org_admin");

    ok(
        gw.post(
            "/organization/member_delete",
            "{\"organization_id\": \"" + org + "\", \"user_id\": \"" + user + "\"}"));
    assertThat(ok(gw.get("/organization/info?organization_id=" + org)).path("members").size())
        .isEqualTo(1);
    // A non-member is a 400, as LiteLLM answers.
    assertError(
        gw.post(
            "/organization/member_delete",
            "{\"organization_id\": \"" + org + "\", \"user_id\": \"" + user + "\"}"),
        400,
        "user_id");
    assertError(
        gw.post(
            "/organization/member_add",
            "{\"organization_id\": \""
                + org
                + "\", \"member\": {\"user_id\": \"x\", \"role\": \"boss\"}}"),
        400,
        "member.role");
  }

  @Test
  void endUser_routesAreTheCustomerRoutes() throws Exception {
    String id = "eu-" + SEQ.incrementAndGet();
    ok(gw.post("/end_user/new", "{\"user_id\": \"" + id + "\", \"max_budget\": 3}"));
    assertThat(ok(gw.get("/customer/info?end_user_id=" + id)).path("max_budget").decimalValue())
        .isEqualByComparingTo("3");
    ok(gw.post("/end_user/block", "{\"user_ids\": [\"" + id + "\"]}"));
    assertThat(ok(gw.get("/end_user/info?end_user_id=" + id)).path("blocked").asBoolean()).isTrue();
    assertThat(find(ok(gw.get("/end_user/list")), "user_id", id).path("blocked").asBoolean())
        .isTrue();
    ok(gw.post("/end_user/delete", "{\"user_ids\": [\"" + id + "\"]}"));
    assertThat(ok(gw.get("/customer/list")).findValuesAsText("user_id")).doesNotContain(id);
  }

  @Test
  void spendUsersAndLogs_litellmShapes() throws Exception {
    String user = "u-spend-" + SEQ.incrementAndGet();
    ok(gw.post("/user/new", "{\"user_id\": \"" + user + "\", \"auto_create_key\": false}"));
    JsonNode one = ok(gw.get("/spend/users?user_id=" + user));
    assertThat(one.isArray()).isTrue();
    assertThat(one.size()).isEqualTo(1);
    assertThat(one.get(0).path("user_id").asText()).isEqualTo(user);
    assertThat(find(ok(gw.get("/spend/users")), "user_id", user).isMissingNode()).isFalse();
    assertThat(ok(gw.get("/spend/logs?page_size=5")).isArray()).isTrue();
    assertThat(
            ok(gw.get("/spend/logs?start_date=2026-01-01&end_date=2026-01-02&summarize=false"))
                .isArray())
        .isTrue();
  }

  @Test
  void spendRoutes_internalUser_seesOnlyItsOwnUser() throws Exception {
    String user = "u-scoped-" + SEQ.incrementAndGet();
    ok(
        gw.post(
            "/user/new",
            "{\"user_id\": \""
                + user
                + "\", \"user_role\": \"internal_user\", \"auto_create_key\": false}"));
    String own =
        ok(gw.post("/key/generate", "{\"user_id\": \"" + user + "\"}")).path("key").asText();
    String others = ok(gw.post("/key/generate", "{}")).path("key").asText();
    assertThat(chat(own, "[]").statusCode()).isEqualTo(200);
    assertThat(chat(others, "[]").statusCode()).isEqualTo(200);
    awaitRows("/spend/logs?user_id=" + user, 1);
    String hash = KeySecrets.hash(own);

    JsonNode keys = ok(as(own, "GET", "/global/spend/keys", null));
    assertThat(keys.findValuesAsText("api_key")).containsExactly(hash);
    assertThat(keys.get(0).path("total_spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    JsonNode models = ok(as(own, "GET", "/global/spend/models", null));
    assertThat(models.size()).isEqualTo(1);
    assertThat(models.get(0).path("total_spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    JsonNode days = ok(as(own, "GET", "/global/spend/logs", null));
    assertThat(days.get(0).path("spend").decimalValue()).isEqualByComparingTo(ONE_CALL);
    assertThat(ok(as(own, "GET", "/spend/keys", null)).findValuesAsText("token"))
        .containsExactly(hash);
    assertThat(ok(as(own, "GET", "/spend/users", null)).findValuesAsText("user_id"))
        .containsExactly(user);
    assertThat(as(own, "GET", "/spend/users?user_id=someone-else", null).statusCode())
        .isEqualTo(403);
    assertThat(as(own, "GET", "/global/spend/logs?api_key=" + others, null).statusCode())
        .isEqualTo(403);
    assertThat(
            as(own, "GET", "/global/spend/tags?start_date=2000-01-01&end_date=2999-12-31", null)
                .statusCode())
        .isEqualTo(403);
  }

  // --- helpers ---------------------------------------------------------------------------------

  static HttpResponse<String> chat(String key, String tags) {
    return as(
        key,
        "POST",
        "/v1/chat/completions",
        "{\"model\": \"priced\", \"metadata\": {\"tags\": "
            + tags
            + "}, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
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

  /** The rows at {@code path} once there are {@code n}: spend is written in batches. */
  static JsonNode awaitRows(String path, int n) throws Exception {
    long deadline = System.nanoTime() + 15_000_000_000L;
    JsonNode rows = ok(gw.get(path));
    while (rows.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
      rows = ok(gw.get(path));
    }
    assertThat(rows.size()).as(rows.toString()).isEqualTo(n);
    return rows;
  }

  static JsonNode find(JsonNode list, String field, String value) {
    for (JsonNode n : list) {
      if (n.path(field).asText().equals(value)) {
        return n;
      }
    }
    throw new AssertionError("no " + field + "=" + value + " in " + list);
  }

  static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(n -> out.add(n.asText()));
    return out;
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.request().uri() + ": " + r.body()).isEqualTo(200);
    return json(r);
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  /** An error in OpenAI's shape with this status, naming {@code param}. */
  static void assertError(HttpResponse<String> r, int status, String param) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode err = json(r).path("error");
    assertThat(err.path("param").asText()).as(r.body()).isEqualTo(param);
    assertThat(err.path("message").asText()).as(r.body()).isNotEmpty();
    assertThat(err.path("type").asText()).as(r.body()).isNotEmpty();
  }
}
