package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's Messages API in, Anthropic upstream: the client's bytes go through with only {@code
 * model} rewritten, and the answer and the stream come back as Anthropic sent them, billed from
 * Anthropic's usage (cache reads and writes included) the same streamed or not. Token counting is
 * exact on an Anthropic deployment and estimated on another.
 */
@SuppressWarnings("NullAway.Init")
class MessagesNativeIT {
  static FakeAnthropic anthropic;
  static FakeOpenAi openai;
  static TestGateway gw;

  static final FakeAnthropic.Tokens USAGE = new FakeAnthropic.Tokens(40, 12, 1000, 200, 300);

  @BeforeAll
  static void start() {
    anthropic = new FakeAnthropic();
    openai = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-native-secret
              - model_name: other
                litellm_params: {model: openai/acme-1, api_base: %2$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
            """
                .formatted(anthropic.apiBase(), openai.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    anthropic.close();
    openai.close();
  }

  @BeforeEach
  void reset() {
    anthropic.fallback(FakeAnthropic.Reply.text("Hello from Claude.", USAGE));
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static HttpResponse<String> post(String path, String key, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01")
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  @Test
  void theRequestAndTheAnswer_passAsTheyAre_butForTheModel() throws Exception {
    String key = newKey("{}");
    String body =
        "{\"model\":\"claude\",\"max_tokens\":300,\"system\":[{\"type\":\"text\",\"text\":\"Be"
            + " brief.\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],"
            + "\"top_k\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> r = post("/v1/messages", key, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeAnthropic.Received got = anthropic.lastReceived();
    assertThat(got.path()).isEqualTo("/v1/messages");
    assertThat(got.headers()).containsEntry("x-api-key", "sk-ant-native-secret");
    ObjectNode expectedSent = (ObjectNode) Json.MAPPER.readTree(body);
    expectedSent.put("model", "claude-haiku-4-5");
    assertThat(got.json()).isEqualTo(expectedSent);
    // Anthropic's own answer, untranslated: its id, its usage with the cache breakdown.
    String sentByAnthropic =
        FakeAnthropic.message(
                FakeAnthropic.Reply.text("Hello from Claude.", USAGE), "claude-haiku-4-5")
            .toString();
    assertThat(r.body()).isEqualTo(sentByAnthropic);
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).isPresent();
  }

  @Test
  void aStream_passesAsItIs_andCostsWhatTheSameAnswerCostsUnstreamed() throws Exception {
    String key = newKey("{}");
    AnthropicClient client =
        AnthropicOkHttpClient.builder()
            .baseUrl(gw.uri("").toString())
            .apiKey(key)
            .maxRetries(0)
            .build();
    MessageCreateParams params =
        MessageCreateParams.builder().model("claude").maxTokens(300).addUserMessage("hi").build();
    Message plain;
    MessageAccumulator acc = MessageAccumulator.create();
    try {
      plain = client.messages().create(params);
      try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params)) {
        s.stream().forEach(acc::accumulate);
      }
    } finally {
      client.close();
    }
    Message streamed = acc.message();
    assertThat(streamed.content().get(0).text().orElseThrow().text())
        .isEqualTo(plain.content().get(0).text().orElseThrow().text())
        .isEqualTo("Hello from Claude.");
    assertThat(streamed.usage().cacheReadInputTokens()).contains(1000L);
    assertThat(plain.usage().cacheCreationInputTokens()).contains(500L);

    JsonNode logs = awaitLogs(key, 2);
    List<BigDecimal> costs = new java.util.ArrayList<>();
    for (JsonNode row : logs.path("data")) {
      costs.add(row.path("spend").decimalValue());
      assertThat(row.path("prompt_tokens").asLong()).as(row.toString()).isEqualTo(40 + 1000 + 500);
      assertThat(row.path("completion_tokens").asLong()).isEqualTo(12);
      assertThat(row.path("cache_read_tokens").asLong()).isEqualTo(1000);
      assertThat(row.path("usage_source").asText()).isEqualTo("provider");
    }
    assertThat(costs.get(0)).isPositive().isEqualByComparingTo(costs.get(1));
  }

  @Test
  void countTokens_isExactOnAnthropic_andEstimatedElsewhere_andNeverBilled() throws Exception {
    String key = newKey("{}");
    AnthropicClient client =
        AnthropicOkHttpClient.builder()
            .baseUrl(gw.uri("").toString())
            .apiKey(key)
            .maxRetries(0)
            .build();
    try {
      long exact =
          client
              .messages()
              .countTokens(
                  MessageCountTokensParams.builder().model("claude").addUserMessage("hi").build())
              .inputTokens();
      assertThat(exact).isEqualTo(FakeAnthropic.COUNTED);
      assertThat(anthropic.lastReceived().path()).isEqualTo("/v1/messages/count_tokens");
      assertThat(anthropic.lastReceived().json().path("model").asText())
          .isEqualTo("claude-haiku-4-5");

      int before = openai.received().size();
      long estimated =
          client
              .messages()
              .countTokens(
                  MessageCountTokensParams.builder()
                      .model("other")
                      .addUserMessage("hello there, how are you today?")
                      .build())
              .inputTokens();
      assertThat(estimated).isBetween(5L, 40L);
      assertThat(openai.received()).hasSize(before);
    } finally {
      client.close();
    }
    HttpResponse<String> unknown =
        post(
            "/v1/messages/count_tokens",
            key,
            "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(unknown.body()).path("error").path("type").asText())
        .isEqualTo("not_found_error");
    HttpResponse<String> wrongKey =
        post(
            "/v1/messages/count_tokens",
            "sk-not-a-key",
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertThat(Json.MAPPER.readTree(wrongKey.body()).path("error").path("type").asText())
        .isEqualTo("authentication_error");
    HttpResponse<String> notJson = post("/v1/messages/count_tokens", key, "{\"model\":");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(notJson.body()).path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
    // Counting is free: a billed request after it is the key's only record.
    assertThat(
            post(
                    "/v1/messages",
                    key,
                    "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .statusCode())
        .isEqualTo(200);
    awaitLogs(key, 1);
  }

  @Test
  void aStreamCutBeforeItsUsage_isChargedAnEstimate_readFromAnthropicsOwnEvents() throws Exception {
    String key = newKey("{}");
    anthropic.enqueue(
        new FakeAnthropic.CutStream(
            FakeAnthropic.Reply.text(
                "A long answer that was cut before Anthropic reported its usage", USAGE)));
    HttpResponse<String> r = streamHi(key);
    assertThat(r.body()).contains("text_delta");
    JsonNode row = awaitLogs(key, 1).path("data").get(0);
    assertThat(row.path("usage_source").asText()).isEqualTo("estimated");
    // The relayed text is about a dozen tokens; none of it may go unbilled.
    assertThat(row.path("completion_tokens").asLong())
        .as(row.toString())
        .isGreaterThanOrEqualTo(10);
    assertThat(row.path("spend").decimalValue()).isPositive();
  }

  @Test
  void anUpstream429_passesItsRetryAfterOn() throws Exception {
    String key = newKey("{}");
    anthropic.enqueue(new FakeAnthropic.Error(429, "rate_limit_error", "Slow down", 7));
    HttpResponse<String> r =
        post(
            "/v1/messages",
            key,
            "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).contains("7");
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("type").asText())
        .isEqualTo("rate_limit_error");
  }

  @Test
  void anUpstreamError_isInAnthropicsShape() throws Exception {
    String key = newKey("{}");
    anthropic.enqueue(new FakeAnthropic.Error(529, "overloaded_error", "Overloaded", 0));
    HttpResponse<String> r =
        post(
            "/v1/messages",
            key,
            "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(529);
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("overloaded_error");
  }

  @Test
  void anErrorEventMidStream_reachesTheClientOnce_asAnthropicSentIt() throws Exception {
    String key = newKey("{}");
    anthropic.enqueue(
        new FakeAnthropic.ErrorMidStream(
            FakeAnthropic.Reply.text("Hello there", USAGE), "overloaded_error", "Overloaded"));
    HttpResponse<String> r = streamHi(key);

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> errors =
        r.body().lines().filter(l -> l.startsWith("data:") && l.contains("\"error\"")).toList();
    assertThat(errors).as(r.body()).hasSize(1);
    JsonNode error = Json.MAPPER.readTree(errors.get(0).substring(5).strip());
    assertThat(error.path("error").path("type").asText()).isEqualTo("overloaded_error");
    assertThat(error.path("error").path("message").asText()).isEqualTo("Overloaded");
    assertThat(r.body().lines().filter(l -> l.equals("event: error")).count()).isEqualTo(1);
    assertThat(awaitLogs(key, 1).path("data").get(0).path("status").asText()).isEqualTo("failure");
  }

  /** A streamed Messages request saying "hi" with {@code key}. */
  static HttpResponse<String> streamHi(String key) {
    return post(
        "/v1/messages",
        key,
        "{\"model\":\"claude\",\"max_tokens\":300,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  static JsonNode awaitLogs(String key, int count) throws Exception {
    for (int i = 0; ; i++) {
      JsonNode logs =
          Json.MAPPER.readTree(gw.get("/spend/logs/ui?api_key=" + key + "&page_size=1000").body());
      if (logs.path("total").asInt() >= count || i >= 500) {
        assertThat(logs.path("total").asInt()).isEqualTo(count);
        return logs;
      }
      Thread.sleep(20);
    }
  }
}
