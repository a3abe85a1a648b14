package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.testing.FakeGemini;
import dev.tollgate.testing.FakeGemini.Call;
import dev.tollgate.testing.FakeGemini.Meta;
import dev.tollgate.testing.FakeGemini.Reply;
import dev.tollgate.testing.FakeGemini.Text;
import dev.tollgate.testing.FakeGemini.Thought;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
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
 * {@code gemini/<model>} deployments through the real gateway, against {@link FakeGemini} over
 * loopback: chat requests arrive as {@code generateContent} requests, answers and streams come back
 * as chat completions, Google's errors keep their meaning, and an answer with cached, reasoning and
 * long-context tokens costs exactly the hand-computed catalog price, streamed or not, and is
 * charged to the key's budget.
 */
class GeminiUpstreamIT {
  @SuppressWarnings("NullAway.Init")
  FakeGemini upstream;

  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  final Map<String, SpendRecord> records = new ConcurrentHashMap<>();

  /** 2,000 prompt tokens of which 1,500 cached; 40 answer tokens after 100 of thinking. */
  static final Meta CACHED_THINKING = new Meta(2000, 40, 1500, 100);

  /**
   * CACHED_THINKING at the bundled catalog's gemini/gemini-2.5-flash (per million: $0.30 input,
   * $0.03 cache read, $2.50 output, $2.50 reasoning): 150 + 45 + 100 + 250 micro-USD.
   */
  static final long FLASH_NANOS = 545_000;

  /** A long prompt: 250,000 tokens of which 50,000 cached; 1,000 answer and 500 thinking tokens. */
  static final Meta LONG = new Meta(250_000, 1000, 50_000, 500);

  /**
   * LONG at gemini/gemini-2.5-pro's rates above 200k tokens (per million: $2.50 input, $0.25 cache
   * read, $15 output; reasoning at the output rate): 0.5 + 0.0125 + 0.0225 USD.
   */
  static final long PRO_LONG_NANOS = 535_000_000;

