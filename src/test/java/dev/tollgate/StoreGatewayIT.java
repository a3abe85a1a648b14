package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.admin.ModelAdmin;
import dev.tollgate.common.Json;
import dev.tollgate.config.ConfigException;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The gateway on its durable store, on real SQLite and real PostgreSQL. */
class StoreGatewayIT {
  enum Db {
    SQLITE,
    POSTGRESQL
  }

  FakeOpenAi upstream;

  @BeforeEach
  void up() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
  }

  @AfterEach
  void down() {
    upstream.close();
  }

  static Map<String, String> env(Db db, Optional<String> url) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    url.ifPresent(u -> env.put("DATABASE_URL", u));
    return env;
  }

  static Optional<String> url(Db db) {
    return db == Db.POSTGRESQL ? Optional.of(TestPostgres.freshDatabase()) : Optional.empty();
  }

  String config(String extra) {
    return """
        model_list:
          - model_name: cfg
            litellm_params: {model: openai/gpt-4o-mini, api_base: %s}
            model_info: {id: cfg-1}
        general_settings:
          config_sync_interval_seconds: 3600
          allowed_env_references: [UPSTREAM_KEY]
        %s
        """
        .formatted(upstream.apiBase(), extra);
  }

  /** Three API models, one per price state. */
  void createModels(TestGateway gw) {
    String base = upstream.apiBase();
    for (String body :
        List.of(
            "{\"model_name\":\"ui-unknown\",\"litellm_params\":{\"model\":\"openai/acme-internal\",\"api_base\":\""
                + base
                + "\"},\"model_info\":{\"id\":\"u-1\"}}",
            "{\"model_name\":\"ui-free\",\"litellm_params\":{\"model\":\"hosted_vllm/llama\",\"api_base\":\""
                + base
                + "\",\"input_cost_per_token\":0,\"output_cost_per_token\":0},\"model_info\":{\"id\":\"f-1\"}}",
            "{\"model_name\":\"ui-custom\",\"litellm_params\":{\"model\":\"openai/acme-internal\",\"api_base\":\""
                + base
                + "\",\"api_key\":\"os.environ/UPSTREAM_KEY\",\"input_cost_per_token\":\"0.000002\",\"output_cost_per_token\":\"0.00001\"},\"model_info\":{\"id\":\"c-1\"}}")) {
      HttpResponse<String> r = gw.post("/model/new", body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
  }

  static Map<String, String> prices(ModelRegistry r) {
    Map<String, String> out = new HashMap<>();
    for (Deployment d : r.deployments()) {
      out.put(d.id(), d.price().toString());
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void apiModels_surviveARestartExactly(Db db) throws Exception {
    Path dir = Files.createTempDirectory("tollgate-restart");
    Optional<String> url = url(db);
    Map<String, String> env = env(db, url);
    env.put("UPSTREAM_KEY", "sk-from-env");
    ModelRegistry before;
    try (TestGateway gw = TestGateway.start(config(""), env, dir)) {
      createModels(gw);
      before = gw.gateway().registry().current();
    }
    try (TestGateway gw = TestGateway.start(config(""), env, dir)) {
      ModelRegistry after = gw.gateway().registry().current();
      assertThat(after).isEqualTo(before);
      assertThat(prices(after)).containsEntry("u-1", "Unknown[]").containsEntry("f-1", "Free[]");
      // The stored body keeps the env reference; the key is resolved again at start.
      assertThat(after.deployment("c-1").orElseThrow().params().apiKey()).contains("sk-from-env");
      assertThat(
              gw.post(
                      "/v1/chat/completions",
                      "{\"model\":\"ui-custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                  .statusCode())
          .isEqualTo(200);
      assertThat(upstream.lastReceived().headers().get("authorization"))
          .isEqualTo("Bearer sk-from-env");
    }
  }

  /** The re-registration path where LiteLLM lost its budgets, a thousand times. */
  @ParameterizedTest
  @EnumSource(Db.class)
  void aThousandSyncs_leaveEveryPriceStateAndRateUnchanged(Db db) throws Exception {
    Optional<String> url = url(db);
    try (TestGateway gw = TestGateway.start(config(""), env(db, url))) {
      createModels(gw);
      ModelRegistry first = gw.gateway().registry().current();
      Map<String, String> firstPrices = prices(first);
      ModelAdmin admin = gw.gateway().modelAdmin();
      for (int i = 0; i < 1000; i++) {
        assertThat(admin.syncFromStore()).isEqualTo(3);
      }
      ModelRegistry last = gw.gateway().registry().current();
      assertThat(prices(last)).isEqualTo(firstPrices);
      assertThat(last).isEqualTo(first);
      assertThat(firstPrices.get("u-1")).isEqualTo("Unknown[]");
      assertThat(firstPrices.get("f-1")).isEqualTo("Free[]");
      assertThat(firstPrices.get("c-1")).startsWith("Priced[").contains("CUSTOM");
      assertThat(firstPrices.get("cfg-1")).startsWith("Priced[").contains("CATALOG");
    }
  }

  @Test
  void twoInstancesOnOnePostgres_seeEachOthersChanges() throws Exception {
    Optional<String> url = url(Db.POSTGRESQL);
    try (TestGateway a = TestGateway.start(config(""), env(Db.POSTGRESQL, url));
        TestGateway b = TestGateway.start(config(""), env(Db.POSTGRESQL, url))) {
      createModels(a);
      // NOTIFY reaches b, which re-syncs from the database; no periodic sync runs (3600 s).
      awaitModel(b, "c-1", true);
      assertThat(prices(b.gateway().registry().current()))
          .isEqualTo(prices(a.gateway().registry().current()));

      assertThat(a.post("/model/delete", "{\"id\":\"c-1\"}").statusCode()).isEqualTo(200);
      awaitModel(b, "c-1", false);
      assertThat(
              b.post(
                      "/v1/chat/completions",
                      "{\"model\":\"ui-custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                  .statusCode())
          .isEqualTo(404);
    }
  }

  static void awaitModel(TestGateway gw, String id, boolean present) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      if (gw.gateway().registry().current().deployment(id).isPresent() == present) {
        return;
      }
      Thread.sleep(20);
    }
    assertThat(gw.gateway().registry().current().deployment(id).isPresent())
        .as(id)
        .isEqualTo(present);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void everyRequest_endsInExactlyOneSpendRecord_andReportsAgree(Db db) throws Exception {
    Optional<String> url = url(db);
    Path dir = Files.createTempDirectory("tollgate-spend");
    int ok = 0;
    try (TestGateway gw = TestGateway.start(config(""), env(db, url), dir)) {
      createModels(gw);
      for (int i = 0; i < 20; i++) {
        String model = List.of("cfg", "ui-unknown", "ui-free", "ui-custom").get(i % 4);
        boolean stream = i % 3 == 0;
        HttpResponse<String> r =
            gw.post(
                "/v1/chat/completions",
                "{\"model\":\""
                    + model
                    + "\",\"stream\":"
                    + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        ok++;
      }
      upstream.enqueue(
          new FakeOpenAi.Error(500, "application/json", "{\"error\":{\"message\":\"boom\"}}"));
      assertThat(
              gw.post(
                      "/v1/chat/completions",
                      "{\"model\":\"cfg\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                  .statusCode())
          .isEqualTo(502);
      assertThat(
              gw.post(
                      "/v1/chat/completions",
                      "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                  .statusCode())
          .isEqualTo(404);
    }
    // The graceful close flushed everything; a restarted gateway reports it.
    try (TestGateway gw = TestGateway.start(config(""), env(db, url), dir)) {
      JsonNode all = Json.MAPPER.readTree(gw.get("/spend/logs/ui?page_size=1000").body());
      assertThat(all.path("total").asLong()).isEqualTo(ok + 2);
      JsonNode unknown =
          Json.MAPPER.readTree(gw.get("/spend/logs/ui?model=ui-unknown&page_size=1000").body());
      assertThat(unknown.path("total").asLong()).isEqualTo(5);
      for (JsonNode row : unknown.path("data")) {
        assertThat(row.get("spend").isNull()).isTrue();
        assertThat(row.path("unpriced").asBoolean()).isTrue();
        assertThat(row.path("pricing").path("state").asText()).isEqualTo("unknown");
      }
      JsonNode custom = Json.MAPPER.readTree(gw.get("/spend/logs/ui?model=ui-custom").body());
      // 8 * 0.000002 + 4 cached at the input rate + 5 * 0.00001 = 0.000074 per request
      for (JsonNode row : custom.path("data")) {
        assertThat(row.get("spend").decimalValue()).isEqualByComparingTo("0.000074");
      }
      JsonNode free = Json.MAPPER.readTree(gw.get("/spend/logs/ui?model=ui-free").body());
      assertThat(free.path("data").get(0).get("spend").decimalValue()).isEqualByComparingTo("0");

      String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
      JsonNode report =
          Json.MAPPER.readTree(
              gw.get(
                      "/global/spend/report?start_date="
                          + today
                          + "&end_date="
                          + today
                          + "&group_by=model")
                  .body());
      Map<String, JsonNode> byModel = new HashMap<>();
      report.path("data").forEach(g -> byModel.put(g.path("model").asText(), g));
      assertThat(
              java.util.Objects.requireNonNull(byModel.get("ui-custom"))
                  .get("spend")
                  .decimalValue())
          .isEqualByComparingTo("0.00037");
      assertThat(
              java.util.Objects.requireNonNull(byModel.get("ui-unknown"))
                  .get("unpriced_requests")
                  .asLong())
          .isEqualTo(5);
      assertThat(
              java.util.Objects.requireNonNull(byModel.get("ui-unknown"))
                  .get("spend")
                  .decimalValue())
          .isEqualByComparingTo("0");
      assertThat(java.util.Objects.requireNonNull(byModel.get("nope")).get("requests").asLong())
          .isEqualTo(1);

      HttpResponse<String> ready = gw.get("/health/readiness");
      assertThat(ready.body())
          .contains("\"store_state\":\"up\"")
          .contains(db == Db.SQLITE ? "SQLite" : "PostgreSQL");
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void keysAndTheirSpend_surviveARestart_andStillBlock(Db db) throws Exception {
    Path dir = Files.createTempDirectory("tollgate-keys");
    Optional<String> url = url(db);
    String key;
    try (TestGateway gw = TestGateway.start(config(""), env(db, url), dir)) {
      createModels(gw);
      HttpResponse<String> k =
          gw.post("/key/generate", "{\"key_alias\":\"durable\",\"max_budget\":0.0001}");
      assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
      key = Json.MAPPER.readTree(k.body()).path("key").asText();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r =
            gw.send(
                java.net.http.HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .POST(
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"ui-custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                    .build());
        assertThat(r.statusCode()).isEqualTo(200);
      }
    }
    try (TestGateway gw = TestGateway.start(config(""), env(db, url), dir)) {
      JsonNode info = Json.MAPPER.readTree(gw.get("/key/info?key=" + key).body()).path("info");
      assertThat(info.path("key_alias").asText()).isEqualTo("durable");
      assertThat(info.get("spend").decimalValue()).isEqualByComparingTo("0.000148");
      HttpResponse<String> denied =
          gw.send(
              java.net.http.HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("Authorization", "Bearer " + key)
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"ui-custom\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                  .build());
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.body()).contains("budget_exceeded").contains("durable");
    }
  }

  @Test
  void spendReports_badParameters_are400() throws Exception {
    try (TestGateway gw = TestGateway.start(config(""))) {
      assertThat(gw.get("/spend/logs/ui?start_date=yesterday&end_date=2026-01-01").statusCode())
          .isEqualTo(400);
      assertThat(gw.get("/spend/logs/ui?page_size=0").statusCode()).isEqualTo(400);
      assertThat(gw.get("/global/spend/report").statusCode()).isEqualTo(400);
      assertThat(
              gw.get(
                      "/global/spend/report?start_date=2026-01-01&end_date=2026-01-02&group_by=planet")
                  .statusCode())
          .isEqualTo(400);
    }
  }

  @Test
  void badDatabaseUrl_stopsStartUpNamingTheSetting() {
    assertThatThrownBy(
            () ->
                TestGateway.start(
                    config("  database_url: postgresql://u:secret-pw@127.0.0.1:1/db")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("general_settings.database_url")
        .hasMessageNotContaining("secret-pw");
  }

  /**
   * The stored budget counters move in the transaction that writes each spend batch, so the spend a
   * committed batch holds is in them the moment it is committed: a kill -9 at any time loses none
   * of it from the counters.
   */
  @ParameterizedTest
  @EnumSource(Db.class)
  void committedSpendIsInTheStoredCountersAsSoonAsItIsPersisted(Db db) throws Exception {
    try (TestGateway gw = TestGateway.start(config(""), env(db, url(db)))) {
      java.math.BigDecimal cost = java.math.BigDecimal.ZERO;
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r =
            gw.post(
                "/v1/chat/completions",
                "{\"model\":\"cfg\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        cost =
            cost.add(
                new java.math.BigDecimal(
                    r.headers().firstValue("x-tollgate-response-cost").orElseThrow()));
      }
      assertThat(cost).isPositive();
      dev.tollgate.store.SpendLog log = gw.gateway().database().spendLog();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (log.stats().persisted() < 5) {
        assertThat(System.nanoTime()).as("spend records persisted").isLessThan(deadline);
        Thread.sleep(5);
      }
      dev.tollgate.budget.CounterState global =
          gw.gateway().database().counters().loadCounters().stream()
              .filter(c -> c.key().level() == dev.tollgate.budget.Level.GLOBAL)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no global counter stored yet"));
      assertThat(global.spendNanos()).isEqualTo(dev.tollgate.budget.Usd.toNanos(cost));
    }
  }
}
