package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeGemini;
import dev.tollgate.testing.FakeGemini.Meta;
import dev.tollgate.testing.FakeGemini.Reply;
import dev.tollgate.testing.FakeGemini.Text;
import dev.tollgate.testing.FakeGemini.Thought;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vertex_ai/<model>} deployments through the real gateway, against {@link FakeGemini} over
 * loopback: Gemini models by {@code generateContent} and Claude models by {@code rawPredict}, each
 * call with a bearer token that the gateway got from the service account's key with a signed JWT
 * (once, however many calls wait for it), answers and streams as chat completions, Google's errors
 * kept, and exact catalog costs, streamed or not.
 */
class VertexUpstreamIT {
  @SuppressWarnings("NullAway.Init")
  FakeGemini upstream;

  @SuppressWarnings("NullAway.Init")
  TestGateway gw;

  @TempDir
  @SuppressWarnings("NullAway.Init")
  Path dir;

  final Map<String, SpendRecord> records = new ConcurrentHashMap<>();

  /** 2,000 prompt tokens of which 1,500 cached; 40 answer tokens after 100 of thinking. */
  static final Meta CACHED_THINKING = new Meta(2000, 40, 1500, 100);

  /**
   * CACHED_THINKING at the bundled catalog's vertex_ai/gemini-2.5-pro (per million: $1.25 input,
   * $0.125 cache read, $10 output, reasoning at the output rate): 625 + 187.5 + 1,400 micro-USD.
   */
  static final long GEMINI_NANOS = 2_212_500;

  /** 100 uncached input, 50 output, 1,000 cache reads and 200 cache writes. */
  static final FakeAnthropic.Tokens CLAUDE_TOKENS = new FakeAnthropic.Tokens(100, 50, 1000, 200, 0);

