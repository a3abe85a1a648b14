package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One scenario per budget level, over real HTTP against the real gateway on SQLite and on
 * PostgreSQL. Each ends with the spend invariant: the spend the entity reports equals exactly the
 * sum of its spend records in the current window. Every "custom" request costs 0.000074 USD (8
 * uncached + 4 cached input tokens at 0.000002, 5 output tokens at 0.00001), so with a max_budget
 * of 0.0001 two requests are admitted (0 and 0.000074 are below it) and the third is refused.
 */
class BudgetScenariosIT {
  enum Db {
    SQLITE,
    POSTGRESQL
  }

  static final BigDecimal ONE = new BigDecimal("0.000074");
  static final BigDecimal TWO = new BigDecimal("0.000148");
  static final BigDecimal THREE = new BigDecimal("0.000222");

  FakeOpenAi upstream;
  @Nullable TestGateway gw;

  @BeforeEach
  void up() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 4));
  }

  @AfterEach
  void down() {
    if (gw != null) {
      gw.close();
    }
    upstream.close();
  }

  String config(String extra) {
    return """
        model_list:
          - model_name: custom
            litellm_params: %3$s
            model_info: {id: custom-1}
          - model_name: free
            litellm_params: {model: hosted_vllm/llama, api_base: %1$s,
                             input_cost_per_token: 0, output_cost_per_token: 0}
            model_info: {id: free-1}
          - model_name: unknown
            litellm_params: {model: openai/acme-unpriced, api_base: %1$s}
            model_info: {id: unknown-1}
          - model_name: other
            litellm_params: {model: openai/acme-other, api_base: %1$s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            model_info: {id: other-1}
        router_settings:
          model_group_alias: {custom-alias: custom, free-alias: free, unknown-alias: unknown}
        %2$s
        """
        .formatted(upstream.apiBase(), extra, customParams());
  }

  /**
   * The {@code custom} deployment's {@code litellm_params}, a YAML flow mapping: the deployment
   * every scenario charges. Subclasses put it on another provider, with the same prices and an
   * upstream that reports the same usage (8 uncached and 4 cached input tokens, 5 output).
   */
  String customParams() {
    return "{model: openai/acme-internal, api_base: "
        + upstream.apiBase()
        + ", input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}";
  }

  static Map<String, String> env(Db db) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (db == Db.POSTGRESQL) {
      env.put("DATABASE_URL", TestPostgres.freshDatabase());
    }
    return env;
  }

  TestGateway start(Db db, String extra) throws Exception {
    return start(config(extra), env(db), Files.createTempDirectory("tollgate-scen"), null);
  }

  TestGateway start(String yaml, Map<String, String> env, Path dir, @Nullable Clock clock) {
    gw =
        clock == null
            ? TestGateway.start(yaml, env, dir)
            : TestGateway.start(yaml, env, dir, clock);
    return gw;
  }

  TestGateway g() {
    return java.util.Objects.requireNonNull(gw);
  }

  JsonNode ok(HttpResponse<String> r) throws Exception {
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

  HttpResponse<String> chat(String key, String model, boolean stream, String extra, String... hs) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(g().uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"stream\":"
                        + stream
                        + extra
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    for (int i = 0; i < hs.length; i += 2) {
      b.header(hs[i], hs[i + 1]);
    }
    HttpResponse<String> r = g().send(b.build());
    if (r.statusCode() == 200 && stream) {
      assertThat(r.body()).endsWith("data: [DONE]\n\n");
    }
    return r;
  }

  void admitted(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Asserts a budget denial at {@code level}, whose message names every one of {@code names}. */
  void denied(HttpResponse<String> r, String level, String... names) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("budget_exceeded");
    assertThat(err.path("code").asText()).isEqualTo(level + "_budget_exceeded");
    for (String n : names) {
      assertThat(err.path("message").asText()).contains(n);
    }
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  interface Reported {
    BigDecimal get() throws Exception;
  }

  /** The sum of the non-null spend of the records that {@code query} returns and {@code keep}. */
  BigDecimal logSum(String query, Predicate<JsonNode> keep) throws Exception {
    JsonNode logs = get("/spend/logs/ui?page_size=1000" + query);
    assertThat(logs.path("total").asInt()).isLessThanOrEqualTo(1000);
    BigDecimal sum = BigDecimal.ZERO;
    for (JsonNode row : logs.path("data")) {
      if (keep.test(row) && !row.path("spend").isNull()) {
        sum = sum.add(row.get("spend").decimalValue());
      }
    }
    return sum;
  }

  /**
   * The invariant: the reported spend equals exactly the sum of the entity's spend records, and
   * both equal {@code expected}. Polls, since counters settle and records are written after the
   * response.
   */
  void invariant(Reported reported, String query, Predicate<JsonNode> keep, BigDecimal expected)
      throws Exception {
    for (int i = 0; i < 500; i++) {
      if (reported.get().compareTo(expected) == 0 && logSum(query, keep).compareTo(expected) == 0) {
        break;
      }
      Thread.sleep(20);
    }
    BigDecimal sum = logSum(query, keep);
    assertThat(reported.get()).isEqualByComparingTo(sum).isEqualByComparingTo(expected);
  }

  void invariant(Reported reported, String query, BigDecimal expected) throws Exception {
    invariant(reported, query, row -> true, expected);
  }

  BigDecimal keySpend(String key) throws Exception {
    return get("/key/info?key=" + key).path("info").get("spend").decimalValue();
  }

  /** Polls until the key's counter shows {@code expected}, so the next admission sees it. */
  void awaitKeySpend(String key, BigDecimal expected) throws Exception {
    for (int i = 0; i < 500 && keySpend(key).compareTo(expected) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo(expected);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void userBudget_personalKey_blocksAtMax_namesTheUser(Db db) throws Exception {
    start(db, "");
    post(
        "/user/new",
        "{\"user_id\":\"alice\",\"user_alias\":\"Alice\",\"max_budget\":0.0001,"
            + "\"auto_create_key\":false}");
    String key = newKey("{\"user_id\":\"alice\"}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom", true, ""));
    awaitKeySpend(key, TWO);
    denied(chat(key, "custom", false, ""), "user", "alice", "0.000148", "0.0001");
    denied(chat(key, "other", true, ""), "user", "alice");
    // A second personal key of the same user shares the user's budget.
    denied(chat(newKey("{\"user_id\":\"alice\"}"), "custom", false, ""), "user", "alice");

    invariant(
        () -> get("/user/info?user_id=alice").path("user_info").get("spend").decimalValue(),
        "&user_id=alice",
        TWO);
    invariant(() -> keySpend(key), "&api_key=" + key, TWO);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void teamAndMemberBudgets_teamKey_theRightOneBlocks(Db db) throws Exception {
    start(db, "");
    post(
        "/team/new",
        "{\"team_id\":\"qa\",\"team_alias\":\"QA\",\"max_budget\":0.0002,"
            + "\"team_member_budget\":0.00015}");
    post("/user/new", "{\"user_id\":\"bob\",\"max_budget\":0,\"auto_create_key\":false}");
    post(
        "/team/member_add",
        "{\"team_id\":\"qa\",\"member\":{\"user_id\":\"bob\",\"role\":\"user\"},"
            + "\"max_budget_in_team\":0.0001}");
    post(
        "/team/member_add",
        "{\"team_id\":\"qa\",\"member\":{\"user_id\":\"carol\",\"role\":\"user\"}}");
    String bob = newKey("{\"team_id\":\"qa\",\"user_id\":\"bob\"}");
    String carol = newKey("{\"team_id\":\"qa\",\"user_id\":\"carol\"}");

    // Bob's personal max_budget of 0 does not apply to a team key; his member budget does.
    admitted(chat(bob, "custom", false, ""));
    admitted(chat(bob, "custom", true, ""));
    awaitKeySpend(bob, TWO);
    denied(chat(bob, "custom", false, ""), "team_member", "bob", "0.000148", "0.0001");

    // Carol, under the team default of 0.00015, has room; the team (0.000222 >= 0.0002) has none.
    admitted(chat(carol, "custom", true, ""));
    awaitKeySpend(carol, ONE);
    denied(chat(carol, "custom", false, ""), "team", "QA", "0.000222", "0.0002");

    invariant(
        () -> get("/team/info?team_id=qa").path("team_info").get("spend").decimalValue(),
        "&team_id=qa",
        THREE);
    for (String[] m :
        List.of(new String[] {"bob", "0.000148"}, new String[] {"carol", "0.000074"})) {
      invariant(
          () -> memberSpend("qa", m[0]),
          "&team_id=qa",
          row -> m[0].equals(row.path("user").asText()),
          new BigDecimal(m[1]));
    }
    // A team key does not charge the user's personal counter.
    assertThat(get("/user/info?user_id=bob").path("user_info").get("spend").decimalValue())
        .isEqualByComparingTo("0");
  }

  HttpResponse<String> call(String path, String key, String body, String... hs) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(g().uri(path))
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < hs.length; i += 2) {
      b.header(hs[i], hs[i + 1]);
    }
    return g().send(b.build());
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void tagBudget_onChatCompletionsAndEmbeddings_blocksEveryRoute(Db db) throws Exception {
    start(db, "");
    post("/tag/new", "{\"name\":\"proj-x\",\"max_budget\":0.0001}");
    String key = newKey("{}");
    String embed = "{\"model\":\"custom\",\"input\":\"hello\"}";
    String complete = "{\"model\":\"custom\",\"prompt\":\"hello\"}";
    admitted(chat(key, "custom", true, ",\"metadata\":{\"tags\":[\"proj-x\"]}"));
    awaitKeySpend(key, ONE);
    // 12 input tokens at 0.000002: 0.000098 in all, still below 0.0001.
    admitted(call("/v1/embeddings", key, embed, "x-litellm-tags", "proj-x"));
    awaitKeySpend(key, new BigDecimal("0.000098"));
    admitted(call("/v1/completions", key, complete, "x-litellm-tags", "proj-x"));
    awaitKeySpend(key, new BigDecimal("0.000172"));
    denied(call("/v1/embeddings", key, embed, "x-litellm-tags", "proj-x"), "tag", "proj-x");
    denied(call("/v1/completions", key, complete, "x-litellm-tags", "proj-x"), "tag", "proj-x");
    denied(chat(key, "custom-alias", false, ",\"metadata\":{\"tags\":[\"proj-x\"]}"), "tag");
    admitted(call("/v1/embeddings", key, embed));

    invariant(
        () ->
            post("/tag/info", "{\"names\":[\"proj-x\"]}")
                .path("proj-x")
                .get("spend")
                .decimalValue(),
        "&tag=proj-x",
        new BigDecimal("0.000172"));
    invariant(() -> keySpend(key), "&api_key=" + key, new BigDecimal("0.000196"));
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void perModelBudgets_onUsersAndCustomers_andASharedBudgetKeepsOwnSpend(Db db) throws Exception {
    start(db, "");
    post("/budget/new", "{\"budget_id\":\"free-tier\",\"max_budget\":0.0001}");
    post("/customer/new", "{\"user_id\":\"c1\",\"budget_id\":\"free-tier\"}");
    post("/customer/new", "{\"user_id\":\"c2\",\"budget_id\":\"free-tier\"}");
    post("/customer/new", "{\"user_id\":\"pm\",\"model_max_budget\":{\"custom\":0.0001}}");
    post(
        "/user/new",
        "{\"user_id\":\"erin\",\"auto_create_key\":false,"
            + "\"model_max_budget\":{\"custom-alias\":{\"budget_limit\":0.0001}}}");
    String key = newKey("{}");
    String erin = newKey("{\"user_id\":\"erin\"}");

    // Each customer on the shared budget has its own spend against the tier's max.
    admitted(chat(key, "custom", false, ",\"user\":\"c1\""));
    admitted(chat(key, "other", true, ",\"user\":\"c1\""));
    awaitKeySpend(key, TWO);
    denied(chat(key, "custom", false, ",\"user\":\"c1\""), "customer", "c1");
    // A rate limit set on the customer afterwards leaves it on the shared budget (it once
    // unlinked it, and the customer had no spend limit left).
    post("/customer/update", "{\"user_id\":\"c1\",\"rpm_limit\":1000}");
    denied(chat(key, "custom", false, ",\"user\":\"c1\""), "customer", "c1");
    admitted(chat(key, "custom", false, "", "x-litellm-end-user-id", "c2"));
    awaitKeySpend(key, THREE);

    // The customer's per-model budget matches the group, requested by name or alias.
    admitted(chat(key, "custom-alias", false, ",\"user\":\"pm\""));
    admitted(chat(key, "custom", true, ",\"user\":\"pm\""));
    awaitKeySpend(key, new BigDecimal("0.000370"));
    denied(chat(key, "custom", false, ",\"user\":\"pm\""), "customer_model", "pm", "custom");
    admitted(chat(key, "other", false, ",\"user\":\"pm\""));

    // The user's entry names the alias; requests by the group name are held to it too.
    admitted(chat(erin, "custom", false, ""));
    admitted(chat(erin, "custom", true, ""));
    awaitKeySpend(erin, TWO);
    denied(chat(erin, "custom-alias", false, ""), "user_model", "erin");
    admitted(chat(erin, "other", false, ""));

    for (String[] c :
        List.of(
            new String[] {"c1", "0.000148"},
            new String[] {"c2", "0.000074"},
            new String[] {"pm", "0.000222"})) {
      invariant(
          () -> get("/customer/info?end_user_id=" + c[0]).get("spend").decimalValue(),
          "",
          row -> c[0].equals(row.path("end_user").asText()),
          new BigDecimal(c[1]));
    }
    invariant(
        () -> get("/user/info?user_id=erin").path("user_info").get("spend").decimalValue(),
        "&user_id=erin",
        THREE);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void teamMemberBudget_setLater_appliesToExistingMembers_andSurvivesARestart(Db db)
      throws Exception {
    Path dir = Files.createTempDirectory("tollgate-scen-member");
    Map<String, String> env = env(db);
    String yaml = config("");
    start(yaml, env, dir, null);
    post("/team/new", "{\"team_id\":\"dev\",\"team_alias\":\"Dev\"}");
    post("/team/member_add", "{\"team_id\":\"dev\",\"member\":{\"user_id\":\"fay\"}}");
    String fay = newKey("{\"team_id\":\"dev\",\"user_id\":\"fay\"}");
    admitted(chat(fay, "custom", false, ""));
    awaitKeySpend(fay, ONE);
    post("/team/update", "{\"team_id\":\"dev\",\"team_member_budget\":0.0001}");
    admitted(chat(fay, "custom", true, ""));
    awaitKeySpend(fay, TWO);
    denied(chat(fay, "custom", false, ""), "team_member", "fay", "0.000148", "0.0001");
    g().close();
    gw = null;

    start(yaml, env, dir, null);
    denied(chat(fay, "other", true, ""), "team_member", "fay");
    invariant(() -> memberSpend("dev", "fay"), "&team_id=dev", TWO);
    invariant(
        () -> get("/team/info?team_id=dev").path("team_info").get("spend").decimalValue(),
        "&team_id=dev",
        TWO);
  }

  /**
   * Every other level's counter, and a soft budget's alert, survive a restart; a window that ended
   * while the gateway was down starts empty.
   */
  @ParameterizedTest
  @EnumSource(Db.class)
  void restart_restoresEveryLevelsCounters_andTheSoftBudgetAlert(Db db) throws Exception {
    Vertx vertx = Vertx.vertx();
    List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    try {
      HttpServer hook = webhook(vertx, alerts);
      MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:15:00Z"));
      Path dir = Files.createTempDirectory("tollgate-scen-levels");
      Map<String, String> env = env(db);
      env.put("WEBHOOK_URL", "http://127.0.0.1:" + hook.actualPort() + "/hook");
      String yaml =
          config(
              """
              litellm_settings:
                max_budget: 0.01
                budget_duration: 1mo
                max_end_user_budget: 0.0001
              general_settings:
                alerting: ["webhook"]
              """);
      start(yaml, env, dir, clock);
      post(
          "/organization/new",
          "{\"organization_id\":\"org\",\"max_budget\":0.0001,\"budget_duration\":\"7d\"}");
      post("/tag/new", "{\"name\":\"t\",\"max_budget\":0.0001,\"budget_duration\":\"1d\"}");
      String key =
          newKey(
              "{\"organization_id\":\"org\",\"soft_budget\":0.0001,"
                  + "\"model_max_budget\":{\"custom\":{\"budget_limit\":0.0001,\"time_period\":\"1d\"}}}");
      String extra = ",\"user\":\"walk-in\",\"metadata\":{\"tags\":[\"t\"]}";
      admitted(chat(key, "custom", false, extra));
      admitted(chat(key, "custom", true, extra));
      awaitKeySpend(key, TWO);
      for (int i = 0; i < 500 && alerts.isEmpty(); i++) {
        Thread.sleep(20);
      }
      assertThat(alerts).hasSize(1);
      g().close();
      gw = null;

      start(yaml, env, dir, clock);
      assertThat(keySpend(key)).isEqualByComparingTo(TWO);
      // Each level is exhausted on its own: drop the others one at a time.
      denied(chat(key, "custom", false, ",\"user\":\"walk-in\""), "key_model", "custom");
      denied(chat(key, "other", false, ",\"user\":\"walk-in\""), "organization", "org");
      invariant(
          () -> get("/customer/info?end_user_id=walk-in").get("spend").decimalValue(),
          "",
          row -> "walk-in".equals(row.path("end_user").asText()),
          TWO);
      invariant(
          () -> post("/tag/info", "{\"names\":[\"t\"]}").path("t").get("spend").decimalValue(),
          "&tag=t",
          TWO);
      invariant(
          () -> get("/organization/info?organization_id=org").get("spend").decimalValue(),
          "",
          row -> "org".equals(row.path("organization_id").asText()),
          TWO);
      invariant(() -> globalSpend(key), "", TWO);

      // Wednesday 25th to Monday 30th: the 1d and 7d windows ended while the gateway was down.
      g().close();
      gw = null;
      clock.set(Instant.parse("2026-11-30T00:00:00Z"));
      start(yaml, env, dir, clock);
      assertThat(get("/organization/info?organization_id=org").get("spend").decimalValue())
          .isEqualByComparingTo("0");
      assertThat(get("/customer/info?end_user_id=walk-in").get("spend").decimalValue())
          .isEqualByComparingTo(TWO);
      admitted(chat(key, "custom", false, ",\"metadata\":{\"tags\":[\"t\"]}"));
      awaitKeySpend(key, THREE);
      Instant monday = Instant.parse("2026-11-30T00:00:00Z");
      Predicate<JsonNode> thisWindow =
          row -> !Instant.parse(row.path("endTime").asText()).isBefore(monday);
      invariant(
          () -> post("/tag/info", "{\"names\":[\"t\"]}").path("t").get("spend").decimalValue(),
          "&tag=t",
          thisWindow,
          ONE);
      invariant(
          () -> get("/organization/info?organization_id=org").get("spend").decimalValue(),
          "",
          thisWindow.and(row -> "org".equals(row.path("organization_id").asText())),
          ONE);
      // The global budget is monthly: November still holds all three.
      invariant(() -> globalSpend(key), "", THREE);
      // The key's soft budget was crossed before the restart: no second alert.
      assertThat(alerts).hasSize(1);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void regeneratedKey_keepsItsSpend_andTheOldKeyStops(Db db) throws Exception {
    start(db, "");
    String key = newKey("{\"key_alias\":\"regen\",\"max_budget\":0.0001}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom", true, ""));
    awaitKeySpend(key, TWO);
    String fresh = post("/key/" + key + "/regenerate", "{}").path("key").asText();
    assertThat(fresh).isNotEqualTo(key);
    assertThat(chat(key, "custom", false, "").statusCode()).isEqualTo(401);
    denied(chat(fresh, "custom", false, ""), "key", "regen", "0.000148");
    assertThat(keySpend(fresh)).isEqualByComparingTo(TWO);
  }

  /** Concurrent streaming and plain requests: every level counts each record exactly once. */
  @ParameterizedTest
  @EnumSource(Db.class)
  void concurrentRequests_everyLevelReportsExactlyItsRecords(Db db) throws Exception {
    start(db, "litellm_settings:\n  max_budget: 100\n");
    post("/organization/new", "{\"organization_id\":\"o\",\"max_budget\":100}");
    post("/team/new", "{\"team_id\":\"tm\",\"organization_id\":\"o\",\"max_budget\":100}");
    post(
        "/team/member_add",
        "{\"team_id\":\"tm\",\"member\":{\"user_id\":\"gus\"},\"max_budget_in_team\":100}");
    post("/tag/new", "{\"name\":\"busy\",\"max_budget\":100}");
    post("/customer/new", "{\"user_id\":\"cu\",\"max_budget\":100}");
    String key = newKey("{\"team_id\":\"tm\",\"user_id\":\"gus\",\"max_budget\":100}");
    int n = 40;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<HttpResponse<String>>> all = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        boolean stream = i % 2 == 0;
        String model = i % 3 == 0 ? "custom-alias" : "custom";
        all.add(
            pool.submit(
                () -> chat(key, model, stream, ",\"user\":\"cu\"", "x-litellm-tags", "busy")));
      }
      for (java.util.concurrent.Future<HttpResponse<String>> f : all) {
        admitted(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdown();
    }
    BigDecimal total = ONE.multiply(BigDecimal.valueOf(n));
    invariant(() -> keySpend(key), "&api_key=" + key, total);
    invariant(
        () -> get("/team/info?team_id=tm").path("team_info").get("spend").decimalValue(),
        "&team_id=tm",
        total);
    invariant(() -> memberSpend("tm", "gus"), "&team_id=tm", total);
    invariant(
        () -> get("/organization/info?organization_id=o").get("spend").decimalValue(),
        "",
        row -> "o".equals(row.path("organization_id").asText()),
        total);
    invariant(
        () -> post("/tag/info", "{\"names\":[\"busy\"]}").path("busy").get("spend").decimalValue(),
        "&tag=busy",
        total);
    invariant(
        () -> get("/customer/info?end_user_id=cu").get("spend").decimalValue(),
        "",
        row -> "cu".equals(row.path("end_user").asText()),
        total);
    invariant(() -> globalSpend(key), "", total);
  }

  /** Adding a duration to a key that had none starts a fresh window at that moment. */
  @ParameterizedTest
  @EnumSource(Db.class)
  void addingADuration_startsAFreshWindow(Db db) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:15:00Z"));
    start(config(""), env(db), Files.createTempDirectory("tollgate-scen-dur"), clock);
    String key = newKey("{\"key_alias\":\"late\",\"max_budget\":0.0001}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom", true, ""));
    awaitKeySpend(key, TWO);
    denied(chat(key, "custom", false, ""), "key", "late");
    clock.set(Instant.parse("2026-11-28T10:20:00Z"));
    post("/key/update", "{\"key\":\"" + key + "\",\"budget_duration\":\"1h\"}");
    assertThat(keySpend(key)).isEqualByComparingTo("0");
    clock.set(Instant.parse("2026-11-28T10:25:00Z"));
    admitted(chat(key, "custom", true, ""));
    Instant from = Instant.parse("2026-11-28T10:20:00Z");
    invariant(
        () -> keySpend(key),
        "&api_key=" + key,
        row -> !Instant.parse(row.path("endTime").asText()).isBefore(from),
        ONE);
    assertThat(get("/key/info?key=" + key).path("info").path("budget_reset_at").asText())
        .isEqualTo("2026-11-28T11:00:00Z");
  }

  /**
   * Price states at every level below the key: free is exempt by name and alias, unknown is never
   * exempt and is counted as unpriced at each level it belongs to.
   */
  @ParameterizedTest
  @EnumSource(Db.class)
  void priceStates_atTeamCustomerAndTagLevels(Db db) throws Exception {
    start(db, "");
    post("/team/new", "{\"team_id\":\"ps\",\"max_budget\":0.0001}");
    post("/tag/new", "{\"name\":\"pt\",\"max_budget\":1}");
    post("/customer/new", "{\"user_id\":\"pc\",\"max_budget\":1}");
    String key = newKey("{\"team_id\":\"ps\"}");
    String extra = ",\"user\":\"pc\",\"metadata\":{\"tags\":[\"pt\"]}";
    admitted(chat(key, "unknown", false, extra));
    admitted(chat(key, "unknown-alias", true, extra));
    admitted(chat(key, "custom", false, extra));
    admitted(chat(key, "custom", true, extra));
    awaitKeySpend(key, TWO);
    denied(chat(key, "unknown", false, extra), "team", "ps");
    denied(chat(key, "unknown-alias", true, extra), "team", "ps");
    admitted(chat(key, "free", false, extra));
    admitted(chat(key, "free-alias", true, extra));

    invariant(
        () -> get("/team/info?team_id=ps").path("team_info").get("spend").decimalValue(),
        "&team_id=ps",
        TWO);
    invariant(
        () -> post("/tag/info", "{\"names\":[\"pt\"]}").path("pt").get("spend").decimalValue(),
        "&tag=pt",
        TWO);
    invariant(
        () -> get("/customer/info?end_user_id=pc").get("spend").decimalValue(),
        "",
        row -> "pc".equals(row.path("end_user").asText()),
        TWO);
    assertThat(get("/team/info?team_id=ps").path("team_info").path("unpriced_requests").asLong())
        .isEqualTo(2);
    assertThat(
            post("/tag/info", "{\"names\":[\"pt\"]}").path("pt").path("unpriced_requests").asLong())
        .isEqualTo(2);
    assertThat(get("/customer/info?end_user_id=pc").path("unpriced_requests").asLong())
        .isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void unknownPriceDeny_refusesCallersWithABudgetAtAnyLevel(Db db) throws Exception {
    start(db, "litellm_settings:\n  unknown_price_policy: deny\n");
    post("/tag/new", "{\"name\":\"dt\",\"max_budget\":1}");
    post("/team/new", "{\"team_id\":\"dm\",\"team_member_budget\":1}");
    post("/team/member_add", "{\"team_id\":\"dm\",\"member\":{\"user_id\":\"hal\"}}");
    post("/customer/new", "{\"user_id\":\"dc\",\"max_budget\":1}");
    String plain = newKey("{}");
    admitted(chat(plain, "unknown", false, ""));
    for (HttpResponse<String> r :
        List.of(
            chat(plain, "unknown", false, ",\"metadata\":{\"tags\":[\"dt\"]}"),
            chat(plain, "unknown-alias", true, ",\"user\":\"dc\""),
            chat(newKey("{\"team_id\":\"dm\",\"user_id\":\"hal\"}"), "unknown", false, ""),
            chat(newKey("{\"max_budget\":1}"), "unknown", true, ""))) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
      assertThat(r.body()).contains("unknown_price_denied");
    }
  }

  /** Soft budgets of users and teams alert too, once per window, and again in the next window. */
  @ParameterizedTest
  @EnumSource(Db.class)
  void softBudgets_ofUserAndTeam_alertOncePerWindow(Db db) throws Exception {
    Vertx vertx = Vertx.vertx();
    List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    try {
      HttpServer hook = webhook(vertx, alerts);
      MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:15:00Z"));
      Map<String, String> env = env(db);
      env.put("WEBHOOK_URL", "http://127.0.0.1:" + hook.actualPort() + "/hook");
      start(
          config("general_settings:\n  alerting: [\"webhook\"]\n"),
          env,
          Files.createTempDirectory("tollgate-soft2"),
          clock);
      post(
          "/user/new",
          "{\"user_id\":\"ivy\",\"soft_budget\":0.0001,\"budget_duration\":\"1h\","
              + "\"auto_create_key\":false}");
      post("/team/new", "{\"team_id\":\"st\",\"soft_budget\":0.0001}");
      String personal = newKey("{\"user_id\":\"ivy\"}");
      String team = newKey("{\"team_id\":\"st\"}");
      for (int i = 0; i < 3; i++) {
        admitted(chat(personal, "custom", i == 1, ""));
        admitted(chat(team, "custom", i == 2, ""));
      }
      awaitKeySpend(personal, THREE);
      awaitKeySpend(team, THREE);
      for (int i = 0; i < 500 && alerts.size() < 2; i++) {
        Thread.sleep(20);
      }
      clock.set(Instant.parse("2026-11-28T11:00:00Z"));
      admitted(chat(personal, "custom", false, ""));
      admitted(chat(personal, "custom", true, ""));
      awaitKeySpend(personal, new BigDecimal("0.000370"));
      for (int i = 0; i < 500 && alerts.size() < 3; i++) {
        Thread.sleep(20);
      }
      invariant(
          () -> get("/user/info?user_id=ivy").path("user_info").get("spend").decimalValue(),
          "&user_id=ivy",
          row ->
              !Instant.parse(row.path("endTime").asText())
                  .isBefore(Instant.parse("2026-11-28T11:00:00Z")),
          TWO);
      assertThat(alerts)
          .extracting(a -> a.path("level").asText() + ":" + a.path("entity_id").asText())
          .containsExactlyInAnyOrder("user:ivy", "team:st", "user:ivy");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Streams refused before anything went upstream (budget denial, unknown model, model not allowed)
   * generated nothing: they are not counted as unpriced requests.
   */
  @ParameterizedTest
  @EnumSource(Db.class)
  void refusedStreams_areNotCountedAsUnpriced(Db db) throws Exception {
    start(db, "");
    String key =
        newKey(
            "{\"key_alias\":\"refused\",\"max_budget\":0.0001,"
                + "\"models\":[\"custom\",\"unknown\",\"unknown-alias\"]}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom", true, ""));
    awaitKeySpend(key, TWO);
    denied(chat(key, "unknown", true, ""), "key", "refused");
    denied(chat(key, "unknown-alias", true, ""), "key", "refused");
    assertThat(chat(key, "no-such-model", true, "").statusCode()).isEqualTo(404);
    assertThat(chat(key, "free", true, "").statusCode()).isEqualTo(401);
    awaitLogCount("&api_key=" + key, 6);
    JsonNode info = get("/key/info?key=" + key).path("info");
    assertThat(info.path("unpriced_requests").asLong()).isEqualTo(0);
    assertThat(info.path("unpriced_tokens").asLong()).isEqualTo(0);
    invariant(() -> keySpend(key), "&api_key=" + key, TWO);
  }

  void awaitLogCount(String query, int n) throws Exception {
    for (int i = 0; i < 500; i++) {
      if (get("/spend/logs/ui?page_size=1000" + query).path("total").asInt() >= n) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(get("/spend/logs/ui?page_size=1000" + query).path("total").asInt()).isEqualTo(n);
  }

  BigDecimal memberSpend(String team, String user) throws Exception {
    for (JsonNode m : get("/team/info?team_id=" + team).path("team_memberships")) {
      if (user.equals(m.path("user_id").asText())) {
        return m.get("spend").decimalValue();
      }
    }
    throw new AssertionError("no member " + user);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void organizationBudget_viaATeamInTheOrg_blocks(Db db) throws Exception {
    start(db, "");
    post(
        "/organization/new",
        "{\"organization_id\":\"acme\",\"organization_alias\":\"Acme\",\"max_budget\":0.0001}");
    post("/team/new", "{\"team_id\":\"t1\",\"organization_id\":\"acme\"}");
    post("/team/new", "{\"team_id\":\"t2\",\"organization_id\":\"acme\"}");
    String k1 = newKey("{\"team_id\":\"t1\"}");
    String k2 = newKey("{\"team_id\":\"t2\"}");
    admitted(chat(k1, "custom", true, ""));
    admitted(chat(k2, "custom", false, ""));
    awaitKeySpend(k2, ONE);
    awaitKeySpend(k1, ONE);
    denied(chat(k1, "custom", false, ""), "organization", "acme", "0.000148", "0.0001");
    denied(chat(k2, "other", true, ""), "organization", "acme");

    invariant(
        () -> get("/organization/info?organization_id=acme").get("spend").decimalValue(),
        "",
        row -> "acme".equals(row.path("organization_id").asText()),
        TWO);
    invariant(
        () -> get("/team/info?team_id=t1").path("team_info").get("spend").decimalValue(),
        "&team_id=t1",
        ONE);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void customerBudgets_defaultForNewCustomers_andTheirOwn_byBodyOrHeader(Db db) throws Exception {
    start(db, "litellm_settings:\n  max_end_user_budget: 0.0001\n");
    post("/customer/new", "{\"user_id\":\"vip\",\"alias\":\"VIP\",\"max_budget\":0.0002}");
    String key = newKey("{}");

    // A customer never seen before gets max_end_user_budget.
    admitted(chat(key, "custom", false, ",\"user\":\"walk-in\""));
    admitted(chat(key, "custom", true, "", "x-litellm-end-user-id", "walk-in"));
    awaitKeySpend(key, TWO);
    denied(chat(key, "custom", false, ",\"user\":\"walk-in\""), "customer", "walk-in", "0.0001");

    // The created customer has its own, larger budget.
    for (int i = 0; i < 3; i++) {
      admitted(chat(key, "custom", i == 1, "", "x-litellm-end-user-id", "vip"));
    }
    awaitKeySpend(key, new BigDecimal("0.00037"));
    denied(chat(key, "custom", false, ",\"user\":\"vip\""), "customer", "vip", "0.0002");
    // Without a customer the key is not blocked.
    admitted(chat(key, "custom", false, ""));

    for (String[] c :
        List.of(new String[] {"walk-in", "0.000148"}, new String[] {"vip", "0.000222"})) {
      invariant(
          () -> get("/customer/info?end_user_id=" + q(c[0])).get("spend").decimalValue(),
          "",
          row -> c[0].equals(row.path("end_user").asText()),
          new BigDecimal(c[1]));
    }
    assertThat(get("/customer/info?end_user_id=walk-in").path("default_budget").asBoolean())
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void keyModelMaxBudget_matchesTheGroupAndItsAlias(Db db) throws Exception {
    start(db, "");
    String key =
        newKey(
            "{\"key_alias\":\"per-model\",\"model_max_budget\":"
                + "{\"custom\":{\"budget_limit\":0.0001,\"time_period\":\"1d\"}}}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom-alias", true, ""));
    awaitKeySpend(key, TWO);
    denied(chat(key, "custom", false, ""), "key_model", "custom", "0.000148", "0.0001");
    denied(chat(key, "custom-alias", true, ""), "key_model", "custom");
    // Another model is not under that budget.
    admitted(chat(key, "other", false, ""));

    invariant(() -> keySpend(key), "&api_key=" + key, THREE);
    invariant(
        () ->
            get("/key/info?key=" + key)
                .path("info")
                .path("model_spend")
                .get("custom")
                .decimalValue(),
        "&api_key=" + key,
        row -> !"other".equals(row.path("model_group").asText()),
        TWO);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void globalMaxBudget_blocksEveryCaller(Db db) throws Exception {
    start(db, "litellm_settings:\n  max_budget: 0.0001\n");
    String a = newKey("{}");
    String b = newKey("{\"max_budget\":100}");
    admitted(chat(a, "custom", true, ""));
    admitted(chat(b, "other", false, ""));
    awaitKeySpend(a, ONE);
    awaitKeySpend(b, ONE);
    denied(chat(a, "custom", false, ""), "global", "0.000148", "0.0001");
    denied(chat(b, "other", true, ""), "global");
    invariant(() -> globalSpend(a), "", TWO);
  }

  BigDecimal globalSpend(String key) throws Exception {
    for (JsonNode l : get("/key/info?key=" + key).path("info").path("budget_chain")) {
      if ("global".equals(l.path("level").asText())) {
        return l.get("spend").decimalValue();
      }
    }
    throw new AssertionError("no global line in the budget chain");
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void softBudget_crossingFiresExactlyOneWebhook_andNeverBlocks(Db db) throws Exception {
    Vertx vertx = Vertx.vertx();
    List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    try {
      HttpServer hook = webhook(vertx, alerts);
      Map<String, String> env = env(db);
      env.put("WEBHOOK_URL", "http://127.0.0.1:" + hook.actualPort() + "/hook");
      start(
          config("general_settings:\n  alerting: [\"webhook\"]\n"),
          env,
          Files.createTempDirectory("tollgate-soft"),
          null);
      String key = newKey("{\"key_alias\":\"soft\",\"soft_budget\":0.0001}");
      admitted(chat(key, "custom", false, ""));
      admitted(chat(key, "custom", true, ""));
      awaitKeySpend(key, TWO);
      for (int i = 0; i < 500 && alerts.isEmpty(); i++) {
        Thread.sleep(20);
      }
      // Further requests in the same window stay admitted and fire nothing more.
      admitted(chat(key, "custom", false, ""));
      admitted(chat(key, "custom", true, ""));
      awaitKeySpend(key, new BigDecimal("0.000296"));
      invariant(() -> keySpend(key), "&api_key=" + key, new BigDecimal("0.000296"));

      assertThat(alerts).hasSize(1);
      JsonNode alert = alerts.get(0);
      assertThat(alert.path("event").asText()).isEqualTo("soft_budget_crossed");
      assertThat(alert.path("level").asText()).isEqualTo("key");
      assertThat(alert.path("key_alias").asText()).isEqualTo("soft");
      assertThat(alert.get("spend").decimalValue()).isEqualByComparingTo(TWO);
      assertThat(alert.get("soft_budget").decimalValue()).isEqualByComparingTo("0.0001");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void restart_restoresSpendAndWindows_andStillBlocks(Db db) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:15:00Z"));
    Path dir = Files.createTempDirectory("tollgate-scen-restart");
    Map<String, String> env = env(db);
    String yaml = config("");
    start(yaml, env, dir, clock);
    post("/user/new", "{\"user_id\":\"dave\",\"max_budget\":0.0003,\"auto_create_key\":false}");
    post("/team/new", "{\"team_id\":\"ops\",\"max_budget\":0.001,\"budget_duration\":\"1d\"}");
    String key = newKey("{\"user_id\":\"dave\",\"max_budget\":0.0001,\"budget_duration\":\"1h\"}");
    String teamKey = newKey("{\"team_id\":\"ops\"}");
    admitted(chat(key, "custom", false, ""));
    admitted(chat(key, "custom", true, ""));
    admitted(chat(teamKey, "custom", true, ""));
    awaitKeySpend(key, TWO);
    awaitKeySpend(teamKey, ONE);
    JsonNode before = get("/key/info?key=" + key).path("info");
    g().close();
    gw = null;

    start(yaml, env, dir, clock);
    JsonNode after = get("/key/info?key=" + key).path("info");
    assertThat(after.get("spend").decimalValue()).isEqualByComparingTo(TWO);
    assertThat(after.path("budget_reset_at").asText())
        .isEqualTo(before.path("budget_reset_at").asText())
        .isEqualTo("2026-11-28T11:00:00Z");
    denied(chat(key, "custom", false, ""), "key", "0.000148", "0.0001");
    invariant(
        () -> get("/user/info?user_id=dave").path("user_info").get("spend").decimalValue(),
        "&user_id=dave",
        row -> row.path("team_id").isNull(),
        TWO);
    invariant(
        () -> get("/team/info?team_id=ops").path("team_info").get("spend").decimalValue(),
        "&team_id=ops",
        ONE);

    // At the key's window boundary it is admitted again; the user's lifetime spend keeps growing.
    clock.advance(Duration.ofMinutes(45));
    admitted(chat(key, "custom", false, ""));
    awaitKeySpend(key, ONE);
    Instant windowStart = Instant.parse("2026-11-28T11:00:00Z");
    invariant(
        () -> keySpend(key),
        "&api_key=" + key,
        row -> !Instant.parse(row.path("endTime").asText()).isBefore(windowStart),
        ONE);
    invariant(
        () -> get("/user/info?user_id=dave").path("user_info").get("spend").decimalValue(),
        "&user_id=dave",
        row -> row.path("team_id").isNull(),
        THREE);
  }

  /** A webhook receiver on loopback that keeps every alert it is sent. */
  static HttpServer webhook(Vertx vertx, List<JsonNode> alerts) throws Exception {
    return vertx
        .createHttpServer()
        .requestHandler(
            req ->
                req.body()
                    .onSuccess(
                        body -> {
                          try {
                            alerts.add(Json.MAPPER.readTree(body.toString()));
                          } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                          }
                          req.response().end();
                        }))
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
