package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.testing.FakeBedrock;
import dev.tollgate.testing.FakeBedrock.Reply;
import dev.tollgate.testing.FakeBedrock.Text;
import dev.tollgate.testing.FakeBedrock.Tokens;
import dev.tollgate.testing.FakeBedrock.ToolUse;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;

/**
 * {@code bedrock/<model id>} deployments through the real gateway, against {@link FakeBedrock} over
 * loopback: chat requests arrive as Converse requests signed with SigV4 (which the fake recomputes
 * and compares) or carrying a Bedrock API key; answers and event streams come back as chat
 * completions; AWS's error types keep their meaning; and a request with cache reads and writes
 * costs exactly the hand-computed catalog price, streamed or not, under regional and cross-region
 * ids, and is charged to the key's budget.
 */
class BedrockUpstreamIT {
  static final String REGION = "us-east-1";

  // Started by each test.
  @SuppressWarnings("NullAway.Init")
  FakeBedrock upstream;

  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  final Map<String, SpendRecord> records = new ConcurrentHashMap<>();

  /** 100 uncached input, 50 output, 1,000 cache reads, 200 cache writes. */
  static final Tokens CACHED = new Tokens(100, 50, 1000, 200);

  /**
   * CACHED at the catalog's bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0 (per million: $3
   * input, $15 output, $0.30 cache read, $3.75 cache write): 300 + 750 + 300 + 750 micro-USD.
   */
  static final long SONNET_NANOS = 2_100_000;

