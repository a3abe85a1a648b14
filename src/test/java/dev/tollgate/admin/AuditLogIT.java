package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code litellm_settings.store_audit_logs}: every management change is recorded with who made it
 * (user and key hash), what (route, table, id), the entity before and after with no secret, and
 * when; {@code GET /audit} lists the records for admins, newest first, page by page. A refused or
 * failed change leaves no record; the log outlives a restart; with the setting off nothing is
 * recorded.
 */
class AuditLogIT {
  enum Db {
    SQLITE,
    POSTGRESQL
  }

  private static final String CONFIG =
      """
      litellm_settings:
        store_audit_logs: true
      """;
  private static final String UPSTREAM_SECRET = "sk-upstream-secret-4711";
  private static final String MASTER_HASH = KeySecrets.hash(TestGateway.MASTER_KEY);

  static Map<String, String> env(Db db) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    env.put("TOLLGATE_SALT_KEY", "audit-test-salt-key-0123456789abcdef");
    if (db == Db.POSTGRESQL) {
      env.put("DATABASE_URL", TestPostgres.freshDatabase());
    }
    return env;
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void changes_recordedWithWhoWhatBeforeAndAfter_noSecret(Db db) throws Exception {
    try (TestGateway gw = TestGateway.start(CONFIG, env(db))) {
      ok(gw.post("/user/new", "{\"user_id\": \"u-audit\", \"user_role\": \"internal_user\"}"));
      JsonNode key = ok(gw.post("/key/generate", "{\"user_id\": \"u-audit\", \"max_budget\": 5}"));
      String keyId = keyId(gw, key.path("key").asText());
      ok(
          gw.post(
              "/key/update", "{\"key\": \"" + key.path("key").asText() + "\", \"max_budget\": 7}"));
      ok(
          gw.post(
              "/model/new",
              "{\"model_name\": \"audited\", \"litellm_params\": {\"model\": \"openai/gpt-4o-mini\","
                  + " \"api_base\": \"http://127.0.0.1:9\", \"api_key\": \""
                  + UPSTREAM_SECRET
                  + "\"}, \"model_info\": {\"id\": \"m-audit\"}}"));
      ok(
          gw.post(
              "/model/update",
              "{\"model_info\": {\"id\": \"m-audit\"}, \"litellm_params\": {\"rpm\": 10}}"));
      ok(gw.post("/model/delete", "{\"id\": \"m-audit\"}"));
      ok(gw.post("/key/delete", "{\"keys\": [\"" + key.path("key").asText() + "\"]}"));

      JsonNode keyLog =
          ok(gw.get("/audit?table_name=LiteLLM_VerificationToken&object_id=" + keyId));
      List<JsonNode> keyRecords = list(keyLog.path("audit_logs"));
      // newest first
      assertThat(keyRecords)
          .extracting(r -> r.path("action").asText())
          .containsExactly("deleted", "updated", "created");
      assertThat(keyRecords)
          .extracting(r -> r.path("route").asText())
          .containsExactly("POST /key/delete", "POST /key/update", "POST /key/generate");
      for (JsonNode r : keyRecords) {
        assertThat(r.path("changed_by").asText()).isEqualTo("default_user_id");
        assertThat(r.path("changed_by_api_key").asText()).isEqualTo(MASTER_HASH);
        assertThat(r.path("id").asText()).isNotBlank();
        assertThat(r.path("updated_at").asText()).endsWith("Z");
      }
      JsonNode created = keyRecords.get(2);
      assertThat(created.path("before_value").isNull()).isTrue();
      assertThat(created.path("updated_values").toString()).contains("u-audit");
      JsonNode updated = keyRecords.get(1);
      assertThat(updated.path("before_value").toString()).contains("5");
      assertThat(updated.path("updated_values").toString()).contains("7");
      assertThat(keyRecords.get(0).path("updated_values").isNull()).isTrue();
      assertThat(keyLog.toString()).doesNotContain(key.path("key").asText());

      JsonNode modelLog = ok(gw.get("/audit?table_name=LiteLLM_ProxyModelTable&object_id=m-audit"));
      assertThat(list(modelLog.path("audit_logs")))
          .extracting(r -> r.path("action").asText())
          .containsExactly("deleted", "updated", "created");
      String all = ok(gw.get("/audit?page_size=100")).toString();
      assertThat(all).doesNotContain(UPSTREAM_SECRET).contains("[redacted]");
      assertThat(all).doesNotContain("tollgate:v1:"); // not even the sealed form
      JsonNode modelUpdate = list(modelLog.path("audit_logs")).get(1);
      assertThat(modelUpdate.path("before_value").path("litellm_params").has("rpm")).isFalse();
      assertThat(modelUpdate.path("updated_values").path("litellm_params").path("rpm").asInt())
          .isEqualTo(10);

      // One record for each of the eight changes: the user and the key /user/new makes with it, the
      // key three times, the model three times.
      JsonNode everything = ok(gw.get("/audit"));
      assertThat(everything.path("total").asLong()).as(everything.toString()).isEqualTo(8);
    }
  }

