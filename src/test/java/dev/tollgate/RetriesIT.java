package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retries over real HTTP: which failures are retried and which are not, where a retry goes, that a
 * retried request is billed once at the price of the deployment that served it, that every
 * attempt's reservation is given back, and that each attempt is admitted against the budgets at its
 * own deployment's price.
 */
class RetriesIT {
  /** The fake's default answer: 12 prompt and 5 completion tokens. */
  static final long GOOD_COST = 12 * 1_000L + 5 * 2_000L;

  FakeOpenAi bad;
  FakeOpenAi good;
  @Nullable TestGateway gw;
  final List<SpendRecord> records = new CopyOnWriteArrayList<>();

  /** An upstream error that asks for a 1 ms wait, so that retries on it do not sleep. */
  static FakeOpenAi.Error error(int status) {
    return new FakeOpenAi.Error(
        status,
        "application/json",
        "{\"error\":{\"message\":\"status " + status + "\",\"type\":\"x\",\"code\":null}}",
        Map.of("retry-after-ms", "1"));
  }

  @BeforeEach
  void upstreams() {
    bad = new FakeOpenAi();
    good = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    bad.close();
    good.close();
  }

  /** A gateway whose group {@code g} has the deployments in {@code deployments}. */
  TestGateway start(String deployments, String router) {
    TestGateway g =
        TestGateway.start("model_list:\n" + deployments + "router_settings:\n" + router);
    g.gateway().onSpend(records::add);
    gw = g;
    return g;
  }

  /** One deployment of group g on {@code upstream}: 1 and 2 micro-USD per token. */
  static String deployment(String id, FakeOpenAi upstream, String extra) {
    return """
          - model_name: g
            litellm_params: {model: openai/gpt-x, api_base: %s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002%s}
            model_info: {id: %s}
        """
        .formatted(upstream.apiBase(), extra, id);
  }

  HttpResponse<String> send(String key, boolean stream) {
    String body =
        "{\"model\":\"g\","
            + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    return gw().send(
            HttpRequest.newBuilder(gw().uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
  }

  TestGateway gw() {
    return java.util.Objects.requireNonNull(gw, "gateway not started");
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** Waits for {@code n} spend records and every reservation to be given back. */
  void settled(int n) throws InterruptedException {
    await(() -> records.size() >= n, n + " spend records");
    await(() -> gw().gateway().enforcer().openReservations() == 0, "no open reservations");
    Thread.sleep(50);
    assertThat(records).hasSize(n);
    assertThat(gw().gateway().enforcer().openReservations()).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void unavailableThenSuccess_oneRetryOneRecord(boolean stream) throws Exception {
    start(deployment("only", good, ""), "  num_retries: 2\n");
    good.enqueue(error(503));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, stream);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("1");
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("only");
    assertThat(good.received()).hasSize(2);
    settled(1);
    SpendRecord rec = records.get(0);
    assertThat(rec.requestId()).isEqualTo(r.headers().firstValue("x-tollgate-request-id").get());
    assertThat(rec.status()).isEqualTo(200);
    assertThat(rec.deploymentId()).contains("only");
    assertThat(rec.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(rec.costNanos()).isEqualTo(OptionalLong.of(GOOD_COST));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void oneDeploymentAlwaysFails_everyRequestServedByTheOtherAtItsPrice(boolean stream)
      throws Exception {
    bad.fallback(error(500));
    start(
        deployment("bad", bad, ", input_cost_per_token: 0.00001") + deployment("good", good, ""),
        "  num_retries: 1\n");

    int n = 12;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = send(TestGateway.MASTER_KEY, stream);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-litellm-model-id")).contains("good");
    }
    settled(n);
    assertThat(good.received()).hasSize(n);
    assertThat(records)
        .allSatisfy(
            rec -> {
              assertThat(rec.status()).isEqualTo(200);
              assertThat(rec.deploymentId()).contains("good");
              assertThat(rec.costNanos()).isEqualTo(OptionalLong.of(GOOD_COST));
            });
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void badRequest_notRetried(boolean stream) throws Exception {
    start(deployment("only", good, ""), "  num_retries: 3\n");
    good.enqueue(error(400));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, stream);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(good.received()).hasSize(1);
    settled(1);
    assertThat(records.get(0).status()).isEqualTo(400);
    assertThat(records.get(0).costNanos()).isEqualTo(OptionalLong.of(0));
  }

  @Test
  void streamDiedAfterItsHead_notRetried() throws Exception {
    start(deployment("only", good, ""), "  num_retries: 3\n");
    good.enqueue(new FakeOpenAi.DieMidStream());

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, true);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Hel").contains("error");
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).isEmpty();
    assertThat(good.received()).hasSize(1);
    settled(1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void retries_exhausted_lastErrorAnswered(boolean stream) throws Exception {
    good.fallback(error(503));
    start(deployment("only", good, ""), "  num_retries: 2\n");

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, stream);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("2");
    assertThat(good.received()).hasSize(3);
    settled(1);
    assertThat(records.get(0).deploymentId()).contains("only");
    assertThat(records.get(0).costNanos()).isEqualTo(OptionalLong.of(0));
  }

  @Test
  void deploymentMaxRetries_retriesWithoutRouterSetting() throws Exception {
    start(deployment("only", good, ", max_retries: 1"), "  num_retries: 0\n");
    good.enqueue(error(429));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, false);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(good.received()).hasSize(2);
    settled(1);
  }

  @Test
  void numRetriesInTheBody_winsAndIsNotSentUpstream() throws Exception {
    start(deployment("only", good, ""), "  num_retries: 0\n");
    good.enqueue(error(503)).enqueue(error(503));

    HttpResponse<String> r =
        gw().send(
                HttpRequest.newBuilder(gw().uri("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"g\",\"num_retries\":2,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                    .build());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("2");
    assertThat(good.received())
        .hasSize(3)
        .allSatisfy(q -> assertThat(q.body()).doesNotContain("num_retries"));
    settled(1);
  }

  @Test
  void retryPolicy_noRateLimitRetries_429Answered() throws Exception {
    start(
        deployment("only", good, ""),
        "  num_retries: 3\n  retry_policy: {RateLimitErrorRetries: 0}\n");
    good.enqueue(error(429));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, false);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(good.received()).hasSize(1);
    settled(1);
  }

  @Test
  void retry_admittedAgainAtTheOtherDeploymentsPrice_budgetRefusesIt() throws Exception {
    bad.fallback(error(503));
    // A free deployment first (by weight) that fails, and a priced one the key cannot afford.
    start(
        deployment(
                "free", bad, ", input_cost_per_token: 0, output_cost_per_token: 0, weight: 1000000")
            + deployment("paid", good, ""),
        "  num_retries: 1\n");
    HttpResponse<String> k = gw().post("/key/generate", "{\"max_budget\": 0}");
    assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
    String key = Json.MAPPER.readTree(k.body()).path("key").asText();

    HttpResponse<String> r = send(key, false);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(r.body()).contains("budget");
    assertThat(bad.received()).hasSize(1);
    assertThat(good.received()).isEmpty();
    settled(1);
    assertThat(records.get(0).status()).isEqualTo(429);
    assertThat(records.get(0).costNanos()).isEqualTo(OptionalLong.of(0));
  }
}
