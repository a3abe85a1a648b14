package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one PostgreSQL: keys, teams and budgets changed through one apply on the other.
 * The periodic sync is an hour, so what carries each change is the NOTIFY after its commit.
 */
class GovernanceSyncIT {
  /** A bound on how long a change may take to show, far above what it takes. */
  static final Duration DEADLINE = Duration.ofSeconds(60);

  FakeOpenAi upstream;
  TestGateway a;
  TestGateway b;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    String config =
        """
        model_list:
          - model_name: priced
            litellm_params: {model: openai/acme, api_base: %s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            model_info: {id: priced-1}
        general_settings:
          config_sync_interval_seconds: 3600
        """
            .formatted(upstream.apiBase());
    Map<String, String> env =
        Map.of(
            "TOLLGATE_MASTER_KEY",
            TestGateway.MASTER_KEY,
            "DATABASE_URL",
            TestPostgres.freshDatabase());
    a = TestGateway.start(config, env);
    b = TestGateway.start(config, env);
  }

  @AfterEach
  void stop() {
    b.close();
    a.close();
    upstream.close();
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  static HttpResponse<String> chat(TestGateway gw, String key) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  /** Sends chats with {@code key} to {@code gw} until one answers as {@code expected} says. */
  static HttpResponse<String> chatUntil(
      TestGateway gw, String key, String what, Predicate<HttpResponse<String>> expected)
      throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    HttpResponse<String> r = chat(gw, key);
    while (!expected.test(r) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      r = chat(gw, key);
    }
    assertThat(expected.test(r))
        .as(what + "; last answer " + r.statusCode() + " " + r.body())
        .isTrue();
    return r;
  }

  static String errorCode(HttpResponse<String> r) {
    try {
      return Json.MAPPER.readTree(r.body()).path("error").path("code").asText();
    } catch (Exception e) {
      return "";
    }
  }

  static boolean refusedWith(HttpResponse<String> r, int status, String code) {
    return r.statusCode() == status && errorCode(r).equals(code);
  }

  @Test
  void twoInstancesWithoutRedis_eachSaysOnReadinessThatBudgetsAreNotShared() throws Exception {
    assertThat(ok(a.get("/health/readiness")).has("counters_warning")).isFalse();
    a.gateway().checkPeers();
    b.gateway().checkPeers();
    a.gateway().checkPeers();

    for (TestGateway gw : new TestGateway[] {a, b}) {
      JsonNode ready = ok(gw.get("/health/readiness"));
      assertThat(ready.path("counters").asText()).isEqualTo("local");
      assertThat(ready.path("counters_warning").asText())
          .contains("2 gateway instances use this store")
          .contains("up to 2 times a budget")
          .contains("redis_host");
    }

    // Once the other has stopped cleanly, the one left is alone again.
    b.close();
    a.gateway().checkPeers();
    assertThat(ok(a.get("/health/readiness")).has("counters_warning")).isFalse();
  }

  @Test
  void keyAndTeamMadeOnA_workOnB_andBudgetChangesOnA_applyOnB() throws Exception {
    ok(a.post("/team/new", "{\"team_id\":\"t1\",\"max_budget\":100}"));
    String key =
        ok(a.post("/key/generate", "{\"team_id\":\"t1\",\"max_budget\":10}")).path("key").asText();

    chatUntil(b, key, "a key made on A works on B", r -> r.statusCode() == 200);
    assertThat(ok(b.get("/team/info?team_id=t1")).path("team_info").path("max_budget").asInt())
        .isEqualTo(100);

    ok(a.post("/key/update", "{\"key\":\"" + key + "\",\"max_budget\":0}"));
    HttpResponse<String> refused =
        chatUntil(
            b,
            key,
            "B refuses the key once A set its max_budget to 0",
            r -> refusedWith(r, 429, "key_budget_exceeded"));
    assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");

    // the key's budget gone, the team's budget set to 0 on A: B refuses at the team
    ok(a.post("/key/update", "{\"key\":\"" + key + "\",\"max_budget\":null}"));
    ok(a.post("/team/update", "{\"team_id\":\"t1\",\"max_budget\":0}"));
    chatUntil(
        b,
        key,
        "B refuses the key once A set its team's max_budget to 0",
        r -> refusedWith(r, 429, "team_budget_exceeded"));
  }

  @Test
  void keyBlockedOnA_refusedOnB_andUnblockedAgain() throws Exception {
    String key = ok(a.post("/key/generate", "{}")).path("key").asText();
    chatUntil(b, key, "a key made on A works on B", r -> r.statusCode() == 200);

    ok(a.post("/key/block", "{\"key\":\"" + key + "\"}"));
    chatUntil(b, key, "B refuses a key A blocked", r -> refusedWith(r, 401, "key_blocked"));

    ok(a.post("/key/unblock", "{\"key\":\"" + key + "\"}"));
    chatUntil(b, key, "B accepts the key A unblocked", r -> r.statusCode() == 200);
  }

  @Test
  void keyDeletedOnB_refusedOnA() throws Exception {
    String key = ok(a.post("/key/generate", "{}")).path("key").asText();
    chatUntil(b, key, "a key made on A works on B", r -> r.statusCode() == 200);

    ok(b.post("/key/delete", "{\"keys\":[\"" + key + "\"]}"));
    chatUntil(a, key, "A refuses a key B deleted", r -> r.statusCode() == 401);
  }
}
