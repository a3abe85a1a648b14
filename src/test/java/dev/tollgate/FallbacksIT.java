package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
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
 * Fallbacks over real HTTP: each source (the group's list, {@code *}, {@code default_fallbacks},
 * the request's own, context-window and content-policy lists), and the money rules: every fallback
 * is admitted again (access, budgets) at its own deployment's price, the request is billed once at
 * the price of the deployment that served it, and a refused caller is never served by a fallback.
 */
class FallbacksIT {
  /** The fake's default answer, 12 prompt and 5 completion tokens, at the fallback's price. */
  static final long FALLBACK_COST = 12 * 3_000L + 5 * 4_000L;

  FakeOpenAi primary;
  FakeOpenAi second;
  FakeOpenAi third;
  @Nullable TestGateway gw;
  final List<SpendRecord> records = new CopyOnWriteArrayList<>();

  static FakeOpenAi.Error error(int status, @Nullable String code, String message) {
    return new FakeOpenAi.Error(
        status,
        "application/json",
        "{\"error\":{\"message\":\""
            + message
            + "\",\"type\":\"invalid_request_error\",\"code\":"
            + (code == null ? "null" : "\"" + code + "\"")
            + "}}",
        Map.of("retry-after-ms", "1"));
  }

  static FakeOpenAi.Error down() {
    return error(503, null, "overloaded");
  }

  @BeforeEach
  void upstreams() {
    primary = new FakeOpenAi();
    second = new FakeOpenAi();
    third = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    primary.close();
    second.close();
    third.close();
  }

  /** Groups g (free-ish: 1 and 2 micro-USD), f (3 and 4) and h (5 and 6), one deployment each. */
  TestGateway start(String router) {
    return start(router, "");
  }

  TestGateway start(String router, String primaryExtra) {
    String yaml =
        "model_list:\n"
            + deployment("g", "g-1", primary, "0.000001", "0.000002", primaryExtra)
            + deployment("f", "f-1", second, "0.000003", "0.000004", "")
            + deployment("h", "h-1", third, "0.000005", "0.000006", "")
            + "router_settings:\n"
            + router;
    TestGateway g = TestGateway.start(yaml);
    g.gateway().onSpend(records::add);
    gw = g;
    return g;
  }

  static String deployment(
      String group, String id, FakeOpenAi upstream, String in, String out, String extra) {
    return """
          - model_name: %s
            litellm_params: {model: openai/gpt-x, api_base: %s,
                             input_cost_per_token: %s, output_cost_per_token: %s%s}
            model_info: {id: %s}
        """
        .formatted(group, upstream.apiBase(), in, out, extra, id);
  }

  HttpResponse<String> send(String key, boolean stream, String extra) {
    String body =
        "{\"model\":\"g\","
            + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
            + extra
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    return gw().send(
            HttpRequest.newBuilder(gw().uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
  }

  HttpResponse<String> send(boolean stream) {
    return send(TestGateway.MASTER_KEY, stream, "");
  }

  TestGateway gw() {
    return java.util.Objects.requireNonNull(gw, "gateway not started");
  }

  String key(String body) throws Exception {
    HttpResponse<String> k = gw().post("/key/generate", body);
    assertThat(k.statusCode()).as(k.body()).isEqualTo(200);
    return Json.MAPPER.readTree(k.body()).path("key").asText();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  void settled(int n) throws InterruptedException {
    await(() -> records.size() >= n, n + " spend records");
    await(() -> gw().gateway().enforcer().openReservations() == 0, "no open reservations");
    Thread.sleep(50);
    assertThat(records).hasSize(n);
    assertThat(gw().gateway().enforcer().openReservations()).isZero();
  }

  /** The served answer came from the fallback f, and one record bills it at f's price. */
  void servedByF(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).contains("1");
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("f-1");
    assertThat(r.headers().firstValue("x-litellm-model-group")).contains("f");
    assertThat(second.received()).hasSize(1);
    settled(1);
    SpendRecord rec = records.get(0);
    assertThat(rec.status()).isEqualTo(200);
    assertThat(rec.modelGroup()).isEqualTo("f");
    assertThat(rec.deploymentId()).contains("f-1");
    assertThat(rec.costNanos()).isEqualTo(OptionalLong.of(FALLBACK_COST));
    List<SpendRecord.Attempt> attempts = rec.attempts();
    assertThat(attempts).hasSizeGreaterThanOrEqualTo(2);
    assertThat(attempts.get(0).modelGroup()).isEqualTo("g");
    assertThat(attempts.get(0).deploymentId()).isEqualTo("g-1");
    assertThat(attempts.get(0).status()).isNotEqualTo(200);
    assertThat(attempts.get(0).errorClass()).isPresent();
    SpendRecord.Attempt last = attempts.get(attempts.size() - 1);
    assertThat(last)
        .isEqualTo(new SpendRecord.Attempt("f", "f-1", 200, java.util.Optional.empty()));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void groupFallback_takenAfterTheGroupsRetries_billedAtTheFallbacksPrice(boolean stream)
      throws Exception {
    start("  num_retries: 1\n  fallbacks: [{\"g\": [\"f\", \"h\"]}]\n");
    primary.fallback(down());

    HttpResponse<String> r = send(stream);

    servedByF(r);
    assertThat(r.headers().firstValue("x-litellm-attempted-retries")).contains("1");
    assertThat(primary.received()).as("the group's own retry first").hasSize(2);
    assertThat(third.received()).isEmpty();
    if (stream) {
      assertThat(r.body()).contains("data: [DONE]");
    }
  }

  @Test
  void fallbackAlsoFails_nextOneServes_andTheLastErrorIsAnsweredWhenNoneDoes() throws Exception {
    start("  fallbacks: [{\"g\": [\"f\", \"h\"]}]\n");
    primary.fallback(down());
    second.fallback(down());

    HttpResponse<String> r = send(false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).contains("2");
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("h-1");
    settled(1);
    assertThat(records.get(0).deploymentId()).contains("h-1");

    third.fallback(down());
    HttpResponse<String> failed = send(false);
    assertThat(failed.statusCode()).as("an upstream 503 is a 502").isEqualTo(502);
    assertThat(failed.headers().firstValue("x-litellm-attempted-fallbacks")).contains("2");
    assertThat(failed.body()).contains("overloaded");
    settled(2);
    assertThat(records.get(1).costNanos()).isEqualTo(OptionalLong.of(0));
  }

  @Test
  void starFallbacks_forGroupsWithoutTheirOwn_beforeDefaultFallbacks() throws Exception {
    start("  fallbacks: [{\"*\": [\"f\"]}]\n  default_fallbacks: [\"h\"]\n");
    primary.fallback(down());
    servedByF(send(false));
    assertThat(third.received()).isEmpty();
  }

  @Test
  void defaultFallbacks_forGroupsWithoutTheirOwn() throws Exception {
    start("  default_fallbacks: [\"f\"]\n");
    primary.fallback(down());
    servedByF(send(false));
  }

  @Test
  void requestFallbacks_winAndAreNotSentUpstream() throws Exception {
    start("  fallbacks: [{\"g\": [\"h\"]}]\n");
    primary.fallback(down());

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, false, "\"fallbacks\":[\"f\"],");

    servedByF(r);
    assertThat(third.received()).isEmpty();
    assertThat(primary.lastReceived().body()).doesNotContain("fallbacks");
    assertThat(second.lastReceived().body()).doesNotContain("fallbacks");
  }

  @Test
  void requestFallbacks_badShape_400() throws Exception {
    start("");
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, false, "\"fallbacks\":\"f\",");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("fallbacks");
    assertThat(primary.received()).isEmpty();
  }

  @Test
  void contextWindowError_takesTheContextWindowFallbacks_notTheGeneralOnes() throws Exception {
    start("  fallbacks: [{\"g\": [\"h\"]}]\n  context_window_fallbacks: [{\"g\": [\"f\"]}]\n");
    primary.fallback(
        error(
            400, "context_length_exceeded", "This model's maximum context length is 8192 tokens."));

    servedByF(send(false));
    assertThat(third.received()).isEmpty();
    assertThat(records.get(0).attempts().get(0).errorClass())
        .contains("ContextWindowExceededError");
  }

  @Test
  void contentPolicyError_takesTheContentPolicyFallbacks() throws Exception {
    start("  content_policy_fallbacks: [{\"g\": [\"f\"]}]\n");
    primary.fallback(error(400, "content_filter", "filtered"));
    servedByF(send(false));
  }

  @Test
  void plainBadRequest_neverFallsBack() throws Exception {
    start("  fallbacks: [{\"g\": [\"f\"]}]\n  context_window_fallbacks: [{\"g\": [\"f\"]}]\n");
    primary.fallback(error(400, "invalid_value", "temperature is out of range"));

    HttpResponse<String> r = send(false);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).isEmpty();
    assertThat(second.received()).isEmpty();
    settled(1);
  }

  @Test
  void maxFallbacks_boundsTheChain() throws Exception {
    start("  max_fallbacks: 1\n  fallbacks: [{\"g\": [\"f\", \"h\"]}]\n");
    primary.fallback(down());
    second.fallback(down());

    HttpResponse<String> r = send(false);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).contains("1");
    assertThat(third.received()).isEmpty();
    settled(1);
  }

  @Test
  void freePrimaryFails_paidFallbackIsAdmittedAgainstTheBudget_andRefused() throws Exception {
    start(
        "  fallbacks: [{\"g\": [\"f\"]}]\n", ", input_cost_per_token: 0, output_cost_per_token: 0");
    primary.fallback(down());
    String key = key("{\"max_budget\": 0}");

    HttpResponse<String> r = send(key, false, "");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(r.body()).contains("budget");
    assertThat(primary.received()).hasSize(1);
    assertThat(second.received()).as("the fallback never ran unchecked").isEmpty();
    settled(1);
    assertThat(records.get(0).costNanos()).isEqualTo(OptionalLong.of(0));
  }

  @Test
  void fallbackModelsOwnBudget_blocksTheFallback() throws Exception {
    start("  fallbacks: [{\"g\": [\"f\"]}]\n");
    primary.fallback(down());
    String key = key("{\"model_max_budget\": {\"f\": {\"budget_limit\": 0}}}");

    HttpResponse<String> r = send(key, false, "");

    assertThat(r.statusCode()).as(r.body()).isIn(400, 429);
    assertThat(r.body()).contains("budget").contains("f");
    assertThat(second.received()).isEmpty();
    settled(1);
  }

  @Test
  void keyWithoutAccessToTheFallback_isNotServedByIt() throws Exception {
    start("  fallbacks: [{\"g\": [\"f\"]}]\n");
    primary.fallback(down());
    String key = key("{\"models\": [\"g\"]}");

    HttpResponse<String> r = send(key, false, "");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("overloaded");
    assertThat(second.received()).isEmpty();
    settled(1);
  }

  @Test
  void callerRefusedOnThePrimary_neverFallsBack() throws Exception {
    start("  fallbacks: [{\"g\": [\"f\"]}]\n");
    String key = key("{\"max_budget\": 0}");

    HttpResponse<String> r = send(key, false, "");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(primary.received()).isEmpty();
    assertThat(second.received()).isEmpty();
    settled(1);
  }
}