  @BeforeEach
  void start() {
    upstream = new FakeGemini();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: flash
                litellm_params:
                  model: gemini/gemini-2.5-flash
                  api_base: %1$s
                  api_key: gemini-test-key
              - model_name: pro
                litellm_params:
                  model: gemini/gemini-2.5-pro
                  api_base: %1$s
              - model_name: flash-wrong-key
                litellm_params:
                  model: gemini/gemini-2.5-flash
                  api_base: %1$s
                  api_key: not-the-key
              - model_name: embed
                litellm_params:
                  model: gemini/gemini-embedding-001
                  api_base: %1$s
                  api_key: gemini-test-key
            router_settings:
              num_retries: 0
            """
                .formatted(upstream.apiBase()),
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "GEMINI_API_KEY",
                "gemini-test-key"));
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
    return send(key, "/v1/chat/completions", body);
  }

  HttpResponse<String> send(String key, String path, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
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
    List<JsonNode> out = new ArrayList<>();
    for (String event : stream.split("\n\n")) {
      String data = event.substring("data: ".length());
      if (!data.equals("[DONE]")) {
        out.add(Json.MAPPER.readTree(data));
      }
    }
    return out;
  }

  /** The streamed content, reasoning and last finish reason, joined over the chunks. */
  static String[] joined(List<JsonNode> chunks) {
    StringBuilder content = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    String finish = null;
    for (JsonNode c : chunks) {
      for (JsonNode choice : c.path("choices")) {
        content.append(choice.path("delta").path("content").asText(""));
        reasoning.append(choice.path("delta").path("reasoning_content").asText(""));
        if (choice.path("finish_reason").isTextual()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    return new String[] {content.toString(), reasoning.toString(), finish};
  }

  @ParameterizedTest
  @CsvSource({"flash, 545000, false", "pro, 535000000, true"})
  void chat_streamedOrNot_costsTheHandComputedPriceToTheNano(
      String model, long nanos, boolean longContext) throws Exception {
    assertThat(nanos).isIn(FLASH_NANOS, PRO_LONG_NANOS);
    Meta usage = longContext ? LONG : CACHED_THINKING;
    upstream.fallback(
        new Reply(
            List.of(new Thought("The user greets me."), new Text("Hello there, how can I help?")),
            "STOP",
            usage));

    HttpResponse<String> plain = send(TestGateway.MASTER_KEY, chat(model, false, ""));

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(nanos));
    JsonNode answer = Json.MAPPER.readTree(plain.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    JsonNode message = answer.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("Hello there, how can I help?");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("The user greets me.");
    assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    JsonNode u = answer.path("usage");
    assertThat(u.path("prompt_tokens").asLong()).isEqualTo(usage.prompt());
    assertThat(u.path("completion_tokens").asLong())
        .as("completion tokens include the thinking")
        .isEqualTo(usage.candidates() + usage.thoughts());
    assertThat(u.path("completion_tokens_details").path("reasoning_tokens").asLong())
        .isEqualTo(usage.thoughts());
    assertThat(u.path("prompt_tokens_details").path("cached_tokens").asLong())
        .isEqualTo(usage.cached());
    SpendRecord p = record(plain);
    assertThat(p.costNanos()).hasValue(nanos);
    assertThat(p.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(p.inputTokens()).isEqualTo(usage.prompt() - usage.cached());
    assertThat(p.cacheReadTokens()).isEqualTo(usage.cached());
    assertThat(p.outputTokens()).isEqualTo(usage.candidates() + usage.thoughts());

    HttpResponse<String> streamed = send(TestGateway.MASTER_KEY, chat(model, true, ""));

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).contains("text/event-stream");
    assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
    assertThat(upstream.lastReceived().path()).endsWith(":streamGenerateContent");
    assertThat(upstream.lastReceived().query()).isEqualTo("alt=sse");
    List<JsonNode> chunks = chunks(streamed.body());
    String[] joined = joined(chunks);
    assertThat(joined[0]).isEqualTo("Hello there, how can I help?");
    assertThat(joined[1]).isEqualTo("The user greets me.");
    assertThat(joined[2]).isEqualTo("stop");
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage")).isEqualTo(answer.path("usage"));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(nanos);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
  }

  @Test
  void chat_reachesGeminiAsAGenerateContentRequest() throws Exception {
    String extra =
        ",\"temperature\":0.2,\"top_p\":0.9,\"max_tokens\":300,\"stop\":[\"END\"],"
            + "\"reasoning_effort\":\"low\",\"user\":\"u-7\","
            + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"r\","
            + "\"schema\":{\"type\":\"object\",\"additionalProperties\":false,"
            + "\"properties\":{\"a\":{\"type\":\"string\"}}}}}";
    String body =
        "{\"model\":\"flash\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0K\"}},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"gs://bucket/cat.jpg\"}}]},"
            + "{\"role\":\"assistant\",\"content\":\"A cat.\"},"
            + "{\"role\":\"user\",\"content\":\"Sure?\"}]"
            + extra
            + "}";

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
    assertThat(sent.headers().get("x-goog-api-key")).isEqualTo("gemini-test-key");
    assertThat(sent.headers().get("authorization")).isNull();
    assertThat(sent.json())
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"contents":[
                   {"role":"user","parts":[{"text":"What is this?"},
                     {"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}},
                     {"fileData":{"mimeType":"image/jpeg","fileUri":"gs://bucket/cat.jpg"}}]},
                   {"role":"model","parts":[{"text":"A cat."}]},
                   {"role":"user","parts":[{"text":"Sure?"}]}],
                 "systemInstruction":{"parts":[{"text":"Be brief."}]},
                 "generationConfig":{"temperature":0.2,"topP":0.9,"maxOutputTokens":300,
                   "stopSequences":["END"],"responseMimeType":"application/json",
                   "responseSchema":{"type":"object","properties":{"a":{"type":"string"}}},
                   "thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}}
                """));
  }

  @Test
  void chat_withoutApiKey_takesGeminiApiKeyFromTheEnvironment() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("pro", false, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().headers().get("x-goog-api-key"))
        .isEqualTo("gemini-test-key");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void toolCall_roundTrip_keepsTheThoughtSignature(boolean stream) throws Exception {
    upstream.enqueue(
        new Reply(
            List.of(
                new Text("Checking."), new Call("get_weather", "{\"city\":\"Paris\"}", "c2lnLTE=")),
            "STOP",
            Meta.of(40, 20)));
    String tools =
        ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather now\",\"parameters\":{\"type\":\"object\","
            + "\"additionalProperties\":false,\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}}}],\"tool_choice\":\"required\"";

    HttpResponse<String> first = send(TestGateway.MASTER_KEY, chat("flash", stream, tools));

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    List<JsonNode> calls = new ArrayList<>();
    String finish = null;
    if (stream) {
      for (JsonNode c : chunks(first.body())) {
        for (JsonNode choice : c.path("choices")) {
          for (JsonNode tc : choice.path("delta").path("tool_calls")) {
            assertThat(tc.path("index").asInt()).isZero();
            calls.add(tc);
          }
          if (choice.path("finish_reason").isTextual()) {
            finish = choice.path("finish_reason").asText();
          }
        }
      }
    } else {
      JsonNode choice = Json.MAPPER.readTree(first.body()).path("choices").get(0);
      assertThat(choice.path("message").path("content").asText()).isEqualTo("Checking.");
      choice.path("message").path("tool_calls").forEach(calls::add);
      finish = choice.path("finish_reason").asText();
    }
    assertThat(calls).as("one whole call").hasSize(1);
    JsonNode call = calls.get(0);
    String id = call.path("id").asText();
    assertThat(id).startsWith("call_").endsWith("__thought__c2lnLTE=");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
    String arguments = call.path("function").path("arguments").asText();
    assertThat(Json.MAPPER.readTree(arguments))
        .isEqualTo(Json.MAPPER.readTree("{\"city\":\"Paris\"}"));
    assertThat(finish).isEqualTo("tool_calls");
    JsonNode sent = upstream.lastReceived().json();
    assertThat(sent.path("tools"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"functionDeclarations":[{"name":"get_weather","description":"Weather now",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},
                                "required":["city"]}}]}]
                """));
    assertThat(sent.path("toolConfig"))
        .isEqualTo(Json.MAPPER.readTree("{\"functionCallingConfig\":{\"mode\":\"ANY\"}}"));

    String followUp =
        "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\""
            + id
            + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
            + Json.MAPPER.writeValueAsString(arguments)
            + "}}]},{\"role\":\"tool\",\"tool_call_id\":\""
            + id
            + "\",\"content\":\"18C and sunny\"}]"
            + tools
            + "}";
    HttpResponse<String> second = send(TestGateway.MASTER_KEY, followUp);

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json().path("contents"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"user","parts":[{"text":"Weather?"}]},
                 {"role":"model","parts":[
                   {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},
                    "thoughtSignature":"c2lnLTE="}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_weather",
                                        "response":{"content":"18C and sunny"}}}]}]
                """));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void stopReasons_mapToOpenAiFinishReasons(boolean stream) throws Exception {
    upstream.enqueue(new Reply(List.of(new Text("Once upon a")), "MAX_TOKENS", Meta.of(10, 3)));
    upstream.enqueue(new Reply(List.of(), "SAFETY", Meta.of(10, 0)));
    upstream.enqueue(new FakeGemini.Blocked("SAFETY", Meta.of(10, 0)));

    for (String expected : List.of("length", "content_filter", "content_filter")) {
      HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("flash", stream, ""));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      String finish =
          stream
              ? joined(chunks(r.body()))[2]
              : Json.MAPPER
                  .readTree(r.body())
                  .path("choices")
                  .get(0)
                  .path("finish_reason")
                  .asText();
      assertThat(finish).isEqualTo(expected);
      if (stream) {
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstreamErrors_keepTheirMeaning_andCostNothing(boolean stream) throws Exception {
    upstream.enqueue(
        new FakeGemini.Error(
            429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."));
    HttpResponse<String> limited = send(TestGateway.MASTER_KEY, chat("flash", stream, ""));
    assertThat(limited.statusCode()).isEqualTo(429);
    JsonNode error = Json.MAPPER.readTree(limited.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(error.path("message").asText()).contains("Resource has been exhausted");
    // Unlike a spent budget, an upstream rate limit is worth retrying.
    assertThat(limited.headers().firstValue("x-should-retry")).isEmpty();
    assertThat(recordWithStatus(429).costNanos()).hasValue(0);

    record Case(FakeGemini.Error given, int status, String code) {}
    for (Case c :
        List.of(
            new Case(
                new FakeGemini.Error(
                    400,
                    "INVALID_ARGUMENT",
                    "The input token count (1200000) exceeds the maximum number of tokens allowed"
                        + " (1048576)."),
                400,
                "context_length_exceeded"),
            new Case(
                new FakeGemini.Error(400, "INVALID_ARGUMENT", "Invalid value at 'contents'"),
                400,
                "INVALID_ARGUMENT"),
            new Case(
                new FakeGemini.Error(403, "PERMISSION_DENIED", "Permission denied on resource."),
                403,
                "PERMISSION_DENIED"),
            new Case(
                new FakeGemini.Error(404, "NOT_FOUND", "models/gemini-9 is not found."),
                404,
                "NOT_FOUND"),
            new Case(
                new FakeGemini.Error(503, "UNAVAILABLE", "The model is overloaded."),
                503,
                "UNAVAILABLE"),
            new Case(
                new FakeGemini.Error(500, "INTERNAL", "An internal error has occurred."),
                502,
                "INTERNAL"))) {
      upstream.enqueue(c.given());
      HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("flash", stream, ""));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(c.status());
      assertThat(Json.MAPPER.readTree(r.body()).path("error").path("code").asText())
          .isEqualTo(c.code());
    }

    HttpResponse<String> wrongKey =
        send(TestGateway.MASTER_KEY, chat("flash-wrong-key", stream, ""));
    assertThat(wrongKey.statusCode()).isEqualTo(400);
    assertThat(wrongKey.body()).contains("API key not valid").doesNotContain("not-the-key");
  }

  @Test
  void errorEventMidStream_endsTheStreamWithTheError() throws Exception {
    upstream.enqueue(
        new FakeGemini.ErrorMidStream(
            Reply.text("Hello there, a long answer", CACHED_THINKING),
            503,
            "UNAVAILABLE",
            "The model is overloaded. Please try again later."));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("flash", true, ""));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"role\":\"assistant\"").endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(r.body());
    assertThat(joined(chunks)[0]).isEqualTo("Hello there,");
    JsonNode error = chunks.get(chunks.size() - 1).path("error");
    assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
    assertThat(error.path("message").asText()).contains("overloaded");
    assertThat(record(r).status()).isEqualTo(503);
  }

  @Test
  void messagesAndResponsesApis_bridgedThroughChat_andBilledTheSame() throws Exception {
    upstream.fallback(Reply.text("Hello there", CACHED_THINKING));

    HttpResponse<String> messages =
        send(
            TestGateway.MASTER_KEY,
            "/v1/messages",
            "{\"model\":\"flash\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");

    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
    JsonNode m = Json.MAPPER.readTree(messages.body());
    assertThat(m.path("type").asText()).isEqualTo("message");
    assertThat(m.path("content").get(0).path("text").asText()).isEqualTo("Hello there");
    assertThat(upstream.lastReceived().path()).endsWith(":generateContent");
    assertThat(
            upstream
                .lastReceived()
                .json()
                .path("generationConfig")
                .path("maxOutputTokens")
                .asLong())
        .isEqualTo(100);
    assertThat(record(messages).costNanos()).hasValue(FLASH_NANOS);

    HttpResponse<String> responses =
        send(TestGateway.MASTER_KEY, "/v1/responses", "{\"model\":\"flash\",\"input\":\"Hello\"}");

    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    assertThat(responses.body()).contains("Hello there");
    assertThat(record(responses).costNanos()).hasValue(FLASH_NANOS);
  }

  @Test
  void passThrough_freeRoutesForwardedWithTheDeploymentsKey_unbilledPostRefused() throws Exception {
    String key = newKey("{\"models\":[\"flash\"]}");

    HttpResponse<String> models =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/gemini/v1beta/models?pageSize=5&key=" + key))
                .header("Authorization", "Bearer " + key)
                .header("x-goog-api-key", key)
                .GET()
                .build());

    assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
    assertThat(models.body()).contains("models/gemini-2.5-flash");
    FakeGemini.Received got = upstream.lastReceived();
    assertThat(got.path()).isEqualTo("/v1beta/models");
    assertThat(got.query()).isEqualTo("pageSize=5");
    assertThat(got.headers().get("x-goog-api-key")).isEqualTo("gemini-test-key");
    assertThat(got.headers().values()).noneMatch(v -> v.contains(key));

    HttpResponse<String> counted =
        send(
            key,
            "/gemini/v1beta/models/gemini-2.5-flash:countTokens",
            "{\"contents\":[{\"parts\":[{\"text\":\"Hello\"}]}]}");
    assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
    assertThat(counted.body()).contains("totalTokens");

    int before = upstream.received().size();
    HttpResponse<String> embed =
        send(
            key,
            "/gemini/v1beta/models/gemini-embedding-001:embedContent",
            "{\"content\":{\"parts\":[{\"text\":\"Hello\"}]}}");
    assertThat(embed.statusCode()).isEqualTo(501);
    assertThat(Json.MAPPER.readTree(embed.body()).path("error").path("code").asText())
        .isEqualTo("pass_through_not_billed");
    assertThat(upstream.received()).hasSize(before);
  }

  /** A request in Gemini's own format: a system instruction, an image and a function result. */
  static final String NATIVE =
      """
      {"systemInstruction":{"parts":[{"text":"Be brief."}]},
       "contents":[
         {"role":"user","parts":[{"text":"What is this?"},
           {"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}}]},
         {"role":"model","parts":[{"functionCall":{"name":"look","args":{"at":"image"}}}]},
         {"role":"user","parts":[{"functionResponse":{"name":"look","response":{"seen":"cat"}}}]}],
       "tools":[{"functionDeclarations":[{"name":"look","description":"Looks",
         "parameters":{"type":"OBJECT","properties":{"at":{"type":"STRING"}}}}]}],
       "generationConfig":{"maxOutputTokens":500,"temperature":0.1}}
      """;

  HttpResponse<String> nativeCall(String path, Map<String, String> headers, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gw.uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return gw.send(b.build());
  }

  @Test
  void nativeGenerateContent_streamedOrNot_passedThroughAsIsAndBilledAsChatIs() throws Exception {
    upstream.fallback(
        new Reply(
            List.of(new Thought("The user greets me."), new Text("Hello there, how can I help?")),
            "STOP",
            CACHED_THINKING));
    String key = newKey("{\"models\":[\"flash\"]}");

    HttpResponse<String> plain =
        nativeCall(
            "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
            Map.of("x-goog-api-key", key),
            NATIVE);

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
    assertThat(sent.json()).as("the body goes as sent").isEqualTo(Json.MAPPER.readTree(NATIVE));
    assertThat(sent.headers().get("x-goog-api-key")).isEqualTo("gemini-test-key");
    assertThat(sent.headers().values()).noneMatch(v -> v.contains(key));
    JsonNode answer = Json.MAPPER.readTree(plain.body());
    assertThat(answer.path("candidates").get(0).path("finishReason").asText()).isEqualTo("STOP");
    assertThat(answer.path("usageMetadata").path("cachedContentTokenCount").asLong())
        .isEqualTo(CACHED_THINKING.cached());
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(FLASH_NANOS));
    SpendRecord p = record(plain);
    assertThat(p.costNanos()).hasValue(FLASH_NANOS);
    assertThat(p.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(p.modelGroup()).isEqualTo("flash");
    assertThat(p.cacheReadTokens()).isEqualTo(CACHED_THINKING.cached());

    // The model group's name reaches the same deployment; the key in Google's query parameter.
    HttpResponse<String> streamed =
        nativeCall(
            "/gemini/v1beta/models/flash:streamGenerateContent?alt=sse&key=" + key,
            Map.of(),
            NATIVE);

    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).contains("text/event-stream");
    assertThat(upstream.lastReceived().path())
        .isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    assertThat(upstream.lastReceived().query()).isEqualTo("alt=sse");
    Reply reply =
        new Reply(
            List.of(new Thought("The user greets me."), new Text("Hello there, how can I help?")),
            "STOP",
            CACHED_THINKING);
    assertThat(streamed.body())
        .as("Google's events, byte for byte")
        .isEqualTo(String.join("", FakeGemini.events(reply, "gemini-2.5-flash")));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(FLASH_NANOS);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
  }

  @Test
  void nativeGenerateContent_refusalsAreGooglesShape_andNothingReachesGoogle() throws Exception {
    String key = newKey("{\"models\":[\"flash\"],\"max_budget\":0.0001}");
    upstream.fallback(Reply.text("Hello", CACHED_THINKING));

    HttpResponse<String> noSse =
        nativeCall(
            "/gemini/v1beta/models/flash:streamGenerateContent",
            Map.of("x-goog-api-key", key),
            NATIVE);
    assertThat(noSse.statusCode()).isEqualTo(400);
    JsonNode e = Json.MAPPER.readTree(noSse.body()).path("error");
    assertThat(e.path("status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.path("message").asText()).contains("alt=sse");

    HttpResponse<String> unknown =
        nativeCall(
            "/gemini/v1beta/models/gemini-9:generateContent",
            Map.of("x-goog-api-key", key),
            NATIVE);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(unknown.body()).path("error").path("status").asText())
        .isEqualTo("NOT_FOUND");

    HttpResponse<String> bad =
        nativeCall(
            "/gemini/v1beta/models/flash:generateContent",
            Map.of("x-goog-api-key", key),
            "{\"contents\":\"Hello\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(bad.body()).path("error").path("message").asText())
        .contains("'contents'");
    assertThat(upstream.received()).isEmpty();

    // Spend 0.000545 over a 0.0001 budget: the next request is refused, naming the budget.
    assertThat(
            nativeCall(
                    "/gemini/v1beta/models/flash:generateContent",
                    Map.of("x-goog-api-key", key),
                    NATIVE)
                .statusCode())
        .isEqualTo(200);
    for (int i = 0; i < 500 && keySpend(key).signum() == 0; i++) {
      Thread.sleep(10);
    }
    HttpResponse<String> denied =
        nativeCall(
            "/gemini/v1beta/models/flash:generateContent", Map.of("x-goog-api-key", key), NATIVE);
    assertThat(denied.statusCode()).isEqualTo(429);
    JsonNode d = Json.MAPPER.readTree(denied.body()).path("error");
    assertThat(d.path("code").asInt()).isEqualTo(429);
    assertThat(d.path("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(d.path("message").asText()).contains("0.0001");
    assertThat(d.path("details").get(0).path("domain").asText()).isEqualTo("tollgate");
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void nativeGenerateContent_upstreamErrors_reachTheClientInGooglesOwnWords() throws Exception {
    upstream.enqueue(new FakeGemini.Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"));

    HttpResponse<String> r =
        nativeCall(
            "/gemini/v1beta/models/flash:generateContent",
            Map.of("x-goog-api-key", TestGateway.MASTER_KEY),
            NATIVE);

    assertThat(r.statusCode()).isEqualTo(429);
    JsonNode e = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(e.path("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(e.path("message").asText()).contains("Quota exceeded");

    Reply partial = Reply.text("Hello there", Meta.of(30, 5));
    upstream.enqueue(new FakeGemini.ErrorMidStream(partial, 500, "INTERNAL", "backend died"));

    HttpResponse<String> streamed =
        nativeCall(
            "/gemini/v1beta/models/flash:streamGenerateContent?alt=sse",
            Map.of("x-goog-api-key", TestGateway.MASTER_KEY),
            NATIVE);

    assertThat(streamed.statusCode()).isEqualTo(200);
    String[] events = streamed.body().split("\r\n\r\n");
    JsonNode last = Json.MAPPER.readTree(events[events.length - 1].substring("data: ".length()));
    assertThat(last.path("error").path("status").asText()).isEqualTo("INTERNAL");
    SpendRecord rec = record(streamed);
    assertThat(rec.status()).isGreaterThanOrEqualTo(500);
    assertThat(rec.outputTokens()).as("billed for what was counted so far").isPositive();
  }

  @Test
  void embeddings_translatedToBatchEmbedContents() throws Exception {
    HttpResponse<String> r =
        send(
            TestGateway.MASTER_KEY,
            "/v1/embeddings",
            "{\"model\":\"embed\",\"input\":[\"hello\",\"world\"],\"dimensions\":4}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("data")).hasSize(2);
    assertThat(body.path("data").get(1).path("index").asInt()).isEqualTo(1);
    assertThat(body.path("data").get(0).path("embedding")).hasSize(4);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    assertThat(sent.json())
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"requests":[
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]},
                   "outputDimensionality":4},
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"world"}]},
                   "outputDimensionality":4}]}
                """));
  }

  @Test
  void keyBudget_deniedOnceItsSpendReachesMax() throws Exception {
    upstream.fallback(Reply.text("Hello", CACHED_THINKING));
    String key = newKey("{\"key_alias\":\"gemini-key\",\"max_budget\":0.001}");

    assertThat(send(key, chat("flash", false, "")).statusCode()).isEqualTo(200);
    // Spend 0.000545 < 0.001: admitted, and the stream settles the key at 0.00109.
    HttpResponse<String> streamed = send(key, chat("flash", true, ""));
    assertThat(streamed.statusCode()).isEqualTo(200);
    record(streamed);
    for (int i = 0; i < 500 && keySpend(key).compareTo(new BigDecimal("0.00109")) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo("0.00109");

    HttpResponse<String> denied = send(key, chat("flash", false, ""));

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(denied.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");
    assertThat(upstream.received()).hasSize(2);
  }
}
