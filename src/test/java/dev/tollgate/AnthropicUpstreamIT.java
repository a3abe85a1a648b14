package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Text;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.FakeAnthropic.ToolUse;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code anthropic/<model>} deployments through the real gateway, against {@link FakeAnthropic}
 * over loopback: chat requests arrive as Messages requests, answers and streams come back as chat
 * completions, errors keep their meaning, and a request with cache reads and 5-minute and 1-hour
 * cache writes costs exactly the hand-computed catalog or custom price, streamed or not, and is
 * charged to the key's budget.
 */
class AnthropicUpstreamIT {
  // Started by each test.
  @SuppressWarnings("NullAway.Init")
  FakeAnthropic upstream;

  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  final Map<String, SpendRecord> records = new ConcurrentHashMap<>();

  /** 100 uncached input, 50 output, 1,000 cache reads, 200 5-minute and 300 1-hour writes. */
  static final Tokens CACHED = new Tokens(100, 50, 1000, 200, 300);

  /**
   * CACHED at the bundled catalog's anthropic/claude-haiku-4-5 (per million: $1 input, $5 output,
   * $0.10 cache read, $1.25 5-minute write, $2 1-hour write): 100 + 250 + 100 + 250 + 600
   * micro-USD.
   */
  static final long CATALOG_NANOS = 1_300_000;

  /**
   * CACHED at the custom rates below (per million: $3, $15, $0.30, $3.75, $6): 300 + 750 + 300 +
   * 750 + 1,800 micro-USD.
   */
  static final long CUSTOM_NANOS = 3_900_000;

