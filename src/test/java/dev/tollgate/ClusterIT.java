package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.TestRedis;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three gateway instances on one PostgreSQL and one Redis, requests round-robined across them:
 * budgets hold across the cluster to the reservation guarantee, cold and stale counters are
 * reseeded from the store without inflation, resets apply everywhere at once, and Redis dying and
 * coming back under load counts every request exactly once.
 */
class ClusterIT {
  static final long IN = 2_000;
  static final long OUT = 10_000;

  /** What each answered request costs: 12 input and 5 output tokens. */
  static final long COST = 12 * IN + 5 * OUT;

  static final String BODY =
      "{\"model\":\"priced\",\"max_tokens\":100,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

  /** What admission reserves for {@link #BODY}. */
  static final long C = reservation(BODY);

  /** A budget that admits exactly 7 requests of {@link #C} at once: ⌈R/c⌉ = 7. */
  static final long R = 6 * C + C / 3;

  static TestRedis redis;

  FakeOpenAi upstream;
  List<TestGateway> gws = new ArrayList<>();
  String config = "";
  Map<String, String> env = Map.of();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void redis() {
    redis = TestRedis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void start() {
    redis.flushAll();
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    URI u = URI.create(redis.url());
    config =
        """
        model_list:
          - model_name: priced
            litellm_params: {model: openai/acme, api_base: %s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            model_info: {id: priced-1}
          - model_name: budgeted
            litellm_params: {model: hosted_vllm/acme, api_base: %1$s,
                             input_cost_per_token: 0.000002, output_cost_per_token: 0.00001,
                             max_budget: %5$s, budget_duration: 1d}
            model_info: {id: budgeted-1}
        router_settings:
          redis_host: %2$s
          redis_port: %3$d
        general_settings:
          config_sync_interval_seconds: 3600
        litellm_settings:
          max_end_user_budget: %4$s
        """
            .formatted(upstream.apiBase(), u.getHost(), u.getPort(), usd(C + C / 2), usd(R));
    env =
        Map.of(
            "TOLLGATE_MASTER_KEY",
            TestGateway.MASTER_KEY,
            "DATABASE_URL",
            TestPostgres.freshDatabase());
    for (int i = 0; i < 3; i++) {
      gws.add(TestGateway.start(config, env));
    }
  }

  @AfterEach
  void stop() {
    if (redis.canRestart()) {
      try {
        redis.command("PING");
      } catch (RuntimeException e) {
        redis.restart();
      }
    }
    gws.forEach(TestGateway::close);
    upstream.close();
  }

  static long reservation(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    long input = TokenBound.of(bytes, 0, bytes.length);
    return input * IN + 100 * OUT;
  }

  static String usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).toPlainString();
  }

  static long nanos(JsonNode usd) {
    return new BigDecimal(usd.asText()).movePointRight(9).longValueExact();
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  /** A key made on the first instance, once every instance knows it. */
  String newKey(String body) throws Exception {
    String key = ok(gws.get(0).post("/key/generate", body)).path("key").asText();
    for (TestGateway gw : gws) {
      await(
          () -> gw.get("/key/info?key=" + key).statusCode() == 200, "the key is known everywhere");
    }
    return key;
  }

  HttpRequest chat(TestGateway gw, String key, String body) {
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  HttpResponse<String> send(TestGateway gw, String key, String body) throws Exception {
    return http.send(chat(gw, key, body), HttpResponse.BodyHandlers.ofString());
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.sleep(10);
    }
  }

  long keySpendOrMinus(TestGateway gw, String key) {
    try {
      return keySpend(gw, key);
    } catch (Exception e) {
      return -1;
    }
  }

  long keySpend(TestGateway gw, String key) throws Exception {
    JsonNode chain = ok(gw.get("/key/info?key=" + key)).path("info").path("budget_chain");
    for (JsonNode l : chain) {
      if (l.path("level").asText().equals("key")) {
        return nanos(l.path("spend"));
      }
    }
    throw new AssertionError("no key line in " + chain);
  }

  String counters(TestGateway gw) throws Exception {
    return ok(gw.get("/health/readiness")).path("counters").asText();
  }

  /**
   * Sends 200 requests at once, round-robin over the instances, with the upstream holding every
   * answer, and returns how many were admitted (reached the upstream) once every other was refused.
   * Then lets them finish.
   */
  int burst(String key, String body) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    int before = upstream.received().size();
    upstream.fallback(new FakeOpenAi.Held(release));
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          http.sendAsync(chat(gws.get(i % 3), key, body), HttpResponse.BodyHandlers.ofString()));
    }
    await(
        () ->
            all.stream().filter(CompletableFuture::isDone).count()
                    + upstream.received().size()
                    - before
                == 200,
        "every request refused or held upstream");
    int admitted = upstream.received().size() - before;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      if (f.isDone()) {
        HttpResponse<String> r = f.get();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText())
            .isEqualTo("budget_exceeded");
      }
    }
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    for (TestGateway gw : gws) {
      await(() -> gw.gateway().enforcer().openReservations() == 0, "reservations settled");
    }
    return admitted;
  }

  @Test
  void everyInstanceSharesCountersThroughRedis() throws Exception {
    for (TestGateway gw : gws) {
      gw.gateway().checkPeers();
    }
    for (TestGateway gw : gws) {
      assertThat(counters(gw)).isEqualTo("redis");
      // They see each other on the store, and since all share counters, nothing to warn about.
      assertThat(ok(gw.get("/health/readiness")).has("counters_warning")).isFalse();
    }
  }

  @Test
  void aKeyBudgetHoldsAcrossTheCluster() throws Exception {
    String key = newKey("{\"max_budget\": " + usd(R) + "}");
    assertThat(burst(key, BODY)).isEqualTo(7);
    for (TestGateway gw : gws) {
      assertThat(keySpend(gw, key)).isEqualTo(7 * COST);
    }
  }

  @Test
  void aPerModelBudgetHoldsAcrossTheCluster() throws Exception {
    String key =
        newKey(
            "{\"model_max_budget\": {\"priced\": {\"budget_limit\": "
                + usd(R)
                + ", \"time_period\": \"1d\"}}}");
    assertThat(burst(key, BODY)).isEqualTo(7);
  }

  @Test
  void aDeploymentBudgetHoldsAcrossTheCluster() throws Exception {
    // Counted per deployment id in Redis: three instances with their own counters would admit 21.
    String body = BODY.replace("\"priced\"", "\"budgeted\"");
    assertThat(burst(newKey("{}"), body)).isEqualTo(7);
  }

  @Test
  void aCustomerBudgetHoldsAcrossTheCluster() throws Exception {
    ok(gws.get(1).post("/customer/new", "{\"user_id\": \"c1\", \"max_budget\": " + usd(R) + "}"));
    for (TestGateway gw : gws) {
      await(
          () -> {
            try {
              return Json.MAPPER
                  .readTree(gw.get("/customer/info?end_user_id=c1").body())
                  .path("max_budget")
                  .isNumber();
            } catch (Exception e) {
              return false;
            }
          },
          "the customer's budget is known on every instance: "
              + gw.get("/customer/info?end_user_id=c1").body());
    }
    String key = newKey("{}");
    assertThat(burst(key, BODY.replace("{\"model\"", "{\"user\":\"c1\",\"model\""))).isEqualTo(7);
  }

  @Test
  void aTagBudgetHoldsAcrossTheCluster() throws Exception {
    ok(gws.get(2).post("/tag/new", "{\"name\": \"t1\", \"max_budget\": " + usd(R) + "}"));
    String key = newKey("{}");
    for (TestGateway gw : gws) {
      await(
          () -> gw.post("/tag/info", "{\"names\":[\"t1\"]}").statusCode() == 200,
          "the tag is known on every instance");
    }
    String tagged = BODY.replace("{\"model\"", "{\"metadata\":{\"tags\":[\"t1\"]},\"model\"");
    assertThat(burst(key, tagged)).isEqualTo(7);
  }

  @Test
  void concurrentFirstRequestsFromAnUnseenCustomerRespectTheTinyDefaultBudget() throws Exception {
    String key = newKey("{}");
    // max_end_user_budget is 1.5 reservations: ⌈1.5⌉ = 2 admitted, across three instances.
    assertThat(burst(key, BODY.replace("{\"model\"", "{\"user\":\"newbie\",\"model\"")))
        .isEqualTo(2);
  }

  @Test
  void aColdCounterIsReseededFromTheStoreWithoutInflationOrFalseRefusals() throws Exception {
    String key = newKey("{\"max_budget\": 10}");
    for (int i = 0; i < 20; i++) {
      ok(send(gws.get(i % 3), key, BODY));
    }
    awaitSpendCommitted();
    // Redis loses everything; the store has 20 requests' spend.
    redis.flushAll();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(
          http.sendAsync(chat(gws.get(i % 3), key, BODY), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    // Every instance seeded the same counter at once: the base counted once. A response can
    // reach the client a moment before its settlement reaches Redis, so the counter is awaited;
    // an inflated one never comes down to the exact figure.
    for (TestGateway gw : gws) {
      await(() -> keySpendOrMinus(gw, key) >= 80 * COST, "every settlement counted");
      assertThat(keySpend(gw, key)).isEqualTo(80 * COST);
    }
  }

  @Test
  void anEmptyRedisAfterARestartStillRefusesAnOverBudgetKey() throws Exception {
    Assumptions.assumeTrue(redis.canRestart(), "needs the embedded redis");
    // Three requests reach 0.000222 USD, past 0.0002.
    String key = newKey("{\"max_budget\": 0.0002}");
    for (int i = 0; i < 3; i++) {
      ok(send(gws.get(i), key, BODY));
    }
    assertThat(send(gws.get(0), key, BODY).statusCode()).isEqualTo(429);
    awaitSpendCommitted();
    // A restart: the counter is gone.
    redis.stop();
    redis.restart();
    for (TestGateway gw : gws) {
      HttpResponse<String> r = send(gw, key, BODY);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
      assertThat(r.body()).contains("has spent 0.000222");
    }
    assertThat(upstream.received()).hasSize(3);
  }

  /** A key, a customer and a team, each with a budget that three requests exhaust. */
  record Exhausted(String overKey, String customerKey, String teamKey) {
    List<String[]> requests() {
      return List.of(
          new String[] {overKey, BODY},
          new String[] {customerKey, BODY.replace("{\"model\"", "{\"user\":\"c-over\",\"model\"")},
          new String[] {teamKey, BODY});
    }
  }

  Exhausted threeBudgets() throws Exception {
    ok(gws.get(0).post("/customer/new", "{\"user_id\": \"c-over\", \"max_budget\": 0.0002}"));
    ok(gws.get(0).post("/team/new", "{\"team_id\": \"tm-over\", \"max_budget\": 0.0002}"));
    Exhausted e =
        new Exhausted(
            newKey("{\"max_budget\": 0.0002}"), newKey("{}"), newKey("{\"team_id\": \"tm-over\"}"));
    for (TestGateway gw : gws) {
      await(
          () -> gw.get("/customer/info?end_user_id=c-over").body().contains("max_budget\":0.0002"),
          "the customer's budget is known everywhere");
      await(
          () -> gw.get("/team/info?team_id=tm-over").body().contains("max_budget\":0.0002"),
          "the team's budget is known everywhere");
    }
    return e;
  }

  /**
   * Spends each budget past its max on the first instance only, so that no other instance has seen
   * the spend, and waits until the spend log has committed every record: then the store, and only
   * the store, knows it all.
   */
  void exhaustOnTheFirstInstance(Exhausted e) throws Exception {
    for (String[] r : e.requests()) {
      HttpResponse<String> last = send(gws.get(0), r[0], r[1]);
      for (int i = 0; i < 5 && last.statusCode() == 200; i++) {
        last = send(gws.get(0), r[0], r[1]);
      }
      assertThat(last.statusCode()).as(last.body()).isEqualTo(429);
    }
    awaitSpendCommitted();
  }

  /** Waits until every instance's spend log has committed every record handed to it. */
  void awaitSpendCommitted() throws InterruptedException {
    for (TestGateway gw : gws) {
      dev.tollgate.store.SpendLog log = gw.gateway().database().spendLog();
      await(
          () -> log.stats().persisted() == log.stats().recorded(), "every spend record committed");
    }
  }

  void everyInstanceRefuses(Exhausted e, String after) throws Exception {
    for (TestGateway gw : gws) {
      for (String[] r : e.requests()) {
        HttpResponse<String> refused = send(gw, r[0], r[1]);
        assertThat(refused.statusCode()).as(after + ": " + refused.body()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("type").asText())
            .isEqualTo("budget_exceeded");
      }
    }
    // Only the three requests per budget that spent it reached the upstream.
    assertThat(upstream.received()).hasSize(9);
  }

  @Test
  void afterRedisIsFlushedEveryInstanceRefusesWhatTheSpendLogShowsOverBudget() throws Exception {
    Exhausted e = threeBudgets();
    exhaustOnTheFirstInstance(e);
    // No periodic save, no waiting: the store's counters moved with each committed batch.
    redis.flushAll();
    everyInstanceRefuses(e, "after FLUSHALL");
  }

  @Test
  void afterRedisComesBackFromAnOlderSnapshotEveryInstanceRefusesWhatTheSpendLogShowsOverBudget()
      throws Exception {
    Assumptions.assumeTrue(redis.canRestart(), "needs the embedded redis");
    Exhausted e = threeBudgets();
    // The snapshot holds the team's counters, below their max.
    ok(send(gws.get(1), e.teamKey(), BODY));
    await(
        () ->
            Long.toString(COST)
                .equals(redis.command("HGET", "tollgate:spend:s|team|tm-over|", "used")),
        "the team's spend settled in redis");
    java.nio.file.Path before = redis.snapshot();
    exhaustOnTheFirstInstance(e);
    redis.restartFrom(before);
    assertThat(redis.command("HGET", "tollgate:spend:s|team|tm-over|", "used"))
        .isEqualTo(Long.toString(COST));
    everyInstanceRefuses(e, "after a restore from an older snapshot");
  }

  @Test
  void aResetOnOneInstanceIsHonouredByTheOthersAtOnce() throws Exception {
    String key = newKey("{\"max_budget\": 0.0002}");
    for (int i = 0; i < 3; i++) {
      ok(send(gws.get(i), key, BODY));
    }
    for (TestGateway gw : gws) {
      assertThat(send(gw, key, BODY).statusCode()).isEqualTo(429);
    }
    ok(gws.get(0).post("/key/" + key + "/reset_spend", "{}"));
    // No waiting: the very next request on each other instance is admitted.
    ok(send(gws.get(1), key, BODY));
    ok(send(gws.get(2), key, BODY));
    assertThat(keySpend(gws.get(2), key)).isEqualTo(2 * COST);
  }

  @Test
  void redisKilledAndRestartedUnderLoadCountsEveryRequestExactlyOnce() throws Exception {
    Assumptions.assumeTrue(redis.canRestart(), "needs the embedded redis");
    String key = newKey("{\"max_budget\": 100}");
    int served = 0;
    for (int i = 0; i < 9; i++) {
      ok(send(gws.get(i % 3), key, BODY));
      served++;
    }
    // Six requests admitted through Redis and still in flight when it dies.
    CountDownLatch release = new CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      inFlight.add(
          http.sendAsync(chat(gws.get(i % 3), key, BODY), HttpResponse.BodyHandlers.ofString()));
    }
    await(() -> upstream.received().size() == 15, "six requests held upstream");
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    awaitSpendCommitted();

    redis.stop();
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      ok(f.get(60, TimeUnit.SECONDS));
      served++;
    }
    // Load while Redis is down: each instance falls back to its own counters.
    List<CompletableFuture<HttpResponse<String>>> wave = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      wave.add(
          http.sendAsync(chat(gws.get(i % 3), key, BODY), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : wave) {
      ok(f.get(60, TimeUnit.SECONDS));
      served++;
    }
    for (TestGateway gw : gws) {
      assertThat(counters(gw)).isEqualTo("redis-fallback-local");
    }
    // Redis comes back empty: the outage's queued settlements are dropped, and its spend comes
    // back through the floors, which hold what the spend log has committed.
    awaitSpendCommitted();

    redis.restart();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!allShared()) {
      assertThat(System.nanoTime()).as("redis taken back by every instance").isLessThan(deadline);
      List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        more.add(http.sendAsync(chat(gws.get(i), key, BODY), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : more) {
        ok(f.get(60, TimeUnit.SECONDS));
        served++;
      }
      Thread.sleep(20);
    }
    for (TestGateway gw : gws) {
      await(() -> gw.gateway().enforcer().openReservations() == 0, "reservations settled");
    }
    // Before the kill, in flight, during the outage and after: each counted once. The instances
    // noticed the empty Redis at different moments, so a counter may first miss spend one of them
    // had not committed yet; the periodic re-read of the store's counters (every 5 s) brings it in.
    long expected = served * COST;
    for (TestGateway gw : gws) {
      await(() -> keySpendOrMinus(gw, key) == expected, "every request counted once");
      assertThat(keySpend(gw, key)).isEqualTo(expected);
    }
  }

  boolean allShared() throws Exception {
    for (TestGateway gw : gws) {
      if (!counters(gw).equals("redis")) {
        return false;
      }
    }
    return true;
  }

  @Test
  void failClosedRefusesWhileRedisIsDownAndLocalModeKeepsServing() throws Exception {
    Assumptions.assumeTrue(redis.canRestart(), "needs the embedded redis");
    TestGateway closed =
        TestGateway.start(
            config.replace(
                "general_settings:\n", "general_settings:\n  redis_failure_mode: closed\n"),
            env);
    try {
      String key = newKey("{\"max_budget\": 10}");
      await(() -> closed.get("/key/info?key=" + key).statusCode() == 200, "key known");
      ok(send(closed, key, BODY));
      redis.stop();
      HttpResponse<String> refused = send(closed, key, BODY);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.headers().firstValue("retry-after")).isPresent();
      assertThat(refused.body()).contains("redis_failure_mode is closed");
      assertThat(counters(closed)).isEqualTo("redis-unavailable-closed");
      // The default, local, keeps serving on its own counters.
      ok(send(gws.get(0), key, BODY));
      assertThat(counters(gws.get(0))).isEqualTo("redis-fallback-local");
      redis.restart();
      await(
          () -> {
            try {
              return send(closed, key, BODY).statusCode() == 200;
            } catch (Exception e) {
              return false;
            }
          },
          "the closed instance serves again once redis is back");
    } finally {
      closed.close();
    }
  }
}
