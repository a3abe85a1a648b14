package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import dev.tollgate.store.Database;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Model secrets encrypted at rest, over real HTTP on real SQLite, across restarts and keys. */
class SecretsAtRestIT {
  static final String SECRET = "sk-upstream-very-secret";
  static final String CHAT =
      "{\"model\":\"secret-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  FakeOpenAi upstream;
  Path dir;

  @BeforeEach
  void up() throws Exception {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
    dir = Files.createTempDirectory("tollgate-secrets");
  }

  @AfterEach
  void down() {
    upstream.close();
  }

  String config() {
    return """
        model_list:
          - model_name: cfg
            litellm_params: {model: openai/gpt-4o-mini, api_base: %s}
            model_info: {id: cfg-1}
        general_settings:
          config_sync_interval_seconds: 3600
        """
        .formatted(upstream.apiBase());
  }

  static Map<String, String> env(String... saltKeyAndMore) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    for (int i = 0; i + 1 < saltKeyAndMore.length; i += 2) {
      env.put(saltKeyAndMore[i], saltKeyAndMore[i + 1]);
    }
    return env;
  }

  String storedJson(String id) throws Exception {
    Path db = dir.resolve("data").resolve(Database.SQLITE_FILE);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement ps = c.prepareStatement("SELECT json FROM models WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("row " + id).isTrue();
        return rs.getString(1);
      }
    }
  }

  void insertRaw(String id, String json) throws Exception {
    Path db = dir.resolve("data").resolve(Database.SQLITE_FILE);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement ps =
            c.prepareStatement("INSERT INTO models (id, json, updated_at) VALUES (?, ?, 1)")) {
      ps.setString(1, id);
      ps.setString(2, json);
      ps.executeUpdate();
    }
  }

  void chatReachesUpstreamWithTheKey(TestGateway gw, String model, String key) {
    HttpResponse<String> r = gw.post("/v1/chat/completions", CHAT.replace("secret-model", model));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().headers().get("authorization")).isEqualTo("Bearer " + key);
  }

  void createSecretModel(TestGateway gw) {
    HttpResponse<String> r =
        gw.post(
            "/model/new",
            """
            {"model_name": "secret-model",
             "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": "%s",
                                "api_key": "%s"},
             "model_info": {"id": "sec-1"}}
            """
                .formatted(upstream.apiBase(), SECRET));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).doesNotContain(SECRET);
  }

  static int rotate(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        RotateSaltKey.run(
            args,
            Environment.of(env),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    return Integer.parseInt(
        out.toString(StandardCharsets.UTF_8).replaceAll("(?s).*, (\\d+) re-encrypted.*", "$1"));
  }

  @Test
  void modelNew_storesTheKeyEncrypted_andSurvivesRestartsOnlyWithTheSameKey() throws Exception {
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-a"), dir)) {
      createSecretModel(gw);
      String row = storedJson("sec-1");
      assertThat(row).doesNotContain(SECRET).contains("tollgate:v1:");
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
      String info = gw.get("/model/info").body();
      assertThat(info).contains("sec-1").doesNotContain(SECRET).doesNotContain("tollgate:v1:");
      // An update that does not touch the key keeps it, still encrypted.
      HttpResponse<String> u =
          gw.post(
              "/model/update",
              "{\"model_info\":{\"id\":\"sec-1\"},\"litellm_params\":{\"rpm\":7}}");
      assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
      assertThat(storedJson("sec-1")).doesNotContain(SECRET).contains("tollgate:v1:");
    }
    try (TestGateway gw = TestGateway.start(config(), env("LITELLM_SALT_KEY", "salt-a"), dir)) {
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
    }
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-b"), dir)) {
      assertThat(gw.gateway().registry().current().deployment("sec-1")).isEmpty();
      assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isNotEqualTo(200);
      JsonNode ready = Json.MAPPER.readTree(gw.get("/health/readiness").body());
      assertThat(ready.path("status").asText()).isEqualTo("degraded");
      assertThat(ready.path("unreadable_models").toString())
          .contains("'secret-model'", "sec-1", "another salt key")
          .doesNotContain(SECRET);
      // The config file's model still serves.
      assertThat(gw.post("/v1/chat/completions", CHAT.replace("secret-model", "cfg")).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void rotateSaltKey_reEncryptsOldAndPlaintextRows_idempotently() throws Exception {
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-a"), dir)) {
      createSecretModel(gw);
    }
    // A row written before encryption at rest: read as plaintext.
    insertRaw(
        "legacy-1",
        """
        {"model_name": "legacy", "model_info": {"id": "legacy-1"},
         "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": "%s", "api_key": "sk-legacy"}}
        """
            .formatted(upstream.apiBase()));
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-a"), dir)) {
      chatReachesUpstreamWithTheKey(gw, "legacy", "sk-legacy");
    }
    Map<String, String> env = env("TOLLGATE_SALT_KEY", "salt-b", "OLD_SALT", "salt-a");
    String data = dir.resolve("data").toString();
    assertThat(rotate(env, "--data-dir", data, "--old-key-env", "OLD_SALT")).isEqualTo(2);
    String rotated = storedJson("sec-1");
    assertThat(storedJson("legacy-1")).doesNotContain("sk-legacy").contains("tollgate:v1:");
    assertThat(rotate(env, "--data-dir=" + data, "--old-key-env", "OLD_SALT")).isZero();
    assertThat(storedJson("sec-1")).isEqualTo(rotated);
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-b"), dir)) {
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
      chatReachesUpstreamWithTheKey(gw, "legacy", "sk-legacy");
      assertThat(Json.MAPPER.readTree(gw.get("/health/readiness").body()).path("status").asText())
          .isEqualTo("healthy");
    }
  }

  @Test
  void sync_afterRotationUnderARunningInstance_keepsServingAndReports() throws Exception {
    try (TestGateway gw = TestGateway.start(config(), env("TOLLGATE_SALT_KEY", "salt-a"), dir)) {
      createSecretModel(gw);
      Map<String, String> env = env("TOLLGATE_SALT_KEY", "salt-b", "OLD_SALT", "salt-a");
      String data = dir.resolve("data").toString();
      assertThat(rotate(env, "--data-dir", data, "--old-key-env", "OLD_SALT")).isEqualTo(1);
      gw.gateway().modelAdmin().syncFromStore();
      assertThat(gw.gateway().modelAdmin().unreadableModels()).containsKey("sec-1");
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
      assertThat(Json.MAPPER.readTree(gw.get("/health/readiness").body()).path("status").asText())
          .isEqualTo("degraded");
    }
  }

  @Test
  void onPostgreSQL_storedEncrypted_rotated_andServedByAnotherInstance() throws Exception {
    String url = dev.tollgate.testing.TestPostgres.freshDatabase();
    Map<String, String> a = env("TOLLGATE_SALT_KEY", "salt-a", "DATABASE_URL", url);
    try (TestGateway gw = TestGateway.start(config(), a, dir)) {
      createSecretModel(gw);
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
    }
    assertThat(pgStoredJson(url, "sec-1")).doesNotContain(SECRET).contains("tollgate:v1:");
    Map<String, String> b =
        env("TOLLGATE_SALT_KEY", "salt-b", "OLD_SALT", "salt-a", "DATABASE_URL", url);
    String before = pgStoredJson(url, "sec-1");
    assertThat(rotate(b, "--old-key-env", "OLD_SALT")).isEqualTo(1);
    assertThat(pgStoredJson(url, "sec-1"))
        .isNotEqualTo(before)
        .doesNotContain(SECRET)
        .contains("tollgate:v1:");
    // Another instance on the same database, with the new key only, serves the model.
    try (TestGateway gw =
        TestGateway.start(
            config(), b, java.nio.file.Files.createTempDirectory("tollgate-secrets-pg"))) {
      chatReachesUpstreamWithTheKey(gw, "secret-model", SECRET);
    }
  }

  /** The stored row, read through the store as another process would. */
  String pgStoredJson(String url, String id) throws Exception {
    try (Database db =
        Database.open(
            java.util.Optional.of(url), java.nio.file.Files.createTempDirectory("tollgate-read"))) {
      return db.models().loadAll().stream()
          .filter(m -> m.id().equals(id))
          .findFirst()
          .orElseThrow()
          .json();
    }
  }

  @Test
  void modelNew_withoutSaltKey_refusesLiteralSecrets() throws Exception {
    try (TestGateway gw = TestGateway.start(config(), env(), dir)) {
      HttpResponse<String> r =
          gw.post(
              "/model/new",
              """
              {"model_name": "m", "litellm_params": {"model": "openai/gpt-4o-mini",
               "api_base": "%s", "extra_headers": {"X-Token": "hdr-secret"}}}
              """
                  .formatted(upstream.apiBase()));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body())
          .contains("litellm_params.extra_headers.X-Token", "TOLLGATE_SALT_KEY")
          .doesNotContain("hdr-secret");
      HttpResponse<String> ok =
          gw.post(
              "/model/new",
              """
              {"model_name": "m", "litellm_params": {"model": "openai/gpt-4o-mini",
               "api_base": "%s"}}
              """
                  .formatted(upstream.apiBase()));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }
  }
}