  /**
   * CLAUDE_TOKENS at vertex_ai/claude-sonnet-4@20250514 (per million: $3 input, $15 output, $0.30
   * cache read, $3.75 cache write): 300 + 750 + 300 + 750 micro-USD.
   */
  static final long CLAUDE_NANOS = 2_100_000;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeGemini();
    Path keyFile = dir.resolve("sa.json");
    Files.writeString(keyFile, upstream.serviceAccountJson(), StandardCharsets.UTF_8);
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: vgemini
                litellm_params:
                  model: vertex_ai/gemini-2.5-pro
                  api_base: %1$s
                  vertex_project: my-project
                  vertex_location: us-east5
                  timeout: 15
                  vertex_credentials: os.environ/VERTEX_SA_JSON
              - model_name: vclaude
                litellm_params:
                  model: vertex_ai/claude-sonnet-4@20250514
                  api_base: %1$s
                  vertex_project: my-project
                  vertex_location: us-east5
                  vertex_credentials: os.environ/VERTEX_SA_JSON
              - model_name: vembed
                litellm_params:
                  model: vertex_ai/text-embedding-005
                  api_base: %1$s
                  vertex_project: my-project
                  vertex_location: us-east5
                  vertex_credentials: os.environ/VERTEX_SA_JSON
              - model_name: vgemini-file
                litellm_params:
                  model: vertex_ai/gemini-2.5-pro
                  api_base: %1$s
                  vertex_credentials: %2$s
              - model_name: vgemini-foreign-key
                litellm_params:
                  model: vertex_ai/gemini-2.5-pro
                  api_base: %1$s
                  vertex_project: my-project
                  vertex_credentials: os.environ/FOREIGN_SA_JSON
            router_settings:
              num_retries: 0
            """
                .formatted(upstream.apiBase(), keyFile),
            Map.of(
                "TOLLGATE_MASTER_KEY",
                TestGateway.MASTER_KEY,
                "VERTEX_SA_JSON",
                upstream.serviceAccountJson(),
                "FOREIGN_SA_JSON",
                upstream.serviceAccountJsonWithForeignKey()));
    gw.gateway().onSpend(r -> records.put(r.requestId(), r));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  static String chat(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\","
        + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Hello\"}]}";
  }

  HttpRequest request(String key, String body) {
    return HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  HttpResponse<String> send(String key, String body) {
    return gw.send(request(key, body));
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

  BigDecimal keySpend(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    return Json.MAPPER.readTree(r.body()).path("info").path("spend").decimalValue();
  }

  @Test
  void gemini_streamedOrNot_reachesVertexWithATokenAndCostsTheSame() throws Exception {
    upstream.fallback(
        new Reply(
            List.of(new Thought("A greeting."), new Text("Hello there, how can I help?")),
            "STOP",
            CACHED_THINKING));

    HttpResponse<String> plain = send(TestGateway.MASTER_KEY, chat("vgemini", false));

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/my-project/locations/us-east5/publishers/google/models/"
                + "gemini-2.5-pro:generateContent");
    assertThat(sent.headers().get("authorization")).isEqualTo("Bearer ya29.fake-1");
    assertThat(sent.headers()).doesNotContainKey("x-goog-api-key");
    assertThat(sent.json().path("systemInstruction"))
        .isEqualTo(Json.MAPPER.readTree("{\"parts\":[{\"text\":\"Be brief.\"}]}"));
    JsonNode answer = Json.MAPPER.readTree(plain.body());
    assertThat(answer.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there, how can I help?");
    assertThat(
            answer
                .path("usage")
                .path("completion_tokens_details")
                .path("reasoning_tokens")
                .asLong())
        .isEqualTo(100);
    assertThat(plain.headers().firstValue("x-tollgate-response-cost"))
        .contains(CostCalculator.formatUsd(GEMINI_NANOS));
    assertThat(record(plain).costNanos()).hasValue(GEMINI_NANOS);

    HttpResponse<String> streamed = send(TestGateway.MASTER_KEY, chat("vgemini", true));

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(upstream.lastReceived().path()).endsWith(":streamGenerateContent");
    assertThat(upstream.lastReceived().query()).isEqualTo("alt=sse");
    List<JsonNode> chunks = chunks(streamed.body());
    assertThat(content(chunks)).isEqualTo("Hello there, how can I help?");
    assertThat(chunks.get(chunks.size() - 1).path("usage")).isEqualTo(answer.path("usage"));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(GEMINI_NANOS);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
    assertThat(upstream.tokensIssued()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void claude_reachesRawPredictWithTheAnthropicTranslation(boolean stream) throws Exception {
    upstream.claudeFallback(FakeAnthropic.Reply.text("Hello from Claude", CLAUDE_TOKENS));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("vclaude", stream));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/"
                + "claude-sonnet-4@20250514:"
                + (stream ? "streamRawPredict" : "rawPredict"));
    assertThat(sent.headers().get("authorization")).startsWith("Bearer ya29.fake-");
    JsonNode body = sent.json();
    assertThat(body.path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
    assertThat(body.has("model")).isFalse();
    assertThat(body.path("system"))
        .isEqualTo(Json.MAPPER.readTree("[{\"type\":\"text\",\"text\":\"Be brief.\"}]"));
    assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
    assertThat(body.path("max_tokens").asLong())
        .as("the catalog's largest answer")
        .isEqualTo(64000);
    if (stream) {
      assertThat(body.path("stream").asBoolean()).isTrue();
      assertThat(content(chunks(r.body()))).isEqualTo("Hello from Claude");
      assertThat(r.body()).endsWith("data: [DONE]\n\n");
    } else {
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("choices").get(0).path("message").path("content").asText())
          .isEqualTo("Hello from Claude");
      assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    }
    SpendRecord rec = record(r);
    assertThat(rec.costNanos()).hasValue(CLAUDE_NANOS);
    assertThat(rec.cacheReadTokens()).isEqualTo(1000);
    assertThat(rec.cacheCreationTokens()).isEqualTo(200);
  }

  HttpResponse<String> nativeCall(String key, String path, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** LiteLLM's Vertex pass-through address of a model: the client's project and location. */
  static String vertexPath(String publisher, String model, String method) {
    return "/vertex_ai/v1/projects/client-project/locations/us-central1/publishers/"
        + publisher
        + "/models/"
        + model
        + ":"
        + method;
  }

  @Test
  void nativeGenerateContent_reachesTheDeploymentsProjectWithItsToken_billedAsChatIs()
      throws Exception {
    Reply reply =
        new Reply(
            List.of(new Thought("A greeting."), new Text("Hello there, how can I help?")),
            "STOP",
            CACHED_THINKING);
    upstream.fallback(reply);
    String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hello\"}]}]}";

    HttpResponse<String> plain =
        nativeCall(
            TestGateway.MASTER_KEY,
            vertexPath("google", "gemini-2.5-pro", "generateContent"),
            body);

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .as("the deployment's project and location, not the client's")
        .isEqualTo(
            "/v1/projects/my-project/locations/us-east5/publishers/google/models/"
                + "gemini-2.5-pro:generateContent");
    assertThat(sent.headers().get("authorization")).isEqualTo("Bearer ya29.fake-1");
    assertThat(sent.json()).isEqualTo(Json.MAPPER.readTree(body));
    assertThat(Json.MAPPER.readTree(plain.body()).path("usageMetadata").path("thoughtsTokenCount"))
        .isEqualTo(Json.MAPPER.readTree("100"));
    assertThat(record(plain).costNanos()).hasValue(GEMINI_NANOS);

    HttpResponse<String> streamed =
        nativeCall(
            TestGateway.MASTER_KEY,
            vertexPath("google", "vgemini", "streamGenerateContent") + "?alt=sse",
            body);

    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.body())
        .isEqualTo(String.join("", FakeGemini.events(reply, "gemini-2.5-pro")));
    SpendRecord s = record(streamed);
    assertThat(s.costNanos()).hasValue(GEMINI_NANOS);
    assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void nativeRawPredict_reachesClaudeWithoutModel_answeredAsAnthropicDoes(boolean stream)
      throws Exception {
    upstream.claudeFallback(FakeAnthropic.Reply.text("Hello from Claude", CLAUDE_TOKENS));
    String body =
        "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":100,"
            + (stream ? "\"stream\":true," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    HttpResponse<String> r =
        nativeCall(
            TestGateway.MASTER_KEY,
            vertexPath(
                "anthropic",
                "claude-sonnet-4@20250514",
                stream ? "streamRawPredict" : "rawPredict"),
            body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/"
                + "claude-sonnet-4@20250514:"
                + (stream ? "streamRawPredict" : "rawPredict"));
    assertThat(sent.json())
        .as("the client's body, without the model the gateway read")
        .isEqualTo(Json.MAPPER.readTree(body));
    if (stream) {
      assertThat(r.body()).contains("event: message_stop");
      assertThat(r.body()).doesNotContain("[DONE]");
    } else {
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("type").asText()).isEqualTo("message");
      assertThat(answer.path("content").get(0).path("text").asText())
          .isEqualTo("Hello from Claude");
    }
    SpendRecord rec = record(r);
    assertThat(rec.costNanos()).hasValue(CLAUDE_NANOS);
    assertThat(rec.cacheCreationTokens()).isEqualTo(200);
  }

  @Test
  void embeddings_reachPredict_billedByTheTokenCountsVertexReports() throws Exception {
    HttpResponse<String> r =
        nativeCall(
            TestGateway.MASTER_KEY,
            "/v1/embeddings",
            "{\"model\":\"vembed\",\"input\":[\"hello big world\",\"bye\"],\"dimensions\":2}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    FakeGemini.Received sent = upstream.lastReceived();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/my-project/locations/us-east5/publishers/google/models/"
                + "text-embedding-005:predict");
    assertThat(sent.json())
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"instances\":[{\"content\":\"hello big world\"},{\"content\":\"bye\"}],"
                    + "\"parameters\":{\"outputDimensionality\":2}}"));
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("data")).hasSize(2);
    assertThat(body.path("data").get(1).path("embedding")).hasSize(2);
    assertThat(body.path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
    SpendRecord rec = record(r);
    // 4 tokens at text-embedding-005's $0.0000001 per token.
    assertThat(rec.costNanos()).hasValue(400);
    assertThat(rec.usageSource()).isEqualTo(UsageSource.PROVIDER);

    HttpResponse<String> tokens =
        nativeCall(
            TestGateway.MASTER_KEY, "/v1/embeddings", "{\"model\":\"vembed\",\"input\":[[1,2]]}");
    assertThat(tokens.statusCode()).isEqualTo(400);
    assertThat(tokens.body()).contains("array of strings");
  }

  @Test
  void nativeRoutes_reachOnlyTheModelThatSpeaksThem() throws Exception {
    HttpResponse<String> r =
        nativeCall(
            TestGateway.MASTER_KEY,
            vertexPath("google", "vclaude", "generateContent"),
            "{\"contents\":[{\"parts\":[{\"text\":\"Hello\"}]}]}");

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode e = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(e.path("status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.path("message").asText()).contains("does not serve this route");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void token_fetchedOnceForManyConcurrentCalls() throws Exception {
    upstream.tokenDelay(300);
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      calls.add(
          gw.http()
              .sendAsync(
                  request(
                      TestGateway.MASTER_KEY, chat(i % 2 == 0 ? "vgemini" : "vclaude", i % 3 == 0)),
                  HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    assertThat(upstream.tokenRequests())
        .as("one token request for every waiting call")
        .isEqualTo(1);
    assertThat(upstream.tokensIssued()).isEqualTo(1);
    for (FakeGemini.Received got : upstream.received()) {
      assertThat(got.headers().get("authorization")).isEqualTo("Bearer ya29.fake-1");
    }

    // Later calls reuse the cached token.
    assertThat(send(TestGateway.MASTER_KEY, chat("vgemini", false)).statusCode()).isEqualTo(200);
    assertThat(upstream.tokenRequests()).isEqualTo(1);
  }

  @Test
  void credentialsFile_withoutVertexProject_usesTheKeyFilesProject() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("vgemini-file", false));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().path())
        .isEqualTo(
            "/v1/projects/"
                + FakeGemini.PROJECT_ID
                + "/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent");
  }

  @Test
  void tokenRefused_isAnAuthenticationErrorWithoutSecrets() throws Exception {
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("vgemini-foreign-key", false));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("message").asText()).contains("invalid_grant").contains("Signature");
    assertThat(r.body()).doesNotContain("PRIVATE KEY");
    assertThat(upstream.received()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstreamErrors_keepTheirMeaning(boolean stream) throws Exception {
    upstream.enqueue(
        new FakeGemini.Error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute"));
    HttpResponse<String> limited = send(TestGateway.MASTER_KEY, chat("vgemini", stream));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(limited.body()).path("error").path("code").asText())
        .isEqualTo("RESOURCE_EXHAUSTED");

    upstream.enqueue(new FakeGemini.Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"));
    HttpResponse<String> claudeLimited = send(TestGateway.MASTER_KEY, chat("vclaude", stream));
    assertThat(claudeLimited.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(claudeLimited.body()).path("error").path("type").asText())
        .isEqualTo("rate_limit_exceeded");

    upstream.enqueue(new FakeGemini.Error(404, "NOT_FOUND", "Publisher Model was not found."));
    HttpResponse<String> missing = send(TestGateway.MASTER_KEY, chat("vgemini", stream));
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void errorEventMidStream_endsTheStreamWithTheError() throws Exception {
    upstream.enqueue(
        new FakeGemini.ErrorMidStream(
            Reply.text("Hello there, a long answer", CACHED_THINKING),
            500,
            "INTERNAL",
            "Internal error encountered."));

    HttpResponse<String> r = send(TestGateway.MASTER_KEY, chat("vgemini", true));

    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonNode> chunks = chunks(r.body());
    assertThat(content(chunks)).isEqualTo("Hello there,");
    assertThat(chunks.get(chunks.size() - 1).path("error").path("code").asText())
        .isEqualTo("INTERNAL");
    assertThat(record(r).status()).isEqualTo(502);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void invalidRequest_afterTheTokenWait_isA400AtOnce(boolean stream) throws Exception {
    String body =
        chat("vgemini", stream)
            .replace("\"messages\"", "\"reasoning_effort\":\"extreme\",\"messages\"");

    long start = System.nanoTime();
    HttpResponse<String> r = send(TestGateway.MASTER_KEY, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("param").asText())
        .isEqualTo("reasoning_effort");
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void modelInfo_neverShowsTheCredentials() throws Exception {
    HttpResponse<String> r = gw.get("/model/info");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("vertex_ai/gemini-2.5-pro")
        .contains("vertex_project")
        .doesNotContain("vertex_credentials")
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void keyBudget_deniedOnceItsSpendReachesMax() throws Exception {
    upstream.fallback(Reply.text("Hello", CACHED_THINKING));
    HttpResponse<String> created =
        gw.post("/key/generate", "{\"key_alias\":\"vertex-key\",\"max_budget\":0.004}");
    String key = Json.MAPPER.readTree(created.body()).path("key").asText();

    assertThat(send(key, chat("vgemini", false)).statusCode()).isEqualTo(200);
    HttpResponse<String> streamed = send(key, chat("vgemini", true));
    assertThat(streamed.statusCode()).isEqualTo(200);
    record(streamed);
    for (int i = 0; i < 500 && keySpend(key).compareTo(new BigDecimal("0.004425")) != 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keySpend(key)).isEqualByComparingTo("0.004425");

    HttpResponse<String> denied = send(key, chat("vgemini", false));

    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(denied.body()).path("error").path("type").asText())
        .isEqualTo("budget_exceeded");
    assertThat(upstream.received()).hasSize(2);
  }
}
