package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.Estimate;
import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission by reservation, over real HTTP: the ⌈R/c⌉ guarantee with 200 concurrent requests, the
 * overshoot bound when {@code max_tokens} bounds each request, bounded reservations for requests
 * without a bound, and no reservation outliving its request on any terminal path.
 */
class ReservationsIT {
  /** The custom model's rates, in nano-USD per token. */
  static final long IN = 2_000;

  static final long OUT = 10_000;

  FakeOpenAi upstream;
  TestGateway gw;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: custom
                litellm_params: {model: openai/acme-internal, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: custom-1}
              - model_name: big
                litellm_params: {model: openai/acme-big, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: big-1, max_output_tokens: 1000000}
              - model_name: small-out
                litellm_params: {model: openai/acme-small, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: small-1, max_output_tokens: 50}
              - model_name: slow
                litellm_params: {model: openai/acme-slow, api_base: %1$s, timeout: 0.2,
                                 stream_timeout: 0.2,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
                model_info: {id: slow-1}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static String body(String model, boolean stream, String extra) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + extra
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  }

  HttpRequest request(String key, String body) {
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** What admission reserves for {@code body}: estimated input plus the output bound. */
  static long reservation(String body, long outputTokens) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    long input = TokenBound.of(bytes, 0, bytes.length);
    return input * IN + outputTokens * OUT;
  }

  JsonNode keyLine(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode chain = Json.MAPPER.readTree(r.body()).path("info").path("budget_chain");
    for (JsonNode l : chain) {
      if (l.path("level").asText().equals("key")) {
        return l;
      }
    }
    throw new AssertionError("no key line in " + chain);
  }