  @BeforeEach
  void start() {
    upstream = new FakeAnthropic();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-it-secret
                  extra_headers: {anthropic-beta: "context-1m-2025-08-07"}
              - model_name: claude-custom
                litellm_params:
                  model: anthropic/claude-house-blend
                  api_base: %1$s/v1
                  api_key: sk-ant-it-secret
                  input_cost_per_token: 0.000003
                  output_cost_per_token: 0.000015
                  cache_read_input_token_cost: 0.0000003
                  cache_creation_input_token_cost: 0.00000375
                  cache_creation_input_token_cost_above_1hr: 0.000006
            router_settings:
              num_retries: 0
            """
                .formatted(upstream.apiBase()));
    gw.gateway().onSpend(r -> records.put(r.requestId(), r));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  static String chat(String model, boolean stream, String extra) {
    return "{\"model\":\""
        + model
        + "\","
        + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Hello\"}]"
        + extra
        + "}";
  }

  HttpResponse<String> send(String key, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  SpendRecord record(HttpResponse<String> r) throws InterruptedException {
    String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!records.containsKey(id)) {
      assertThat(System.nanoTime()).as("spend record of " + id).isLessThan(deadline);
      Thread.sleep(5);
    }
    return records.get(id);
  }

  /** The spend record of the error response with {@code status}: error responses carry no id. */
  SpendRecord recordWithStatus(int status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      for (SpendRecord r : records.values()) {
        if (r.status() == status) {
          return r;
        }
      }
      assertThat(System.nanoTime()).as("spend record of a " + status).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  BigDecimal keySpend(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    return Json.MAPPER.readTree(r.body()).path("info").path("spend").decimalValue();
  }

  /** The JSON of each {@code data:} event but {@code [DONE]}. */
  static List<JsonNode> chunks(String stream) throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (String event : stream.split("\n\n")) {
      String data = event.substring("data: ".length());
      if (!data.equals("[DONE]")) {
        out.add(Json.MAPPER.readTree(data));
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({"claude, 1300000", "claude-custom, 3900000"})
  void chat_streamedOrNot_costsTheHandComputedPriceToTheNano(String model, long nanos)
      throws Exception {
    assertThat(nanos).isIn(CATALOG_NANOS, CUSTOM_NANOS);
    upstream.fallback(Reply.text("Hello there, how can I help?", CACHED));

    HttpResponse<String> plain = send(TestGateway.MASTER_KEY, chat(model, false, ""));

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(nanos));
    JsonNode answer = Json.MAPPER.readTree(plain.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there, how can I help?");
    assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(1600);
    assertThat(answer.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(1000);
    assertThat(answer.path("usage").path("cache_creation_input_tokens").asLong()).isEqualTo(500);
    SpendRecord p = record(plain);
    assertThat(p.costNanos()).hasValue(nanos);
    assertThat(p.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(p.inputTokens()).isEqualTo(100);
    assertThat(p.outputTokens()).isEqualTo(50);
    assertThat(p.cacheReadTokens()).isEqualTo(1000);
    assertThat(p.cacheCreationTokens()).isEqualTo(500);

    HttpResponse<String> streamed = send(TestGateway.MASTER_KEY, chat(model, true, ""));

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).contains("text/event-stream");
    assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(streamed.body());
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks) {
      for (JsonNode choice : c.path("choices")) {
        content.append(choice.path("delta").path("content").asText(""));
      }
    }
    assertThat(content.toString()).isEqualTo("Hello there, how can I help?");
    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage")).isEqualTo(answer.path("usage"));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(nanos);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(s.cacheCreationTokens()).isEqualTo(500);
  }

  @Test
  void chat_reachesAnthropicAsAMessagesRequest() throws Exception {
    HttpResponse<String> r =
        send(
            TestGateway.MASTER_KEY,
            chat("claude", true, ",\"temperature\":0.2,\"stop\":[\"END\"],\"user\":\"u-7\""));

    assertThat(r.statusCode()).isEqualTo(200);
    FakeAnthropic.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(sent.headers().get("x-api-key")).isEqualTo("sk-ant-it-secret");
    assertThat(sent.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(sent.headers().get("anthropic-beta")).isEqualTo("context-1m-2025-08-07");
    assertThat(sent.headers().get("authorization")).isNull();
    // max_tokens: the catalog's largest answer for claude-haiku-4-5.
    assertThat(sent.json())
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"model":"claude-haiku-4-5","max_tokens":64000,
                 "system":[{"type":"text","text":"Be brief."}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}],
                 "stop_sequences":["END"],"temperature":0.2,"metadata":{"user_id":"u-7"},
                 "stream":true}
                """));
    // The custom deployment's base ends in /v1; it is not doubled.
    send(TestGateway.MASTER_KEY, chat("claude-custom", false, ""));
    assertThat(upstream.lastReceived().path()).isEqualTo("/v1/messages");
    assertThat(upstream.lastReceived().json().path("max_tokens").asLong()).isEqualTo(4096);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void toolCall_roundTrip(boolean stream) throws Exception {
    upstream.enqueue(
        new Reply(
            List.of(
                new Text("Checking."),
                new ToolUse("toolu_01A", "get_weather", "{\"city\":\"Paris\"}")),
            "tool_use",
            null,
            Tokens.of(40, 20)));
    String tools =
        ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";

    HttpResponse<String> first = send(TestGateway.MASTER_KEY, chat("claude", stream, tools));

    assertThat(first.statusCode()).isEqualTo(200);
    String id;
    String name;
    StringBuilder arguments = new StringBuilder();
    String finish = null;
    if (stream) {
      id = "";
      name = "";
      for (JsonNode c : chunks(first.body())) {
        for (JsonNode choice : c.path("choices")) {
          for (JsonNode call : choice.path("delta").path("tool_calls")) {
            assertThat(call.path("index").asInt()).isZero();
            id += call.path("id").asText("");
            name += call.path("function").path("name").asText("");
            arguments.append(call.path("function").path("arguments").asText(""));
          }
          if (choice.path("finish_reason").isTextual()) {
            finish = choice.path("finish_reason").asText();
          }
        }
      }
    } else {
      JsonNode choice = Json.MAPPER.readTree(first.body()).path("choices").get(0);
      JsonNode call = choice.path("message").path("tool_calls").get(0);
      id = call.path("id").asText();
      name = call.path("function").path("name").asText();
      arguments.append(call.path("function").path("arguments").asText());
      finish = choice.path("finish_reason").asText();
    }
    assertThat(id).isEqualTo("toolu_01A");
    assertThat(name).isEqualTo("get_weather");
    assertThat(Json.MAPPER.readTree(arguments.toString()))
        .isEqualTo(Json.MAPPER.readTree("{\"city\":\"Paris\"}"));
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(
            upstream
                .lastReceived()
                .json()
                .path("tools")
                .get(0)
                .path("input_schema")
                .path("type")
                .asText())
        .isEqualTo("object");

    String followUp =
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\""
            + id
            + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
            + Json.MAPPER.writeValueAsString(arguments.toString())
            + "}}]},{\"role\":\"tool\",\"tool_call_id\":\""
            + id
            + "\",\"content\":\"18C and sunny\"}]"
            + tools
            + "}";
    HttpResponse<String> second = send(TestGateway.MASTER_KEY, followUp);

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json().path("messages"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"user","content":[{"type":"text","text":"Weather?"}]},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01A","content":"18C and sunny"}]}]
                """));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstreamErrors_keepTheirMeaning_andCostNothing(boolean stream) throws Exception {
    upstream.enqueue(
        new FakeAnthropic.Error(
            429, "rate_limit_error", "Number of request tokens has exceeded your rate limit", 7));
    HttpResponse<String> limited = send(TestGateway.MASTER_KEY, chat("claude", stream, ""));
    assertThat(limited.statusCode()).isEqualTo(429);
    JsonNode error = Json.MAPPER.readTree(limited.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("code").asText()).isEqualTo("rate_limit_error");
    assertThat(error.path("message").asText()).contains("exceeded your rate limit");
    // Unlike a spent budget, an upstream rate limit is worth retrying.
    assertThat(limited.headers().firstValue("x-should-retry")).isEmpty();
    // Refused upstream: nothing was used, nothing is charged.
    assertThat(recordWithStatus(429).costNanos()).hasValue(0);

    upstream.enqueue(new FakeAnthropic.Error(529, "overloaded_error", "Overloaded", 0));
    HttpResponse<String> overloaded = send(TestGateway.MASTER_KEY, chat("claude", stream, ""));
    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(Json.MAPPER.readTree(overloaded.body()).path("error").path("code").asText())
        .isEqualTo("overloaded_error");

    upstream.enqueue(
        new FakeAnthropic.Error(
            400, "invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum", 0));
    HttpResponse<String> tooLong = send(TestGateway.MASTER_KEY, chat("claude", stream, ""));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    JsonNode tooLongError = Json.MAPPER.readTree(tooLong.body()).path("error");
    assertThat(tooLongError.path("code").asText()).isEqualTo("context_length_exceeded");
    assertThat(tooLongError.path("message").asText()).contains("prompt is too long");
    assertThat(tooLong.body()).doesNotContain("sk-ant-it-secret");
  }

  @Test
  void errorEventMidStream_endsTheStreamWithTheError() throws Exception {
    upstream.enqueue(
        new FakeAnthropic.ErrorMidStream(
            Reply.text("Hello there", CACHED), "overloaded_error", "Overloaded"));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("claude", true, ""));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"role\":\"assistant\"").endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(r.body());
    JsonNode error = chunks.get(chunks.size() - 1).path("error");
    assertThat(error.path("code").asText()).isEqualTo("overloaded_error");
    assertThat(record(r).status()).isEqualTo(529);
  }

  @Test
  void keyBudget_deniedOnceItsSpendReachesMax() throws Exception {
    upstream.fallback(Reply.text("Hello", CACHED));
    String key = newKey("{\"key_alias\":\"claude-key\",\"max_budget\":0.002}");

    assertThat(send(key, chat("claude", false, "")).statusCode()).isEqualTo(200);
    // Spend 0.0013 < 0.002: admitted, and the stream settles the key at 0.0026.
    HttpResponse<String> streamed = send(key, chat("claude", true, ""));
    assertThat(streamed.statusCode()).isEqualTo(200);
    record(streamed);
    for (int i = 0; i < 500 && keySpend(key).compareTo(new BigDecimal("0.0026")) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo("0.0026");

    HttpResponse<String> denied = send(key, chat("claude", false, ""));

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(denied.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");
    assertThat(upstream.received()).hasSize(2);
  }
}
