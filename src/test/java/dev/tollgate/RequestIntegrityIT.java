package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request the gateway checks is the request the upstream runs, and what is not a request is not
 * a spend record: ambiguous bodies and credentials are refused before anything goes upstream,
 * keyless calls leave no row, and denials tell clients whether a retry can help.
 */
class RequestIntegrityIT {
  static FakeOpenAi upstream;
  static TestGateway gw;

  static final String MSGS = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: priced
                litellm_params: {model: openai/acme-1, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: other
                litellm_params: {model: openai/acme-2, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            router_settings:
              model_group_alias: {alias-of-other: other}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  @BeforeEach
  void reset() {
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static HttpResponse<String> chat(String key, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** A chat request with exactly these headers, given as name, value, name, value... */
  static HttpResponse<String> chatWith(String body, String... headers) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .headers(headers)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  static JsonNode error(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body()).path("error");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"model\":\"other\"," + MSGS + ",\"model\":\"priced\"}",
        "{\"model\":\"priced\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + MSGS
            + ",\"stream_options\":{\"include_usage\":false}}",
        "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"content\":\"b\"}]}",
      })
  void chat_duplicateKey_is400NamingIt_andNothingGoesUpstream(String body) throws Exception {
    int before = upstream.received().size();

    HttpResponse<String> r = gw.post("/v1/chat/completions", body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error(r).path("message").asText()).contains("twice");
    assertThat(error(r).path("param").asText()).isIn("model", "stream_options", "content");
    assertThat(upstream.received()).hasSize(before);
  }

  @Test
  void managementApi_duplicateKey_is400NamingIt() throws Exception {
    HttpResponse<String> key = gw.post("/key/generate", "{\"max_budget\":1,\"max_budget\":1000}");
    assertThat(key.statusCode()).as(key.body()).isEqualTo(400);
    assertThat(error(key).path("param").asText()).isEqualTo("max_budget");

    HttpResponse<String> model =
        gw.post(
            "/model/new",
            "{\"model_name\":\"m\",\"litellm_params\":{\"model\":\"openai/x\","
                + "\"input_cost_per_token\":0,\"input_cost_per_token\":0.001}}");
    assertThat(model.statusCode()).as(model.body()).isEqualTo(400);
    assertThat(error(model).path("param").asText()).isEqualTo("input_cost_per_token");
  }

  @Test
  void jsonBeyondTheParsersLimits_is400_andTheGatewayKeepsServing() throws Exception {
    String deep = "[".repeat(2_000) + "]".repeat(2_000);
    List<String> bodies =
        List.of(
            "{\"model\":\"priced\"," + MSGS + ",\"x\":" + deep + "}",
            "{\"model\":\"priced\"," + MSGS + ",\"temperature\":1" + "0".repeat(1_500) + "}",
            "{\"model\":\"priced\"," + MSGS + ",\"" + "k".repeat(60_000) + "\":1}");
    for (String body : bodies) {
      HttpResponse<String> r = gw.post("/v1/chat/completions", body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(error(r).path("type").asText()).isEqualTo("invalid_request_error");
    }
    assertThat(gw.post("/v1/chat/completions", "{\"model\":\"priced\"," + MSGS + "}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void bodyInUtf16_is400() throws Exception {
    byte[] utf16 =
        ("{\"model\":\"priced\"," + MSGS + "}").getBytes(java.nio.charset.StandardCharsets.UTF_16);
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf16))
                .build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).path("message").asText()).contains("UTF-8");
  }

  @Test
  void ambiguousCredentials_are400() throws Exception {
    String body = "{\"model\":\"priced\"," + MSGS + "}";
    String key = newKey("{}");
    HttpResponse<String> twoAuth =
        chatWith(
            body,
            "Authorization",
            "Bearer " + key,
            "Authorization",
            "Bearer " + TestGateway.MASTER_KEY);
    assertThat(twoAuth.statusCode()).as(twoAuth.body()).isEqualTo(400);
    assertThat(error(twoAuth).path("message").asText()).contains("more than one Authorization");

    HttpResponse<String> differ =
        chatWith(body, "Authorization", "Bearer " + key, "api-key", TestGateway.MASTER_KEY);
    assertThat(differ.statusCode()).as(differ.body()).isEqualTo(400);
    assertThat(error(differ).path("message").asText()).contains("different keys");

    HttpResponse<String> same = chatWith(body, "Authorization", "Bearer " + key, "api-key", key);
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);

    HttpResponse<String> admin =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/key/list"))
                .header("Authorization", "Bearer " + key)
                .header("api-key", TestGateway.MASTER_KEY)
                .GET()
                .build());
    assertThat(admin.statusCode()).as(admin.body()).isEqualTo(400);
  }

  @Test
  void unauthenticatedCalls_writeNoSpendRecord_andAreCounted() throws Exception {
    var log = gw.gateway().database().spendLog();
    long recordedBefore = log.stats().recorded();
    long countedBefore = unauthenticated();
    String body = "{\"model\":\"priced\"," + MSGS + "}";
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> none =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(chat("sk-wrong-" + i, body).statusCode()).isEqualTo(401);
    }
    assertThat(log.stats().recorded()).isEqualTo(recordedBefore);
    assertThat(unauthenticated()).isEqualTo(countedBefore + 20);
    // A caller's own bad request is still the caller's record.
    assertThat(gw.post("/v1/chat/completions", "{\"model\":\"priced\"}").statusCode())
        .isEqualTo(400);
    assertThat(log.stats().recorded()).isEqualTo(recordedBefore + 1);
  }

  static long unauthenticated() throws Exception {
    HttpResponse<String> r = gw.get("/health/readiness");
    return Json.MAPPER.readTree(r.body()).path("requests").path("unauthenticated").asLong(-1);
  }

  @Test
  void boundsOnTagsAndEndUser_inHeaders_are400NamingThem() throws Exception {
    String body = "{\"model\":\"priced\"," + MSGS + "}";
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      many.append(i == 0 ? "" : ",").append("tag-").append(i);
    }
    HttpResponse<String> tags =
        chatWith(
            body,
            "Authorization",
            "Bearer " + TestGateway.MASTER_KEY,
            "x-litellm-tags",
            many.toString());
    assertThat(tags.statusCode()).as(tags.body()).isEqualTo(400);
    assertThat(error(tags).path("param").asText()).isEqualTo("x-litellm-tags");
    HttpResponse<String> user =
        chatWith(
            body,
            "Authorization",
            "Bearer " + TestGateway.MASTER_KEY,
            "x-litellm-end-user-id",
            "u".repeat(257));
    assertThat(user.statusCode()).as(user.body()).isEqualTo(400);
    assertThat(error(user).path("param").asText()).isEqualTo("x-litellm-end-user-id");
  }

  @Test
  void budgetExceeded_saysDoNotRetry_andTheOpenAiSdkAsksOnce() throws Exception {
    String key = newKey("{\"max_budget\": 0}");
    var log = gw.gateway().database().spendLog();

    HttpResponse<String> r = chat(key, "{\"model\":\"priced\"," + MSGS + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(error(r).path("type").asText()).isEqualTo("budget_exceeded");
    assertThat(r.headers().firstValue("x-should-retry")).contains("false");

    long before = log.stats().recorded();
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gw.uri("/v1").toString())
            .apiKey(key)
            .maxRetries(3)
            .build();
    try {
      assertThatThrownBy(
              () ->
                  client
                      .chat()
                      .completions()
                      .create(
                          ChatCompletionCreateParams.builder()
                              .model("priced")
                              .addUserMessage("hi")
                              .build()))
          .isInstanceOf(RateLimitException.class);
    } finally {
      client.close();
    }
    // One refused request: the SDK did not retry it.
    assertThat(log.stats().recorded()).isEqualTo(before + 1);
  }

  @Test
  void rateLimited_keepsRetryAfter_andMayBeRetried() throws Exception {
    String key = newKey("{\"rpm_limit\": 1}");
    String body = "{\"model\":\"priced\"," + MSGS + "}";
    assertThat(chat(key, body).statusCode()).isEqualTo(200);

    HttpResponse<String> r = chat(key, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(error(r).path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    assertThat(r.headers().firstValue("x-should-retry")).isEmpty();
  }

  @Test
  void nChoices_multiplyTheReservation() throws Exception {
    String key = newKey("{\"max_budget\": 10}");
    String many = "{\"model\":\"priced\",\"max_tokens\":100,\"n\":128," + MSGS + "}";
    CountDownLatch release = new CountDownLatch(1);
    upstream.fallback(new FakeOpenAi.Held(release));
    int before = upstream.received().size();
    CompletableFuture<HttpResponse<String>> held =
        HTTP.sendAsync(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(many))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (upstream.received().size() == before) {
        assertThat(System.nanoTime()).as("request held upstream").isLessThan(deadline);
        Thread.sleep(5);
      }
      byte[] bytes = many.getBytes(StandardCharsets.UTF_8);
      // 128 choices of 100 tokens at 0.00001 USD, and the input bound at 0.000002 USD.
      long expected = TokenBound.of(bytes, 0, bytes.length) * 2_000 + 128 * 100 * 10_000L;
      assertThat(reservedNanos(key)).isEqualTo(expected);
    } finally {
      upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
      release.countDown();
    }
    assertThat(held.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static long reservedNanos(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (JsonNode l : Json.MAPPER.readTree(r.body()).path("info").path("budget_chain")) {
      if (l.path("level").asText().equals("key")) {
        return new BigDecimal(l.path("reserved").asText()).movePointRight(9).longValueExact();
      }
    }
    throw new AssertionError("no key line in " + r.body());
  }

  @Test
  void models_listsOnlyWhatTheKeyMayUse() throws Exception {
    String key = newKey("{\"models\": [\"priced\"]}");
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/models"))
                .header("Authorization", "Bearer " + key)
                .GET()
                .build());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    Json.MAPPER.readTree(r.body()).path("data").forEach(m -> ids.add(m.path("id").asText()));
    assertThat(ids).containsExactly("priced");

    List<String> all = new ArrayList<>();
    Json.MAPPER
        .readTree(gw.get("/v1/models").body())
        .path("data")
        .forEach(m -> all.add(m.path("id").asText()));
    assertThat(all).containsExactly("alias-of-other", "other", "priced");
  }

  @Test
  void streamOptionsNull_stillBillsFromUsage_andTheClientSeesNoUsageChunk() throws Exception {
    HttpResponse<String> r =
        gw.post(
            "/v1/chat/completions",
            "{\"model\":\"priced\",\"stream\":true,\"stream_options\":null," + MSGS + "}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode sent = Json.MAPPER.readTree(upstream.lastReceived().body());
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(r.body()).doesNotContain("\"usage\":{").endsWith("data: [DONE]\n\n");
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
  }
}