  @BeforeEach
  void start() {
    upstream = new FakeBedrock(REGION);
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: sonnet
                litellm_params:
                  model: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0
                  api_base: %1$s
                  aws_access_key_id: %2$s
                  aws_secret_access_key: %3$s
                  aws_region_name: us-east-1
              - model_name: sonnet-global
                litellm_params:
                  model: bedrock/converse/global.anthropic.claude-3-5-sonnet-20241022-v2:0
                  aws_bedrock_runtime_endpoint: %1$s
                  aws_access_key_id: %4$s
                  aws_secret_access_key: %5$s
                  aws_session_token: %6$s
                  aws_region_name: us-east-1
              - model_name: haiku-us
                litellm_params:
                  model: bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0
                  api_base: %1$s
                  api_key: %7$s
              - model_name: mistral-large
                litellm_params:
                  model: bedrock/mistral.mistral-large-2402-v1:0
                  api_base: %1$s
                  aws_access_key_id: %2$s
                  aws_secret_access_key: %3$s
                  aws_region_name: us-east-1
              - model_name: mystery
                litellm_params:
                  model: bedrock/acme.mystery-model-v1:0
                  api_base: %1$s
                  api_key: %7$s
              - model_name: wrong-secret
                litellm_params:
                  model: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0
                  api_base: %1$s
                  aws_access_key_id: %2$s
                  aws_secret_access_key: not-the-secret-the-fake-knows
                  aws_region_name: us-east-1
              - model_name: titan
                litellm_params:
                  model: bedrock/amazon.titan-embed-text-v2:0
                  api_base: %1$s
                  aws_access_key_id: %2$s
                  aws_secret_access_key: %3$s
                  aws_region_name: us-east-1
              - model_name: cohere
                litellm_params:
                  model: bedrock/cohere.embed-english-v3
                  api_base: %1$s
                  api_key: %7$s
            router_settings:
              num_retries: 0
            """
                .formatted(
                    upstream.apiBase(),
                    FakeBedrock.ACCESS_KEY,
                    FakeBedrock.SECRET_KEY,
                    FakeBedrock.SESSION_ACCESS_KEY,
                    FakeBedrock.SESSION_SECRET_KEY,
                    FakeBedrock.SESSION_TOKEN,
                    FakeBedrock.API_KEY));
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

  HttpResponse<String> send(String key, String path, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  HttpResponse<String> send(String key, String body) {
    return send(key, "/v1/chat/completions", body);
  }

  SpendRecord record(HttpResponse<?> r) throws InterruptedException {
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

  static String content(List<JsonNode> chunks) {
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks) {
      for (JsonNode choice : c.path("choices")) {
        content.append(choice.path("delta").path("content").asText(""));
      }
    }
    return content.toString();
  }

  static @Nullable String finish(List<JsonNode> chunks) {
    String finish = null;
    for (JsonNode c : chunks) {
      for (JsonNode choice : c.path("choices")) {
        if (choice.path("finish_reason").isTextual()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    return finish;
  }

  @ParameterizedTest
  @CsvSource({"sonnet, 2100000", "sonnet-global, 2100000"})
  void chat_streamedOrNot_costsTheHandComputedPriceToTheNano(String model, long nanos)
      throws Exception {
    upstream.fallback(Reply.text("Hello there, how can I help?", CACHED));

    HttpResponse<String> plain = send(TestGateway.MASTER_KEY, chat(model, false, ""));

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(nanos));
    JsonNode answer = Json.MAPPER.readTree(plain.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("id").asText()).startsWith("chatcmpl-");
    assertThat(answer.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there, how can I help?");
    assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = answer.path("usage");
    // As LiteLLM reports it: prompt_tokens counts the cache reads and writes too.
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(1300);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(50);
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(1350);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(1000);
    assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(200);
    SpendRecord p = record(plain);
    assertThat(p.costNanos()).hasValue(nanos);
    assertThat(p.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(p.inputTokens()).isEqualTo(100);
    assertThat(p.outputTokens()).isEqualTo(50);
    assertThat(p.cacheReadTokens()).isEqualTo(1000);
    assertThat(p.cacheCreationTokens()).isEqualTo(200);

    HttpResponse<String> streamed = send(TestGateway.MASTER_KEY, chat(model, true, ""));

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).contains("text/event-stream");
    assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(streamed.body());
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    assertThat(content(chunks)).isEqualTo("Hello there, how can I help?");
    assertThat(finish(chunks)).isEqualTo("stop");
    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage")).isEqualTo(usage);
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(nanos);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(upstream.lastReceived().action()).isEqualTo("converse-stream");
  }

  @Test
  void chat_reachesBedrockAsASignedConverseRequest() throws Exception {
    HttpResponse<String> r =
        send(
            TestGateway.MASTER_KEY,
            chat(
                "sonnet",
                false,
                ",\"temperature\":0.2,\"top_p\":0.9,\"max_tokens\":300,\"stop\":[\"END\"],"
                    + "\"user\":\"u-7\""));

    // The fake recomputed the signature over this very request and found it equal.
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeBedrock.Received sent = upstream.lastReceived();
    // The ':' of the model id is encoded once on the wire; SigV4 encodes it again to sign.
    assertThat(sent.path())
        .isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    assertThat(sent.modelId()).isEqualTo("anthropic.claude-3-5-sonnet-20240620-v1:0");
    assertThat(sent.headers().get("authorization"))
        .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.ACCESS_KEY + "/")
        .contains("/us-east-1/bedrock/aws4_request");
    assertThat(sent.headers().get("x-amz-date")).isNotBlank();
    assertThat(sent.json())
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"messages":[{"role":"user","content":[{"text":"Hello"}]}],
                 "system":[{"text":"Be brief."}],
                 "inferenceConfig":{"maxTokens":300,"temperature":0.2,"topP":0.9,
                   "stopSequences":["END"]}}
                """));
  }

  @Test
  void sessionCredentials_andCrossRegionProfile_signedWithTheToken() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet-global", false, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeBedrock.Received sent = upstream.lastReceived();
    assertThat(sent.modelId()).isEqualTo("global.anthropic.claude-3-5-sonnet-20241022-v2:0");
    assertThat(sent.headers().get("x-amz-security-token")).isEqualTo(FakeBedrock.SESSION_TOKEN);
  }

  @Test
  void wrongSecret_isRefusedByTheSignatureCheck() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("wrong-secret", false, ""));

    assertThat(r.statusCode()).isEqualTo(401);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("InvalidSignatureException");
    assertThat(r.body()).doesNotContain("not-the-secret-the-fake-knows");
    // AWS's answer quotes the canonical request it expected; that part is not relayed.
    assertThat(error.path("message").asText()).contains("signature").doesNotContain("Canonical");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void bearerApiKey_isSentUnsigned_andCrossRegionIdPricedFromItsEntry(boolean stream)
      throws Exception {
    upstream.fallback(Reply.text("Hi", CACHED));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("haiku-us", stream, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeBedrock.Received sent = upstream.lastReceived();
    assertThat(sent.headers().get("authorization")).isEqualTo("Bearer " + FakeBedrock.API_KEY);
    assertThat(sent.headers().get("x-amz-date")).isNull();
    assertThat(sent.path())
        .isEqualTo(
            "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/"
                + (stream ? "converse-stream" : "converse"));
    // bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0 (per million: $0.80, $4, $0.08 read,
    // $1 write): 80 + 200 + 80 + 200 micro-USD.
    assertThat(record(r).costNanos()).hasValue(560_000);
  }

  @Test
  void regionalCatalogEntry_winsOverTheBaseId() throws Exception {
    upstream.fallback(Reply.text("Bonjour", Tokens.of(1000, 500)));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("mistral-large", false, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    // bedrock/us-east-1/mistral.mistral-large-2402-v1:0 ($8, $24 per million), not the base
    // entry's $4 and $12: 8,000 + 12,000 micro-USD.
    assertThat(record(r).costNanos()).hasValue(20_000_000);
  }

  @Test
  void unknownModelId_isPricedUnknown_neverFree() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("mystery", false, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("unknown");
    assertThat(r.headers().firstValue("x-tollgate-response-cost")).isEmpty();
    SpendRecord rec = record(r);
    assertThat(rec.priceState()).isEqualTo("unknown");
    assertThat(rec.costNanos()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void imagePart_isSentAsAnImageBlockWithItsBytes(boolean stream) throws Exception {
    String png =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    String body =
        "{\"model\":\"sonnet\","
            + (stream ? "\"stream\":true," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":["
            + "{\"type\":\"text\",\"text\":\"What is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
            + png
            + "\"}}]}]}";

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json().path("messages"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"user","content":[{"text":"What is this?"},
                  {"image":{"format":"png","source":{"bytes":"%s"}}}]}]
                """
                    .formatted(png)));
  }

  @Test
  void imageByUrl_isRefusedBeforeAnyCall() throws Exception {
    String body =
        "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":["
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}";

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, body);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("data URL");
    assertThat(upstream.received()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void toolCall_roundTrip(boolean stream) throws Exception {
    upstream.enqueue(
        new Reply(
            List.of(
                new Text("Checking."),
                new ToolUse("tooluse_01A", "get_weather", "{\"city\":\"Paris\"}")),
            "tool_use",
            Tokens.of(40, 20)));
    String tools =
        ",\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
            + "\"get_weather\",\"description\":\"Weather now\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";

    HttpResponse<String> first = send(TestGateway.MASTER_KEY, chat("sonnet", stream, tools));

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    String id = "";
    String name = "";
    StringBuilder arguments = new StringBuilder();
    String finish;
    if (stream) {
      List<JsonNode> chunks = chunks(first.body());
      for (JsonNode c : chunks) {
        for (JsonNode choice : c.path("choices")) {
          for (JsonNode call : choice.path("delta").path("tool_calls")) {
            assertThat(call.path("index").asInt()).isZero();
            id += call.path("id").asText("");
            name += call.path("function").path("name").asText("");
            arguments.append(call.path("function").path("arguments").asText(""));
          }
        }
      }
      assertThat(content(chunks)).isEqualTo("Checking.");
      finish = finish(chunks);
    } else {
      JsonNode choice = Json.MAPPER.readTree(first.body()).path("choices").get(0);
      assertThat(choice.path("message").path("content").asText()).isEqualTo("Checking.");
      JsonNode call = choice.path("message").path("tool_calls").get(0);
      id = call.path("id").asText();
      name = call.path("function").path("name").asText();
      arguments.append(call.path("function").path("arguments").asText());
      finish = choice.path("finish_reason").asText();
    }
    assertThat(id).isEqualTo("tooluse_01A");
    assertThat(name).isEqualTo("get_weather");
    assertThat(Json.MAPPER.readTree(arguments.toString()))
        .isEqualTo(Json.MAPPER.readTree("{\"city\":\"Paris\"}"));
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(upstream.lastReceived().json().path("toolConfig"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"tools":[{"toolSpec":{"name":"get_weather","description":"Weather now",
                  "inputSchema":{"json":{"type":"object",
                    "properties":{"city":{"type":"string"}}}}}}],
                 "toolChoice":{"any":{}}}
                """));

    String followUp =
        "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
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
                [{"role":"user","content":[{"text":"Weather?"}]},
                 {"role":"assistant","content":[
                   {"toolUse":{"toolUseId":"tooluse_01A","name":"get_weather",
                     "input":{"city":"Paris"}}}]},
                 {"role":"user","content":[
                   {"toolResult":{"toolUseId":"tooluse_01A","content":[{"text":"18C and sunny"}]}}]}]
                """));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void responseFormat_theForcedJsonToolsInputIsTheContent(boolean stream) throws Exception {
    upstream.enqueue(
        new Reply(
            List.of(new ToolUse("tooluse_json", "w", "{\"city\":\"Paris\",\"c\":18}")),
            "tool_use",
            Tokens.of(30, 12)));
    String format =
        ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\","
            + "\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"c\":{\"type\":\"integer\"}}}}}";

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet", stream, format));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String content;
    String finish;
    if (stream) {
      List<JsonNode> chunks = chunks(r.body());
      content = content(chunks);
      finish = finish(chunks);
      assertThat(r.body()).doesNotContain("tool_calls");
    } else {
      JsonNode choice = Json.MAPPER.readTree(r.body()).path("choices").get(0);
      content = choice.path("message").path("content").asText();
      finish = choice.path("finish_reason").asText();
      assertThat(choice.path("message").has("tool_calls")).isFalse();
    }
    assertThat(Json.MAPPER.readTree(content))
        .isEqualTo(Json.MAPPER.readTree("{\"city\":\"Paris\",\"c\":18}"));
    assertThat(finish).isEqualTo("stop");
    assertThat(
            upstream
                .lastReceived()
                .json()
                .path("toolConfig")
                .path("toolChoice")
                .path("tool")
                .path("name")
                .asText())
        .as("the tool is named after the schema, as LiteLLM names it")
        .isEqualTo("w");
  }

  @ParameterizedTest
  @CsvSource({
    "end_turn, stop, false",
    "end_turn, stop, true",
    "stop_sequence, stop, false",
    "stop_sequence, stop, true",
    "max_tokens, length, false",
    "max_tokens, length, true",
    "content_filtered, content_filter, false",
    "content_filtered, content_filter, true",
    "guardrail_intervened, content_filter, false",
    "guardrail_intervened, content_filter, true"
  })
  void stopReason_becomesItsFinishReason(String stopReason, String expected, boolean stream)
      throws Exception {
    upstream.enqueue(new Reply(List.of(new Text("Partial answer")), stopReason, Tokens.of(5, 3)));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet", stream, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String finish =
        stream
            ? finish(chunks(r.body()))
            : Json.MAPPER.readTree(r.body()).path("choices").get(0).path("finish_reason").asText();
    assertThat(finish).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "429, ThrottlingException, Too many requests please wait before trying again, 429, rate_limit_exceeded, ThrottlingException, false",
    "429, ThrottlingException, Too many requests please wait before trying again, 429, rate_limit_exceeded, ThrottlingException, true",
    "400, ValidationException, Input is too long for requested model., 400, invalid_request_error, context_length_exceeded, false",
    "400, ValidationException, Input is too long for requested model., 400, invalid_request_error, context_length_exceeded, true",
    "400, ValidationException, The provided request is not valid, 400, invalid_request_error, ValidationException, false",
    "403, AccessDeniedException, You don't have access to the model with the specified model ID., 403, permission_error, AccessDeniedException, false",
    "403, AccessDeniedException, You don't have access to the model with the specified model ID., 403, permission_error, AccessDeniedException, true",
    "403, UnrecognizedClientException, The security token included in the request is invalid., 401, authentication_error, UnrecognizedClientException, false",
    "404, ResourceNotFoundException, Could not resolve the foundation model from the provided model identifier., 404, not_found_error, ResourceNotFoundException, true",
    "408, ModelTimeoutException, Model has timed out in processing the request., 504, timeout, ModelTimeoutException, false",
    "503, ServiceUnavailableException, Bedrock is unable to process your request., 503, api_error, ServiceUnavailableException, false",
    "503, ServiceUnavailableException, Bedrock is unable to process your request., 503, api_error, ServiceUnavailableException, true"
  })
  void upstreamErrors_keepTheirMeaning_andCostNothing(
      int status,
      String type,
      String message,
      int expectedStatus,
      String expectedType,
      String expectedCode,
      boolean stream)
      throws Exception {
    upstream.enqueue(new FakeBedrock.Error(status, type, message));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet", stream, ""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo(expectedType);
    assertThat(error.path("code").asText()).isEqualTo(expectedCode);
    assertThat(error.path("message").asText()).contains(message);
    assertThat(r.body()).doesNotContain(FakeBedrock.SECRET_KEY);
    SpendRecord rec = recordWithStatus(expectedStatus);
    if (expectedStatus == 504) {
      // A model that timed out had the prompt: billed on an estimate, as every upstream timeout.
      assertThat(rec.usageSource()).isEqualTo(UsageSource.ESTIMATED);
      assertThat(rec.costNanos().orElseThrow()).isPositive();
    } else {
      // Refused upstream: nothing was used, nothing is charged.
      assertThat(rec.costNanos()).hasValue(0);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "ThrottlingException, 429",
    "ServiceUnavailableException, 503",
    "ModelTimeoutException, 408"
  })
  void retryableErrors_areRetried(String type, int status) throws Exception {
    upstream.enqueue(new FakeBedrock.Error(status, type, "try again"));
    upstream.enqueue(Reply.text("Second time lucky", Tokens.of(5, 4)));

    HttpResponse<String> r =
        send(TestGateway.MASTER_KEY, chat("sonnet", false, ",\"num_retries\":1"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("Second time lucky");
    assertThat(upstream.received()).hasSize(2);
  }

  static final String CONVERSE =
      """
      {"system":[{"text":"Be brief."}],
       "messages":[{"role":"user","content":[{"text":"What is this?"},
         {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]}],
       "inferenceConfig":{"maxTokens":300,"temperature":0.2}}
      """;

  HttpResponse<byte[]> converse(String key, String path, String body) {
    return gw.sendBytes(
        HttpRequest.newBuilder(gw.uri(path))
            .header("x-litellm-api-key", "Bearer " + key)
            .header("Authorization", "AWS4-HMAC-SHA256 Credential=client-own/...")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  @Test
  void nativeConverse_streamedOrNot_signedAndPassedThroughAsIs_billedAsChatIs() throws Exception {
    Reply reply = Reply.text("Hello there, how can I help?", CACHED);
    upstream.fallback(reply);
    String key = newKey("{\"models\":[\"sonnet\"]}");

    HttpResponse<byte[]> plain =
        converse(
            key, "/bedrock/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", CONVERSE);

    String answer = new String(plain.body(), StandardCharsets.UTF_8);
    assertThat(plain.statusCode()).as(answer).isEqualTo(200);
    FakeBedrock.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .as("the fake checked the deployment's signature over this path and body")
        .isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    assertThat(sent.json()).isEqualTo(Json.MAPPER.readTree(CONVERSE));
    assertThat(Json.MAPPER.readTree(answer))
        .isEqualTo(Json.MAPPER.readTree(FakeBedrock.converse(reply).toString()));
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(SONNET_NANOS));
    SpendRecord p = record(plain);
    assertThat(p.costNanos()).hasValue(SONNET_NANOS);
    assertThat(p.modelGroup()).isEqualTo("sonnet");
    assertThat(p.cacheCreationTokens()).isEqualTo(200);

    HttpResponse<byte[]> streamed =
        converse(key, "/bedrock/model/sonnet/converse-stream", CONVERSE);

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type"))
        .contains("application/vnd.amazon.eventstream");
    assertThat(upstream.lastReceived().path())
        .isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
    assertThat(streamed.body())
        .as("Bedrock's frames, byte for byte")
        .isEqualTo(FakeBedrock.frames(FakeBedrock.events(reply), -1));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(SONNET_NANOS);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
  }

  @Test
  void nativeConverse_throughAmazonsOwnClient_answeredAndBilled() throws Exception {
    upstream.fallback(Reply.text("Hello from Bedrock", CACHED));
    String key = newKey("{\"models\":[\"sonnet\"]}");
    try (BedrockRuntimeClient client =
        BedrockRuntimeClient.builder()
            .endpointOverride(gw.uri("/bedrock"))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("client-access-key", "client-secret")))
            .httpClient(UrlConnectionHttpClient.create())
            .overrideConfiguration(o -> o.putHeader("x-litellm-api-key", key))
            .build()) {
      ConverseResponse r =
          client.converse(
              b ->
                  b.modelId("anthropic.claude-3-5-sonnet-20240620-v1:0")
                      .system(SystemContentBlock.fromText("Be brief."))
                      .messages(
                          Message.builder()
                              .role(ConversationRole.USER)
                              .content(ContentBlock.fromText("Hello"))
                              .build())
                      .inferenceConfig(c -> c.maxTokens(100)));

      assertThat(r.output().message().content().get(0).text()).isEqualTo("Hello from Bedrock");
      assertThat(r.usage().cacheReadInputTokens()).isEqualTo(1000);
      assertThat(r.stopReasonAsString()).isEqualTo("end_turn");

      BedrockRuntimeException unknown =
          org.junit.jupiter.api.Assertions.assertThrows(
              BedrockRuntimeException.class,
              () ->
                  client.converse(
                      b ->
                          b.modelId("no-such-model")
                              .messages(
                                  Message.builder()
                                      .role(ConversationRole.USER)
                                      .content(ContentBlock.fromText("Hello"))
                                      .build())));
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.awsErrorDetails().errorCode()).isEqualTo("ResourceNotFoundException");
      assertThat(unknown.awsErrorDetails().errorMessage()).contains("no-such-model");
    }
    assertThat(keySpend(key)).isEqualByComparingTo("0.0021");
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void nativeConverseStream_exceptionMidStream_endsWithAWSsOwnExceptionFrameOnly()
      throws Exception {
    upstream.enqueue(
        new FakeBedrock.ExceptionMidStream(
            Reply.text("Hello there, how can I help?", CACHED),
            "throttlingException",
            "Too many tokens, please wait before trying again."));

    HttpResponse<byte[]> r =
        converse(TestGateway.MASTER_KEY, "/bedrock/model/sonnet/converse-stream", CONVERSE);

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> types = new ArrayList<>();
    software.amazon.awssdk.eventstream.MessageDecoder decoder =
        new software.amazon.awssdk.eventstream.MessageDecoder(
            m -> {
              var h = m.getHeaders();
              String kind = h.containsKey(":exception-type") ? ":exception-type" : ":event-type";
              types.add(
                  java.util.Objects.requireNonNull(h.get(":message-type")).getString()
                      + ":"
                      + java.util.Objects.requireNonNull(h.get(kind)).getString());
            });
    decoder.feed(r.body());
    assertThat(types).first().isEqualTo("event:messageStart");
    assertThat(types).last().asString().startsWith("exception:");
    assertThat(types).last().asString().containsIgnoringCase("throttlingException");
    // AWS's own frame, relayed; Tollgate adds none after it.
    assertThat(types).filteredOn(t -> t.startsWith("exception:")).hasSize(1);
    assertThat(record(r).status()).isEqualTo(429);
  }

  @Test
  void exceptionMidStream_endsTheStreamWithTheMappedError() throws Exception {
    upstream.enqueue(
        new FakeBedrock.ExceptionMidStream(
            Reply.text("Hello there, how can I help?", CACHED),
            "throttlingException",
            "Too many tokens, please wait before trying again."));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet", true, ""));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"role\":\"assistant\"").endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(r.body());
    assertThat(content(chunks)).isEqualTo("Hello there, h");
    JsonNode error = chunks.get(chunks.size() - 1).path("error");
    assertThat(error.path("code").asText()).isEqualTo("ThrottlingException");
    assertThat(error.path("message").asText()).contains("Too many tokens");
    assertThat(record(r).status()).isEqualTo(429);
  }

  @Test
  void corruptFrameMidStream_endsTheStreamWithA502() throws Exception {
    upstream.enqueue(
        new FakeBedrock.BadChecksum(Reply.text("Hello there, how can I help?", CACHED)));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("sonnet", true, ""));

    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonNode> chunks = chunks(r.body());
    // The first two messages were whole; the third's checksum is wrong, and nothing after it is
    // relayed.
    assertThat(content(chunks)).isEqualTo("Hello t");
    assertThat(chunks.get(chunks.size() - 1).path("error").path("message").asText())
        .contains("checksum");
    assertThat(record(r).status()).isEqualTo(502);
  }

  @Test
  void clientLeavesMidStream_theUpstreamStreamIsClosed() throws Exception {
    upstream.enqueue(Reply.text("word ".repeat(2000), Tokens.of(10, 2000)));
    String body = chat("sonnet", true, "");

    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
      s.getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + "Authorization: Bearer "
                      + TestGateway.MASTER_KEY
                      + "\r\nContent-Type: application/json\r\nContent-Length: "
                      + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                      + "\r\n\r\n"
                      + body)
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      byte[] first = new byte[512];
      int n = s.getInputStream().read(first);
      assertThat(new String(first, 0, n, java.nio.charset.StandardCharsets.UTF_8))
          .startsWith("HTTP/1.1 200");
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (upstream.cutOff() == 0) {
      assertThat(System.nanoTime()).as("the upstream stream closed").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void keyBudget_deniedOnceItsSpendReachesMax() throws Exception {
    upstream.fallback(Reply.text("Hello", CACHED));
    String key = newKey("{\"key_alias\":\"bedrock-key\",\"max_budget\":0.003}");

    assertThat(send(key, chat("sonnet", false, "")).statusCode()).isEqualTo(200);
    // Spend 0.0021 < 0.003: admitted, and the stream settles the key at 0.0042.
    HttpResponse<String> streamed = send(key, chat("sonnet", true, ""));
    assertThat(streamed.statusCode()).isEqualTo(200);
    record(streamed);
    for (int i = 0; i < 500 && keySpend(key).compareTo(new BigDecimal("0.0042")) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo("0.0042");

    HttpResponse<String> denied = send(key, chat("sonnet", false, ""));

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(denied.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");
    assertThat(upstream.received()).hasSize(2);
  }

  @Test
  void titanEmbeddings_goThroughInvoke_andArePriced() throws Exception {
    HttpResponse<String> r =
        send(
            TestGateway.MASTER_KEY,
            "/v1/embeddings",
            "{\"model\":\"titan\",\"input\":\"hello world\",\"dimensions\":3}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeBedrock.Received sent = upstream.lastReceived();
    assertThat(sent.path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
    assertThat(sent.json())
        .isEqualTo(Json.MAPPER.readTree("{\"inputText\":\"hello world\",\"dimensions\":3}"));
    JsonNode answer = Json.MAPPER.readTree(r.body());
    assertThat(answer.path("object").asText()).isEqualTo("list");
    assertThat(answer.path("data").get(0).path("embedding"))
        .isEqualTo(Json.MAPPER.readTree("[0.125,0.25,0.375]"));
    assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
    // bedrock/amazon.titan-embed-text-v2:0 at $0.20 per million: 4 tokens, 0.8 micro-USD.
    assertThat(record(r).costNanos()).hasValue(800);
  }

  @Test
  void cohereEmbeddings_goThroughInvoke_withTheirTokenCountHeader() throws Exception {
    HttpResponse<String> r =
        send(
            TestGateway.MASTER_KEY,
            "/v1/embeddings",
            "{\"model\":\"cohere\",\"input\":[\"one two\",\"three four five\"]}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json())
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"texts\":[\"one two\",\"three four five\"],\"input_type\":\"search_document\"}"));
    JsonNode answer = Json.MAPPER.readTree(r.body());
    assertThat(answer.path("data")).hasSize(2);
    assertThat(answer.path("data").get(1).path("index").asInt()).isEqualTo(1);
    // bedrock/cohere.embed-english-v3 at $0.10 per million: 5 tokens, 0.5 micro-USD.
    assertThat(record(r).costNanos()).hasValue(500);
  }

  @Test
  void modelInfo_showsNoCredential() throws Exception {
    HttpResponse<String> r = gw.get("/model/info");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body())
        .contains("sonnet-global")
        .doesNotContain(FakeBedrock.SECRET_KEY)
        .doesNotContain(FakeBedrock.SESSION_SECRET_KEY)
        .doesNotContain(FakeBedrock.SESSION_TOKEN)
        .doesNotContain(FakeBedrock.API_KEY);
  }
}
