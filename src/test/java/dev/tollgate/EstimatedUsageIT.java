package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import dev.tollgate.testing.TestPostgres;
import dev.tollgate.testing.TestRedis;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every served token is billed: a request to a priced deployment whose provider reports no usage is
 * charged an estimate (input from the request, output from what was relayed), recorded as {@code
 * usage_source: estimated}, settled into the budgets, and shown apart in the reports. On SQLite
 * with local counters, and on PostgreSQL with Redis counters.
 */
class EstimatedUsageIT {
  enum Mode {
    SQLITE_LOCAL,
    POSTGRES_REDIS
  }

  static final Encoding O200K =
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  // Started before all tests.
  @SuppressWarnings("NullAway.Init")
  static TestRedis redis;

  final FakeOpenAi upstream = new FakeOpenAi();

  // Started by each test in its mode, before any use.
  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  final Map<String, SpendRecord> records = new ConcurrentHashMap<>();

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.start();
  }

  void start(Mode mode) {
    String redisSettings = "";
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);
    if (mode == Mode.POSTGRES_REDIS) {
      redis.flushAll();
      URI u = URI.create(redis.url());
      redisSettings = "\n  redis_host: %s\n  redis_port: %d".formatted(u.getHost(), u.getPort());
      env.put("DATABASE_URL", TestPostgres.freshDatabase());
    }
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: priced
                litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: mystery
                litellm_params: {model: hosted_vllm/house-model-7, api_base: %1$s}
            router_settings:
              num_retries: 0%2$s
            """
                .formatted(upstream.apiBase(), redisSettings),
            env);
    gw.gateway().onSpend(r -> records.put(r.requestId(), r));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  static final String MSG = "Tell me about budgets, please.";

  static String chat(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\","
        + (stream ? "\"stream\":true," : "")
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\""
        + MSG
        + "\"}]}";
  }

  /** Input as the estimator counts it: the texts, 4 tokens a message and 3 for the reply. */
  static long input() {
    return O200K.countTokensOrdinary("Be brief.\n")
        + O200K.countTokensOrdinary(MSG + "\n")
        + 2 * 4
        + 3;
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  HttpResponse<String> send(String key, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  SpendRecord record(String requestId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!records.containsKey(requestId)) {
      assertThat(System.nanoTime()).as("record of " + requestId).isLessThan(deadline);
      Thread.sleep(5);
    }
    return records.get(requestId);
  }

  long keySpendNanos(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    for (JsonNode l : Json.MAPPER.readTree(r.body()).path("info").path("budget_chain")) {
      if (l.path("level").asText().equals("key")) {
        return new BigDecimal(l.path("spend").asText()).movePointRight(9).longValueExact();
      }
    }
    throw new AssertionError("no key line: " + r.body());
  }

  void awaitKeySpend(String key, long nanos) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (keySpendNanos(key) != nanos) {
      assertThat(System.nanoTime())
          .as("key spend %d, expected %d", keySpendNanos(key), nanos)
          .isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  static long cost(long in, long out) {
    return in * 2_000 + out * 10_000;
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void streamWithoutUsage_isChargedItsEstimate_andTheBudgetSettlesIt(Mode mode) throws Exception {
    start(mode);
    upstream.fallback(
        new FakeOpenAi.NoUsage(
            List.of(
                "{\"role\":\"assistant\",\"reasoning_content\":\"The user wants budgets.\"}",
                "{\"content\":\"Budgets cap\"}",
                "{\"content\":\" what a key may spend.\"}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"q\\\":\\\"budget\\\"}\"}}]}")));
    String key = newKey("{\"max_budget\": 10}");

    HttpResponse<String> r = send(key, chat("priced", true));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Budgets cap").endsWith("data: [DONE]\n\n");
    SpendRecord rec = record(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
    long reasoning = O200K.countTokensOrdinary("The user wants budgets.");
    long output =
        O200K.countTokensOrdinary("Budgets cap what a key may spend.lookup{\"q\":\"budget\"}")
            + reasoning;
    assertThat(rec.usageSource()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(rec.inputTokens()).isEqualTo(input());
    assertThat(rec.outputTokens()).isEqualTo(output);
    assertThat(rec.reasoningTokens()).isEqualTo(reasoning);
    assertThat(rec.costNanos()).hasValue(cost(input(), output));
    awaitKeySpend(key, cost(input(), output));

    // The spend log and the report show it as estimated, apart from reported spend.
    awaitPersisted(1);
    JsonNode logs = Json.MAPPER.readTree(gw.get("/spend/logs/ui?api_key=" + key).body());
    JsonNode row = logs.path("data").get(0);
    assertThat(row.path("usage_source").asText()).isEqualTo("estimated");
    JsonNode report =
        Json.MAPPER.readTree(
            gw.get("/global/spend/report?start_date=2000-01-01&end_date=2999-12-31&group_by=model")
                .body());
    JsonNode group = report.path("data").get(0);
    assertThat(group.path("estimated_requests").asLong()).isEqualTo(1);
    assertThat(nanos(group.path("estimated_spend"))).isEqualTo(cost(input(), output));
    assertThat(nanos(group.path("spend"))).isEqualTo(cost(input(), output));
    assertThat(nanos(group.path("provider_reported_spend"))).isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void clientGoneMidStream_isChargedForWhatWasRelayed(Mode mode) throws Exception {
    start(mode);
    upstream.fallback(new FakeOpenAi.SlowStream(100_000, 2));
    String key = newKey("{\"max_budget\": 10}");
    HttpResponse<InputStream> r =
        gw.http()
            .send(
                HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString(chat("priced", true)))
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
    try (InputStream in = r.body()) {
      byte[] buf = new byte[8192];
      int got = 0;
      while (got < 2_000) {
        got += Math.max(0, in.read(buf));
      }
    }
    assertThat(upstream.awaitAbandoned(1, 60)).isTrue();

    SpendRecord rec = record(id);

    assertThat(rec.status()).isEqualTo(499);
    assertThat(rec.usageSource()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(rec.inputTokens()).isEqualTo(input());
    // Each relayed event carried "tok"; the client read at least 2,000 bytes of them.
    assertThat(rec.outputTokens()).isPositive();
    assertThat(rec.costNanos()).hasValue(cost(input(), rec.outputTokens()));
    awaitKeySpend(key, rec.costNanos().getAsLong());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void answerWithoutUsage_isEstimated_andAnUpstreamErrorIsNotCharged(Mode mode) throws Exception {
    start(mode);
    String key = newKey("{\"max_budget\": 10}");
    upstream.enqueue(
        new FakeOpenAi.NoUsage(
            List.of("{\"role\":\"assistant\",\"content\":\"Budgets cap spending.\"}")));
    HttpResponse<String> r = send(key, chat("priced", false));
    assertThat(r.statusCode()).isEqualTo(200);
    SpendRecord rec = record(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
    long output = O200K.countTokensOrdinary("Budgets cap spending.");
    assertThat(rec.usageSource()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(rec.outputTokens()).isEqualTo(output);
    assertThat(rec.costNanos()).hasValue(cost(input(), output));

    upstream.enqueue(
        new FakeOpenAi.Error(
            500,
            "application/json",
            "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    HttpResponse<String> failed = send(key, chat("priced", true));
    assertThat(failed.statusCode()).isEqualTo(502);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (records.size() < 2) {
      assertThat(System.nanoTime()).as("the failed request's record").isLessThan(deadline);
      Thread.sleep(5);
    }
    SpendRecord none =
        records.values().stream().filter(x -> x.status() == 502).findFirst().orElseThrow();
    assertThat(none.usageSource()).isEqualTo(UsageSource.NONE);
    assertThat(none.costNanos()).hasValue(0);
    awaitKeySpend(key, cost(input(), output));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void unknownPrice_keepsNullCost_butItsTokensAreEstimated(Mode mode) throws Exception {
    start(mode);
    upstream.fallback(new FakeOpenAi.NoUsage(List.of("{\"content\":\"Some words here.\"}")));
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("mystery", true));
    assertThat(r.statusCode()).isEqualTo(200);
    SpendRecord rec = record(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
    assertThat(rec.priceState()).isEqualTo("unknown");
    assertThat(rec.costNanos()).isEmpty();
    assertThat(rec.usageSource()).isEqualTo(UsageSource.ESTIMATED);
    // No tokenizer for this model: ASCII at 4 characters a token.
    assertThat(rec.outputTokens()).isEqualTo(("Some words here.".length() + 3) / 4);
    assertThat(rec.inputTokens()).isPositive();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void requestsThatNeverReportUsage_stillExhaustTheBudget(Mode mode) throws Exception {
    start(mode);
    upstream.fallback(
        new FakeOpenAi.NoUsage(List.of("{\"content\":\"" + "word ".repeat(40) + "\"}")));
    // Each request costs about 0.0005 USD: 40 output tokens and the input.
    String key = newKey("{\"max_budget\": 0.002}");
    int served = 0;
    HttpResponse<String> r;
    do {
      r = send(key, chat("priced", true));
      if (r.statusCode() == 200) {
        served++;
        record(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
      }
    } while (r.statusCode() == 200 && served < 50);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(served).isBetween(3, 6);
    // The key's spend is exactly the sum of its records, estimated included.
    long sum =
        records.values().stream()
            .filter(x -> x.status() == 200)
            .mapToLong(x -> x.costNanos().orElseThrow())
            .sum();
    awaitKeySpend(key, sum);
  }

  void awaitPersisted(long n) throws InterruptedException {
    var log = gw.gateway().database().spendLog();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (log.stats().persisted() < n) {
      assertThat(System.nanoTime()).as("persisted").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  static long nanos(JsonNode usd) {
    return new BigDecimal(usd.asText()).movePointRight(9).longValueExact();
  }
}