  static long nanos(JsonNode usd) {
    return new BigDecimal(usd.asText()).movePointRight(9).longValueExact();
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

  static String usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).toPlainString();
  }

  @Test
  void twoHundredConcurrentRequestsAdmitExactlyCeilOfRemainingOverReservation() throws Exception {
    String body = body("custom", false, ",\"max_tokens\":100");
    long c = reservation(body, 100);
    // Remaining budget R, not a multiple of c: ⌈R/c⌉ = 7.
    long r = 6 * c + c / 3;
    String key = newKey("{\"max_budget\": " + usd(r) + "}");
    CountDownLatch release = new CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));

    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(http.sendAsync(request(key, body), HttpResponse.BodyHandlers.ofString()));
    }
    await(
        () ->
            all.stream().filter(CompletableFuture::isDone).count() + upstream.received().size()
                == 200,
        "every request refused or held upstream");
    assertThat(upstream.received()).hasSize(7);
    for (CompletableFuture<HttpResponse<String>> f : all) {
      if (f.isDone()) {
        HttpResponse<String> resp = f.get();
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(429);
        JsonNode err = Json.MAPPER.readTree(resp.body()).path("error");
        assertThat(err.path("type").asText()).isEqualTo("budget_exceeded");
        assertThat(err.path("message").asText()).contains("reserved by requests in flight");
      }
    }
    JsonNode held = keyLine(key);
    assertThat(nanos(held.path("reserved"))).isEqualTo(7 * c);
    assertThat(nanos(held.path("spend"))).isZero();

    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    await(() -> gw.gateway().enforcer().openReservations() == 0, "reservations released");
    JsonNode after = keyLine(key);
    assertThat(nanos(after.path("reserved"))).isZero();
    // Each served request cost 12 input and 5 output tokens.
    assertThat(nanos(after.path("spend"))).isEqualTo(7 * (12 * IN + 5 * OUT));
  }

  @Test
  void withMaxTokensTheOvershootIsLessThanOneRequest() throws Exception {
    // The answer uses the whole bound: 100 output tokens, and fewer input tokens than estimated.
    upstream.fallback(new FakeOpenAi.Normal(10, 100, 0));
    String body = body("custom", false, ",\"max_tokens\":100");
    long cost = 10 * IN + 100 * OUT;
    long max = 3 * reservation(body, 100) + reservation(body, 100) / 2;
    String key = newKey("{\"max_budget\": " + usd(max) + "}");
    int ok = 0;
    for (int round = 0; round < 4; round++) {
      List<CompletableFuture<HttpResponse<String>>> wave = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        wave.add(http.sendAsync(request(key, body), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : wave) {
        int status = f.get(60, TimeUnit.SECONDS).statusCode();
        assertThat(status).isIn(200, 429);
        ok += status == 200 ? 1 : 0;
      }
    }
    await(() -> gw.gateway().enforcer().openReservations() == 0, "reservations released");
    long spend = nanos(keyLine(key).path("spend"));
    assertThat(spend).isEqualTo(ok * cost);
    assertThat(spend).isGreaterThanOrEqualTo(max);
    assertThat(spend - max).isLessThan(cost);
  }

  @Test
  void aRequestWithoutABoundReservesABoundedAmountNotTheWholeBudget() throws Exception {
    String key = newKey("{\"max_budget\": 1.0}");
    CountDownLatch release = new CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));
    String big = body("big", false, "");
    String small = body("small-out", false, "");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(http.sendAsync(request(key, big), HttpResponse.BodyHandlers.ofString()));
    }
    all.add(http.sendAsync(request(key, small), HttpResponse.BodyHandlers.ofString()));
    await(() -> upstream.received().size() == 11, "all eleven admitted and held");
    // The model can answer with a million tokens, but a request without max_tokens reserves the
    // default cap; one whose model's own maximum is lower reserves that.
    long expected = 10 * reservation(big, Estimate.DEFAULT_OUTPUT_TOKENS) + reservation(small, 50);
    assertThat(nanos(keyLine(key).path("reserved"))).isEqualTo(expected);
    assertThat(expected).isLessThan(1_000_000_000L);
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aLargeInlineImageReservesTheImageBoundNotItsBytes_soSmallRequestsStillPass()
      throws Exception {
    String key = newKey("{\"max_budget\": 1.0}");
    CountDownLatch release = new CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));
    // 3 MB of base64: a million tokens (2 USD) if counted as text, over the whole budget.
    String image = "data:image/png;base64," + "iVBORw0KGgo".repeat(280_000);
    String text =
        "{\"model\":\"custom\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"what is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"";
    String withImage = text + image + "\"}}]}]}";
    CompletableFuture<HttpResponse<String>> held =
        http.sendAsync(request(key, withImage), HttpResponse.BodyHandlers.ofString());
    await(() -> upstream.received().size() == 1, "the image request admitted and held");
    // The text before and after the image at its token bound, the image at its bound, and
    // max_tokens.
    byte[] before = text.substring(0, text.length() - 1).getBytes(StandardCharsets.UTF_8);
    byte[] after = "}}]}]}".getBytes(StandardCharsets.UTF_8);
    long textTokens =
        TokenBound.of(before, 0, before.length) + TokenBound.of(after, 0, after.length);
    long expected = (textTokens + Estimate.IMAGE_TOKENS) * IN + 10 * OUT;
    assertThat(nanos(keyLine(key).path("reserved"))).isEqualTo(expected);
    assertThat(expected).isLessThan(200_000_000L);

    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    HttpResponse<String> small =
        http.send(
            request(key, body("custom", false, ",\"max_tokens\":5")),
            HttpResponse.BodyHandlers.ofString());
    assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
    release.countDown();
    assertThat(held.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await(
        () -> {
          try {
            return nanos(keyLine(key).path("reserved")) == 0;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "both settled");
  }

  @Test
  void failingTimedOutAndDisconnectedRequestsLeaveNothingReserved() throws Exception {
    String key = newKey("{\"max_budget\": 1000, \"metadata\": {}}");
    String body = body("custom", false, ",\"max_tokens\":10");
    String streamBody = body("custom", true, ",\"max_tokens\":10");

    // Upstream errors, streamed and not.
    upstream.fallback(
        new FakeOpenAi.Error(
            500,
            "application/json",
            "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":null}}"));
    List<CompletableFuture<HttpResponse<String>>> errors = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      errors.add(
          http.sendAsync(
              request(key, i % 2 == 0 ? body : streamBody), HttpResponse.BodyHandlers.ofString()));
      if (errors.size() == 100) {
        for (CompletableFuture<HttpResponse<String>> f : errors) {
          assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isGreaterThanOrEqualTo(500);
        }
        errors.clear();
      }
    }
    // Streams that die mid-answer.
    upstream.fallback(new FakeOpenAi.DieMidStream());
    for (int i = 0; i < 100; i++) {
      http.send(request(key, streamBody), HttpResponse.BodyHandlers.ofString());
    }
    // Upstream timeouts (the deployment's timeout is 0.2 s).
    upstream.fallback(new FakeOpenAi.Hang());
    String slow = body("slow", false, ",\"max_tokens\":10");
    List<CompletableFuture<HttpResponse<String>>> timeouts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      timeouts.add(http.sendAsync(request(key, slow), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : timeouts) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
    }
    // Clients that go away while the upstream is still answering.
    int before = upstream.received().size();
    for (int i = 0; i < 200; i++) {
      try (Socket s = new Socket("127.0.0.1", gw.port())) {
        byte[] b = (i % 2 == 0 ? body : streamBody).getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + b.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        int sent = before + i + 1;
        await(() -> upstream.received().size() >= sent, "request reached upstream");
      }
    }
    assertThat(upstream.awaitAbandoned(200, 60)).isTrue();

    await(() -> gw.gateway().enforcer().openReservations() == 0, "every reservation released");
    JsonNode info = Json.MAPPER.readTree(gw.get("/key/info?key=" + key).body());
    for (JsonNode line : info.path("info").path("budget_chain")) {
      assertThat(nanos(line.path("reserved"))).as(line.toString()).isZero();
    }
    // And a normal request is admitted afterwards.
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    HttpResponse<String> ok = http.send(request(key, body), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }
}