  @Test
  void nonAdminChange_recordsItsUserAndKey_changedByHeaderOnlyFromAdmins() throws Exception {
    try (TestGateway gw = TestGateway.start(CONFIG, env(Db.SQLITE))) {
      ok(gw.post("/user/new", "{\"user_id\": \"u-own\", \"user_role\": \"internal_user\"}"));
      String own = ok(gw.post("/key/generate", "{\"user_id\": \"u-own\"}")).path("key").asText();

      HttpResponse<String> byUser =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/key/generate"))
                  .header("Authorization", "Bearer " + own)
                  .header("LiteLLM-Changed-By", "someone-else")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\": \"u-own\"}"))
                  .build());
      String made = ok(byUser).path("key").asText();
      HttpResponse<String> byAdmin =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/team/new"))
                  .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                  .header("LiteLLM-Changed-By", "krrish@example.com")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"team_id\": \"t-audit\"}"))
                  .build());
      ok(byAdmin);

      JsonNode userRecord =
          only(ok(gw.get("/audit?object_id=" + keyId(gw, made))).path("audit_logs"));
      assertThat(userRecord.path("changed_by").asText()).isEqualTo("u-own");
      assertThat(userRecord.path("changed_by_api_key").asText()).isEqualTo(KeySecrets.hash(own));
      JsonNode adminRecord = only(ok(gw.get("/audit?object_id=t-audit")).path("audit_logs"));
      assertThat(adminRecord.path("changed_by").asText()).isEqualTo("krrish@example.com");
      assertThat(adminRecord.path("changed_by_api_key").asText()).isEqualTo(MASTER_HASH);
      assertThat(adminRecord.path("table_name").asText()).isEqualTo("LiteLLM_TeamTable");
      // The filters: by who, and by what.
      assertThat(ok(gw.get("/audit?changed_by=u-own")).path("total").asLong()).isEqualTo(1);
      assertThat(
              ok(gw.get("/audit?action=created&table_name=LiteLLM_UserTable"))
                  .path("total")
                  .asLong())
          .isEqualTo(1);

      // The internal user may not read the log.
      HttpResponse<String> read =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/audit"))
                  .header("Authorization", "Bearer " + own)
                  .GET()
                  .build());
      assertThat(read.statusCode()).as(read.body()).isEqualTo(403);
    }
  }

  @Test
  void refusedOrFailedChange_leavesNoRecord() throws Exception {
    try (TestGateway gw = TestGateway.start(CONFIG, env(Db.SQLITE))) {
      ok(gw.post("/user/new", "{\"user_id\": \"u-r\", \"user_role\": \"internal_user\"}"));
      String own = ok(gw.post("/key/generate", "{\"user_id\": \"u-r\"}")).path("key").asText();
      long before = ok(gw.get("/audit")).path("total").asLong();

      HttpResponse<String> refused =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/team/new"))
                  .header("Authorization", "Bearer " + own)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"team_id\": \"t-x\"}"))
                  .build());
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(gw.post("/user/new", "{\"user_id\": \"u-r\"}").statusCode()).isEqualTo(409);
      assertThat(
              gw.post("/key/update", "{\"key\": \"" + own + "\", \"max_budget\": -1}").statusCode())
          .isEqualTo(400);

      assertThat(ok(gw.get("/audit")).path("total").asLong()).isEqualTo(before);
    }
  }

  @Test
  void spendReset_recordedWithTheSpendItHad() throws Exception {
    try (TestGateway gw = TestGateway.start(CONFIG, env(Db.SQLITE))) {
      String key = ok(gw.post("/key/generate", "{}")).path("key").asText();
      ok(gw.post("/key/" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "/reset_spend", "{}"));

      JsonNode r = only(ok(gw.get("/audit?action=reset_spend")).path("audit_logs"));
      assertThat(r.path("object_id").asText()).isEqualTo(keyId(gw, key));
      assertThat(r.path("before_value").path("spend").decimalValue()).isZero();
      assertThat(r.path("updated_values").path("spend").asInt()).isZero();
      assertThat(r.path("route").asText()).isEqualTo("POST /key/:key/reset_spend");
    }
  }

  @Test
  void pages_newestFirst_eachRecordOnce_keptAcrossRestart() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-audit");
    try (TestGateway gw = TestGateway.start(CONFIG, env(Db.SQLITE), dir)) {
      for (int i = 0; i < 5; i++) {
        ok(gw.post("/tag/new", "{\"name\": \"tag-" + i + "\"}"));
      }
    }
    try (TestGateway gw = TestGateway.start(CONFIG, env(Db.SQLITE), dir)) {
      Set<String> ids = new HashSet<>();
      List<String> order = new ArrayList<>();
      for (int page = 1; page <= 3; page++) {
        JsonNode p = ok(gw.get("/audit?page_size=2&page=" + page));
        assertThat(p.path("total").asLong()).isEqualTo(5);
        assertThat(p.path("total_pages").asLong()).isEqualTo(3);
        for (JsonNode r : p.path("audit_logs")) {
          assertThat(ids.add(r.path("id").asText())).isTrue();
          order.add(r.path("object_id").asText());
        }
      }
      assertThat(order).containsExactly("tag-4", "tag-3", "tag-2", "tag-1", "tag-0");
      assertThat(gw.get("/audit?page_size=101").statusCode()).isEqualTo(400);
      String id = order.isEmpty() ? "" : ids.iterator().next();
      assertThat(ok(gw.get("/audit/" + id)).path("id").asText()).isEqualTo(id);
      assertThat(gw.get("/audit/nope").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void settingOff_nothingRecorded() throws Exception {
    try (TestGateway gw = TestGateway.start(null, env(Db.SQLITE))) {
      ok(gw.post("/key/generate", "{}"));
      ok(gw.post("/team/new", "{\"team_id\": \"t-off\"}"));
      JsonNode log = ok(gw.get("/audit"));
      assertThat(log.path("total").asLong()).isZero();
      assertThat(log.path("store_audit_logs").asBoolean()).isFalse();
    }
  }

  private static String keyId(TestGateway gw, String key) throws Exception {
    JsonNode info = ok(gw.get("/key/info?key=" + key));
    String id = info.path("info").path("key_id").asText(info.path("key_id").asText());
    assertThat(id).as(info.toString()).isNotBlank();
    return id;
  }

  private static JsonNode only(JsonNode array) {
    assertThat(array.size()).as(array.toString()).isEqualTo(1);
    return array.get(0);
  }

  private static List<JsonNode> list(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  private static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }
}
