package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LiteLLM's rate-limit fields on every entity, over the management API of a real gateway: set, read
 * back, updated, cleared, kept across a restart, and refused when malformed.
 */
class RateLimitFieldsIT {
  enum Db {
    SQLITE,
    POSTGRESQL
  }

  static Map<String, String> env(Db db) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (db == Db.POSTGRESQL) {
      env.put("DATABASE_URL", TestPostgres.freshDatabase());
    }
    return env;
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  /** Asserts a 400 in OpenAI's error shape whose param is {@code field}. */
  static void refused(HttpResponse<String> r, String field) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).as(r.body()).isEqualTo("invalid_request_error");
    assertThat(err.path("param").asText()).as(r.body()).isEqualTo(field);
    assertThat(err.path("message").asText()).as(r.body()).contains(field);
  }

  /** The rate fields of {@code n} as compact JSON, for exact comparison. */
  static String rate(JsonNode n, String... fields) {
    StringBuilder b = new StringBuilder();
    for (String f : fields) {
      b.append(f).append('=').append(n.path(f).toString()).append(' ');
    }
    return b.toString().strip();
  }

  static final String[] KEY = {
    "rpm_limit", "tpm_limit", "max_parallel_requests", "model_rpm_limit", "model_tpm_limit"
  };
  static final String[] ENTITY = {"rpm_limit", "tpm_limit", "max_parallel_requests"};
  static final String[] TEAM = {
    "rpm_limit",
    "tpm_limit",
    "max_parallel_requests",
    "team_member_rpm_limit",
    "team_member_tpm_limit"
  };

  record Views(String key, String user, String team, String org, String customer, String budget) {}

  static Views read(TestGateway gw, String key) throws Exception {
    return new Views(
        rate(ok(gw.get("/key/info?key=" + key)).path("info"), KEY),
        rate(ok(gw.get("/user/info?user_id=u1")).path("user_info"), ENTITY),
        rate(ok(gw.get("/team/info?team_id=t1")).path("team_info"), TEAM),
        rate(ok(gw.get("/organization/info?organization_id=o1")), ENTITY),
        rate(ok(gw.get("/customer/info?end_user_id=c1")), ENTITY),
        rate(ok(gw.get("/budget/info?budget_id=b1")), ENTITY));
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void everyRateField_setReadUpdatedClearedAndKeptAcrossARestart(Db db) throws Exception {
    Path dir = Files.createTempDirectory("tollgate-rate-limits");
    Map<String, String> env = env(db);
    String key;
    Views updated;
    try (TestGateway gw = TestGateway.start(null, env, dir)) {
      JsonNode budget =
          ok(
              gw.post(
                  "/budget/new",
                  "{\"budget_id\":\"b1\",\"rpm_limit\":5,\"tpm_limit\":500,"
                      + "\"max_parallel_requests\":2}"));
      assertThat(rate(budget, ENTITY))
          .isEqualTo("rpm_limit=5 tpm_limit=500 max_parallel_requests=2");
      JsonNode generated =
          ok(
              gw.post(
                  "/key/generate",
                  "{\"rpm_limit\":10,\"tpm_limit\":1000,\"max_parallel_requests\":3,"
                      + "\"model_rpm_limit\":{\"gpt-4o\":4,\"claude\":0},"
                      + "\"model_tpm_limit\":{\"gpt-4o\":400}}"));
      key = generated.path("key").asText();
      String keyRate =
          "rpm_limit=10 tpm_limit=1000 max_parallel_requests=3"
              + " model_rpm_limit={\"claude\":0,\"gpt-4o\":4} model_tpm_limit={\"gpt-4o\":400}";
      assertThat(rate(generated, KEY)).isEqualTo(keyRate);
      JsonNode user =
          ok(
              gw.post(
                  "/user/new",
                  "{\"user_id\":\"u1\",\"auto_create_key\":false,\"rpm_limit\":7,"
                      + "\"tpm_limit\":700,\"max_parallel_requests\":1}"));
      assertThat(rate(user, ENTITY)).isEqualTo("rpm_limit=7 tpm_limit=700 max_parallel_requests=1");
      JsonNode team =
          ok(
              gw.post(
                  "/team/new",
                  "{\"team_id\":\"t1\",\"rpm_limit\":100,\"tpm_limit\":10000,"
                      + "\"max_parallel_requests\":8,\"team_member_rpm_limit\":20,"
                      + "\"team_member_tpm_limit\":2000}"));
      String teamRate =
          "rpm_limit=100 tpm_limit=10000 max_parallel_requests=8 team_member_rpm_limit=20"
              + " team_member_tpm_limit=2000";
      assertThat(rate(team, TEAM)).isEqualTo(teamRate);
      ok(
          gw.post(
              "/organization/new",
              "{\"organization_id\":\"o1\",\"rpm_limit\":1000,\"tpm_limit\":0}"));
      ok(gw.post("/customer/new", "{\"user_id\":\"c1\",\"max_parallel_requests\":4}"));

      assertThat(read(gw, key))
          .isEqualTo(
              new Views(
                  keyRate,
                  "rpm_limit=7 tpm_limit=700 max_parallel_requests=1",
                  teamRate,
                  "rpm_limit=1000 tpm_limit=0 max_parallel_requests=null",
                  "rpm_limit=null tpm_limit=null max_parallel_requests=4",
                  "rpm_limit=5 tpm_limit=500 max_parallel_requests=2"));

      // absent: unchanged; null: cleared; a value: set
      ok(
          gw.post(
              "/key/update",
              "{\"key\":\""
                  + key
                  + "\",\"rpm_limit\":20,\"tpm_limit\":null,\"model_rpm_limit\":null,"
                  + "\"model_tpm_limit\":{\"o3\":1}}"));
      ok(gw.post("/user/update", "{\"user_id\":\"u1\",\"rpm_limit\":null}"));
      ok(
          gw.post(
              "/team/update",
              "{\"team_id\":\"t1\",\"team_member_rpm_limit\":null,\"max_parallel_requests\":9}"));
      ok(gw.post("/organization/update", "{\"organization_id\":\"o1\",\"tpm_limit\":null}"));
      ok(gw.post("/customer/update", "{\"user_id\":\"c1\",\"rpm_limit\":60}"));
      ok(gw.post("/budget/update", "{\"budget_id\":\"b1\",\"max_parallel_requests\":null}"));

      updated = read(gw, key);
      assertThat(updated)
          .isEqualTo(
              new Views(
                  "rpm_limit=20 tpm_limit=null max_parallel_requests=3 model_rpm_limit=null"
                      + " model_tpm_limit={\"o3\":1}",
                  "rpm_limit=null tpm_limit=700 max_parallel_requests=1",
                  "rpm_limit=100 tpm_limit=10000 max_parallel_requests=9"
                      + " team_member_rpm_limit=null team_member_tpm_limit=2000",
                  "rpm_limit=1000 tpm_limit=null max_parallel_requests=null",
                  "rpm_limit=60 tpm_limit=null max_parallel_requests=4",
                  "rpm_limit=5 tpm_limit=500 max_parallel_requests=null"));

      // the other info and list views render the same fields
      JsonNode listed = ok(gw.get("/key/list?return_full_object=true")).path("keys").get(0);
      assertThat(rate(listed, KEY)).isEqualTo(updated.key());
      assertThat(rate(ok(gw.get("/team/list")).get(0), TEAM)).isEqualTo(updated.team());
      assertThat(rate(ok(gw.post("/budget/info", "{\"budgets\":[\"b1\"]}")).get(0), ENTITY))
          .isEqualTo(updated.budget());
    }
    try (TestGateway gw = TestGateway.start(null, env, dir)) {
      assertThat(read(gw, key)).isEqualTo(updated);
    }
  }

  @Test
  void regenerate_setsRateFieldsAsUpdateDoes() throws Exception {
    try (TestGateway gw = TestGateway.start(null)) {
      String key = ok(gw.post("/key/generate", "{\"rpm_limit\":10}")).path("key").asText();

      JsonNode r =
          ok(gw.post("/key/" + key + "/regenerate", "{\"tpm_limit\":5,\"rpm_limit\":null}"));

      assertThat(rate(r, KEY))
          .isEqualTo(
              "rpm_limit=null tpm_limit=5 max_parallel_requests=null model_rpm_limit=null"
                  + " model_tpm_limit=null");
    }
  }

  @Test
  void rateLimitsBesideASharedBudget_neverUnlinkIt_andASpendChangeWithoutAMaxIsRefused()
      throws Exception {
    try (TestGateway gw = TestGateway.start(null)) {
      ok(gw.post("/budget/new", "{\"budget_id\":\"tier\",\"max_budget\":0.5,\"rpm_limit\":7}"));
      ok(gw.post("/customer/new", "{\"user_id\":\"c1\",\"budget_id\":\"tier\"}"));
      ok(gw.post("/organization/new", "{\"organization_id\":\"o1\",\"budget_id\":\"tier\"}"));
      ok(gw.post("/tag/new", "{\"name\":\"t1\",\"budget_id\":\"tier\"}"));
      JsonNode key = ok(gw.post("/key/generate", "{\"budget_id\":\"tier\",\"tpm_limit\":100}"));
      String k = key.path("key").asText();
      assertThat(key.path("budget_id").asText()).isEqualTo("tier");

      // Setting a rate limit keeps the link: the shared max_budget still applies.
      ok(gw.post("/customer/update", "{\"user_id\":\"c1\",\"rpm_limit\":1000}"));
      ok(gw.post("/organization/update", "{\"organization_id\":\"o1\",\"tpm_limit\":9}"));
      ok(gw.post("/key/update", "{\"key\":\"" + k + "\",\"rpm_limit\":2}"));
      assertThat(ok(gw.get("/customer/info?end_user_id=c1")).path("budget_id").asText())
          .isEqualTo("tier");
      assertThat(ok(gw.get("/organization/info?organization_id=o1")).path("budget_id").asText())
          .isEqualTo("tier");
      JsonNode info = ok(gw.get("/key/info?key=" + k)).path("info");
      assertThat(info.path("budget_id").asText()).isEqualTo("tier");
      assertThat(info.path("rpm_limit").asLong()).isEqualTo(2);

      // A spend change that would leave no max_budget is refused, naming the shared budget;
      // one with a max_budget replaces the link; budget_id null unlinks explicitly.
      HttpResponse<String> soft =
          gw.post("/customer/update", "{\"user_id\":\"c1\",\"soft_budget\":0.1}");
      assertThat(soft.statusCode()).as(soft.body()).isEqualTo(400);
      assertThat(soft.body()).contains("customer 'c1'", "shared budget 'tier'", "max_budget");
      assertThat(ok(gw.get("/customer/info?end_user_id=c1")).path("budget_id").asText())
          .isEqualTo("tier");
      ok(gw.post("/customer/update", "{\"user_id\":\"c1\",\"max_budget\":3}"));
      assertThat(ok(gw.get("/customer/info?end_user_id=c1")).path("budget_id").isNull()).isTrue();
      ok(gw.post("/tag/update", "{\"name\":\"t1\",\"budget_id\":null,\"soft_budget\":0.1}"));
      assertThat(
              ok(gw.post("/tag/info", "{\"names\":[\"t1\"]}"))
                  .path("t1")
                  .path("budget_id")
                  .isNull())
          .isTrue();
    }
  }

  @Test
  void badRateValues_400NamingTheField_andNothingStored() throws Exception {
    try (TestGateway gw = TestGateway.start(null)) {
      refused(gw.post("/key/generate", "{\"rpm_limit\":-1}"), "rpm_limit");
      refused(gw.post("/key/generate", "{\"tpm_limit\":1.5}"), "tpm_limit");
      refused(
          gw.post("/key/generate", "{\"max_parallel_requests\":\"ten\"}"), "max_parallel_requests");
      refused(gw.post("/key/generate", "{\"model_rpm_limit\":5}"), "model_rpm_limit");
      refused(
          gw.post("/key/generate", "{\"model_rpm_limit\":{\"gpt-4o\":1.5}}"),
          "model_rpm_limit.gpt-4o");
      refused(
          gw.post("/key/generate", "{\"model_tpm_limit\":{\"gpt-4o\":\"many\"}}"),
          "model_tpm_limit.gpt-4o");
      refused(gw.post("/user/new", "{\"user_id\":\"u1\",\"tpm_limit\":-5}"), "tpm_limit");
      refused(gw.post("/team/new", "{\"team_member_rpm_limit\":-1}"), "team_member_rpm_limit");
      refused(gw.post("/organization/new", "{\"rpm_limit\":true}"), "rpm_limit");
      refused(gw.post("/customer/new", "{\"user_id\":\"c1\",\"rpm_limit\":-2}"), "rpm_limit");
      refused(gw.post("/budget/new", "{\"max_parallel_requests\":-1}"), "max_parallel_requests");
      // LiteLLM's /user/new takes per-model rate limits (GenerateRequestBase); Tollgate does not
      // act on them for users, so it accepts them with a warning and stores nothing for them
      JsonNode u =
          ok(
              gw.post(
                  "/user/new",
                  "{\"user_id\":\"u1\",\"model_rpm_limit\":{\"gpt-4o\":1},"
                      + "\"auto_create_key\":false}"));
      assertThat(u.path("warnings").toString()).isEqualTo("[\"model_rpm_limit\"]");
      assertThat(u.has("model_rpm_limit")).isFalse();
      ok(gw.post("/user/delete", "{\"user_ids\":[\"u1\"]}"));
      // a shared budget's spend limits replace the entity's own
      ok(gw.post("/budget/new", "{\"budget_id\":\"b1\",\"rpm_limit\":5}"));
      refused(gw.post("/key/generate", "{\"budget_id\":\"b1\",\"max_budget\":5}"), "budget_id");

      assertThat(ok(gw.get("/key/list")).path("total_count").asInt()).isZero();
      assertThat(ok(gw.get("/user/list")).path("total").asInt()).isZero();
      assertThat(ok(gw.get("/team/list"))).isEmpty();
      assertThat(ok(gw.get("/customer/list"))).isEmpty();
      assertThat(ok(gw.get("/budget/list"))).hasSize(1);
    }
  }
}
