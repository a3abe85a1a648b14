package dev.tollgate.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.store.Database;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code tollgate import-litellm} against a PostgreSQL database built from LiteLLM's schema, into
 * each of Tollgate's stores; then a real gateway on the imported store serves LiteLLM's keys with
 * their spend.
 */
class ImportLitellmIT {
  static final String SALT = "litellm-salt-key-for-tests";
  static final String ALICE = "sk-litellm-alice-0001";
  static final String BOB = "sk-litellm-bob-0002";
  static final String TEAM_KEY = "sk-litellm-team-0003";
  static final String UPSTREAM_KEY = "sk-upstream-secret";

  enum Store {
    SQLITE,
    POSTGRESQL
  }

  FakeOpenAi upstream;
  String litellmUrl;

  @BeforeEach
  void setUp() throws Exception {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(10, 5, 0));
    litellmUrl = TestPostgres.freshDatabase();
    try (Connection c = Database.connectPostgres(litellmUrl);
        Statement s = c.createStatement()) {
      s.execute(resource("litellm/schema.sql"));
      s.execute(resource("litellm/rows.sql"));
      insertModel(
          c,
          "db-model-1",
          "litellm-db-model",
          params(
              LitellmSeal.nacl(SALT, "openai/gpt-4o-mini"),
              LitellmSeal.v3(SALT, upstream.apiBase()),
              LitellmSeal.nacl(SALT, UPSTREAM_KEY)));
      insertModel(
          c,
          "db-model-2",
          "litellm-db-model-v2",
          params(
              LitellmSeal.v2(SALT, "openai/gpt-4o-mini"),
              LitellmSeal.v2(SALT, upstream.apiBase()),
              LitellmSeal.v2(SALT, UPSTREAM_KEY)));
    }
  }

  @AfterEach
  void tearDown() {
    upstream.close();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ImportLitellmIT.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** litellm_params as LiteLLM stores them: each string encrypted, numbers as they are. */
  private static ObjectNode params(String model, String apiBase, String apiKey) {
    ObjectNode p = Json.MAPPER.createObjectNode();
    p.put("model", model);
    p.put("api_base", apiBase);
    p.put("api_key", apiKey);
    p.put("input_cost_per_token", 0.000001);
    p.put("output_cost_per_token", 0.000002);
    return p;
  }

  private static void insertModel(Connection c, String id, String name, ObjectNode params)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO \"LiteLLM_ProxyModelTable\" (model_id, model_name, litellm_params,"
                + " model_info, created_by, updated_by) VALUES (?, ?, ?::jsonb, ?::jsonb, 'admin',"
                + " 'admin')")) {
      ps.setString(1, id);
      ps.setString(2, name);
      ps.setString(3, params.toString());
      ps.setString(4, "{\"id\": \"" + id + "\", \"db_model\": true}");
      ps.executeUpdate();
    }
  }

  record Run(int code, String out, String err) {}

  private Run importInto(Path dir, Map<String, String> env, String... extra) {
    List<String> args = new ArrayList<>(List.of("--database-url", litellmUrl));
    args.addAll(List.of("--data-dir", dir.resolve("data").toString()));
    args.addAll(List.of(extra));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ImportLitellm.run(
            args.toArray(String[]::new),
            Environment.of(env),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Map<String, String> env(Optional<String> tollgateDb) {
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    tollgateDb.ifPresent(u -> env.put("DATABASE_URL", u));
    return env;
  }

  /** Everything the import writes, as the store holds it. */
  private static List<Object> storeState(Path dir, Optional<String> url) {
    try (Database db = Database.open(url, dir.resolve("data"))) {
      return List.of(
          db.governance().loadAll().stream().map(Database::auditJson).sorted().toList(),
          db.counters().loadCounters(),
          db.models().loadAll());
    }
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void importTwice_thenGateway_keysWorkWithTheirSpend(Store store, @TempDir Path dir)
      throws Exception {
    Optional<String> url =
        store == Store.POSTGRESQL ? Optional.of(TestPostgres.freshDatabase()) : Optional.empty();
    Map<String, String> env = env(url);

    Run first = importInto(dir, env, "--salt-key", SALT);
    assertThat(first.err()).isEmpty();
    assertThat(first.code()).as(first.out()).isEqualTo(0);
    assertThat(first.out())
        .contains("budgets           3 /     0 /     0")
        // alice, bob, carol, and dave, whom only a key names
        .contains("users             4 /     0 /     0")
        .contains("organizations     1 /     0 /     0")
        .contains("teams             1 /     0 /     0")
        .contains("keys              4 /     0 /     0")
        .contains("customers         2 /     0 /     0")
        .contains("tags              1 /     0 /     0")
        .contains("models            2 /     0 /     0")
        // 3 + 5 (users) + 12.5 (org) + 7.25 + 1.5 (team, member) + 4.25 + 5 + 1 (keys)
        // + 0.75 (customer) + 3.5 (tag); the old key's window ended, so its 2.0 is not carried
        .contains("spend carried over: $43.75 in 10 opening spend row(s)")
        .contains("old-expired")
        .contains("model secrets were encrypted under the --salt-key value");

    List<Object> afterFirst = storeState(dir, url);
    Run second = importInto(dir, env, "--salt-key", SALT);
    assertThat(second.code()).as(second.out()).isEqualTo(0);
    assertThat(second.out())
        .contains("keys              0 /     4 /     0")
        .contains("users             0 /     3 /     0")
        .contains("models            0 /     2 /     0")
        .contains("spend carried over: $0 in 0 opening spend row(s)")
        .contains("Nothing changed");
    assertThat(storeState(dir, url)).isEqualTo(afterFirst);

    try (Database db = Database.open(url, dir.resolve("data"))) {
      Map<String, Entity> byId = new HashMap<>();
      db.governance().loadAll().forEach(e -> byId.put(e.kind() + "/" + e.id(), e));
      Team t = (Team) java.util.Objects.requireNonNull(byId.get("TEAM/team-research"));
      assertThat(t.members())
          .extracting(TeamMember::userId, TeamMember::role, TeamMember::budgetId)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("carol", TeamMember.Role.ADMIN, Optional.empty()),
              org.assertj.core.groups.Tuple.tuple(
                  "alice", TeamMember.Role.USER, Optional.of("budget-member")));
      assertThat(t.organizationId()).contains("org-acme");
      assertThat(t.limits().maxBudgetNanos()).hasValue(20_000_000_000L);
      assertThat(t.limits().rate().rpmLimit()).hasValue(100);
      Organization o =
          (Organization) java.util.Objects.requireNonNull(byId.get("ORGANIZATION/org-acme"));
      assertThat(o.budgetId()).contains("budget-org");
      assertThat(o.members()).hasSize(1);
      User carol = (User) java.util.Objects.requireNonNull(byId.get("USER/carol"));
      assertThat(carol.role()).isEqualTo(UserRole.PROXY_ADMIN);
      assertThat(carol.limits().rate().maxParallelRequests()).hasValue(3);
      VirtualKey alice =
          byId.values().stream()
              .filter(
                  e ->
                      e instanceof VirtualKey k && k.keyAlias().equals(Optional.of("alice-laptop")))
              .map(VirtualKey.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(alice.tags()).containsExactly("prod");
      assertThat(alice.limits().rate().tpmLimit()).hasValue(50_000);
      assertThat(Json.MAPPER.readTree(alice.metadata()).path("owner").asText()).isEqualTo("alice");
    }

    Map<String, String> gwEnv = new HashMap<>(env);
    gwEnv.put("LITELLM_SALT_KEY", SALT);
    upstream.recording(true);
    try (TestGateway gw =
        TestGateway.start(
            """
            model_list:
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: %s,
                                 input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
                model_info: {id: cfg-1}
            """
                .formatted(upstream.apiBase()),
            gwEnv,
            dir)) {
      // The original key works, and its LiteLLM spend counts against its budget.
      assertThat(spend(gw, ALICE)).isEqualByComparingTo("4.25");
      HttpResponse<String> ok = chat(gw, ALICE, "gpt-4o-mini");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      // 10 input at $0.000001 and 5 output at $0.000002
      awaitSpend(gw, ALICE, new BigDecimal("4.25002"));

      // A model stored in LiteLLM's database is served, its encrypted api_key carried over.
      HttpResponse<String> viaDbModel = chat(gw, ALICE, "litellm-db-model");
      assertThat(viaDbModel.statusCode()).as(viaDbModel.body()).isEqualTo(200);
      assertThat(upstream.received())
          .anySatisfy(
              r ->
                  assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY));

      // A key whose imported spend already reached its max_budget is refused.
      assertThat(spend(gw, BOB)).isEqualByComparingTo("5");
      HttpResponse<String> refused = chat(gw, BOB, "gpt-4o-mini");
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
      assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("type").asText())
          .isEqualTo("budget_exceeded");

      // A team key keeps its window's spend until LiteLLM's budget_reset_at.
      assertThat(spend(gw, TEAM_KEY)).isEqualByComparingTo("1");
      JsonNode teamKey = keyInfo(gw, TEAM_KEY);
      assertThat(teamKey.path("budget_duration").asText()).isEqualTo("1d");
    }
  }

  @Test
  void noSaltKey_modelsNeedTheOperator_restImported(@TempDir Path dir) {
    Run r = importInto(dir, env(Optional.empty()));
    assertThat(r.code()).as(r.out()).isEqualTo(1);
    assertThat(r.out())
        .contains("keys              4 /     0 /     0")
        .contains("models            0 /     0 /     2")
        .contains("needs the operator:")
        .contains("model litellm-db-model (id db-model-1): not imported")
        .contains("--salt-key");
  }

  @Test
  void wrongSaltKey_modelsNotImported(@TempDir Path dir) {
    Run r = importInto(dir, env(Optional.empty()), "--salt-key", "not-the-salt-key");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out())
        .contains("models            0 /     0 /     2")
        .contains("the salt key does not open them");
  }

  @Test
  void missingDatabaseUrl_usage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ImportLitellm.run(
            new String[0],
            Environment.of(Map.of()),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--database-url is required");
  }

  private static HttpResponse<String> chat(TestGateway gw, String key, String model) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build());
  }

  private static JsonNode keyInfo(TestGateway gw, String key) throws IOException {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("info");
  }

  private static BigDecimal spend(TestGateway gw, String key) throws IOException {
    return keyInfo(gw, key).path("spend").decimalValue();
  }

  /** Spend settles after the answer; polls until it shows, without a timed assertion. */
  private static void awaitSpend(TestGateway gw, String key, BigDecimal expected) throws Exception {
    BigDecimal last = BigDecimal.ZERO;
    for (int i = 0; i < 500; i++) {
      last = spend(gw, key);
      if (last.compareTo(expected) == 0) {
        return;
      }
      Thread.sleep(10);
    }
    assertThat(last).isEqualByComparingTo(expected);
  }
}
