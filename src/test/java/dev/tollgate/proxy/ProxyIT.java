package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The LLM endpoints end to end: a real gateway in front of a fake OpenAI upstream. */
class ProxyIT {
  static FakeOpenAi upstream;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: gpt-4o-mini
                litellm_params:
                  model: openai/gpt-4o-mini-2024-07-18
                  api_base: %s
                  api_key: sk-upstream-secret
                model_info:
                  id: dep-openai
              - model_name: embed
                litellm_params:
                  model: openai/text-embedding-3-small
                  api_base: %s
                  api_key: sk-upstream-secret
              - model_name: short-timeout
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_base: %s
                  timeout: 0.3
                  stream_timeout: 0.3
              - model_name: nowhere
                litellm_params:
                  model: hosted_vllm/llama
                  api_base: http://127.0.0.1:1/v1
              - model_name: command
                litellm_params:
                  model: cohere/command-r-plus
            router_settings:
              model_group_alias:
                mini: gpt-4o-mini
            general_settings:
              max_request_size_mb: 0.01
            """
                .formatted(upstream.apiBase(), upstream.apiBase(), upstream.apiBase()));
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

  static final String CHAT =
      "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi \\\"there\\\"\"}],"
          + " \"temperature\": 0.2, \"x_custom\": {\"keep\": [1, 2]}}";

  @Test
  void chat_nonStreaming_forwardsBodyWithOnlyModelRewritten() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", CHAT);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello there");
    assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(17);
    assertThat(r.headers().firstValue("x-litellm-model-id")).contains("dep-openai");

    FakeOpenAi.Received got = upstream.lastReceived();
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(got.body()).isEqualTo(CHAT.replace("\"gpt-4o-mini\"", "\"gpt-4o-mini-2024-07-18\""));
    assertThat(got.headers().get("authorization")).isEqualTo("Bearer sk-upstream-secret");
  }

  @Test
  void chat_withoutV1Prefix_andThroughAlias_isServed() throws Exception {
    HttpResponse<String> r =
        gw.post("/chat/completions", CHAT.replace("\"gpt-4o-mini\"", "\"mini\""));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstream.lastReceived().body()).contains("\"model\": \"gpt-4o-mini-2024-07-18\"");
  }

  @Test
  void chat_streamingWithIncludeUsage_relaysEveryChunkThenUsageThenDone() throws Exception {
    String req =
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> r = gw.post("/v1/chat/completions", req);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> data = dataLines(r.body());
    assertThat(data).last().isEqualTo("[DONE]");
    assertThat(String.join("", data)).contains("\"Hello\"").contains("\" there\"");
    JsonNode usageChunk = Json.MAPPER.readTree(data.get(data.size() - 2));
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
    assertThat(upstream.lastReceived().body())
        .isEqualTo(req.replace("\"gpt-4o-mini\"", "\"gpt-4o-mini-2024-07-18\""));
  }

  @Test
  void chat_streamingWithoutIncludeUsage_asksUpstreamForUsageButWithholdsTheUsageChunk()
      throws Exception {
    String req =
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> r = gw.post("/v1/chat/completions", req);

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data = dataLines(r.body());
    assertThat(data).last().isEqualTo("[DONE]");
    assertThat(data).noneMatch(d -> d.contains("\"choices\":[]"));
    assertThat(data).hasSize(5);
    assertThat(upstream.lastReceived().body())
        .contains("\"stream_options\":{\"include_usage\":true}");
  }

  @Test
  void completions_nonStreaming_isServed() throws Exception {
    HttpResponse<String> r =
        gw.post("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Say hi\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).path("object").asText()).isEqualTo("text_completion");
    assertThat(upstream.lastReceived().path()).isEqualTo("/v1/completions");
  }

  @Test
  void embeddings_areServed_withAndWithoutPrefix() throws Exception {
    for (String path : new String[] {"/v1/embeddings", "/embeddings"}) {
      HttpResponse<String> r = gw.post(path, "{\"model\":\"embed\",\"input\":[\"a\",\"b\"]}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(r.body()).path("data").get(0).path("embedding").size())
          .isEqualTo(3);
      assertThat(upstream.lastReceived().body())
          .isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}");
    }
  }

  @Test
  void models_listsGroupsAndAliasesInOpenAiShape() throws Exception {
    for (String path : new String[] {"/v1/models", "/models"}) {
      HttpResponse<String> r = gw.get(path);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = Json.MAPPER.readTree(r.body());
      assertThat(body.path("object").asText()).isEqualTo("list");
      List<String> ids = new ArrayList<>();
      body.path("data").forEach(m -> ids.add(m.path("id").asText()));
      assertThat(ids)
          .containsExactly("command", "embed", "gpt-4o-mini", "mini", "nowhere", "short-timeout");
      assertThat(body.path("data").get(0).path("object").asText()).isEqualTo("model");
    }
  }

  @Test
  void health_livelinessAndReadiness_answer200WithoutAuth() {
    assertThat(gw.send(HttpRequest.newBuilder(gw.uri("/health/liveliness")).build()).statusCode())
        .isEqualTo(200);
    HttpResponse<String> ready =
        gw.send(HttpRequest.newBuilder(gw.uri("/health/readiness")).build());
    assertThat(ready.statusCode()).isEqualTo(200);
    // Without an admin key: up or not and the LiteLLM version clients check, nothing about the
    // store, its path or the counters.
    assertThat(ready.body()).isEqualTo("{\"status\":\"healthy\",\"litellm_version\":\"1.96.0\"}");
    HttpResponse<String> asAdmin = gw.get("/health/readiness");
    assertThat(asAdmin.body()).contains("\"status\":\"healthy\"").contains("\"store\":");
    HttpResponse<String> asWrongKey =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/health/readiness"))
                .header("authorization", "Bearer sk-wrong")
                .build());
    assertThat(asWrongKey.body()).isEqualTo(ready.body());
  }

  @Test
  void auth_azureApiKeyHeader_isAccepted() {
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("api-key", TestGateway.MASTER_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                .build());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void auth_missingKey_is401() throws Exception {
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                .build());
    assertError(r, 401, "authentication_error", "missing API key");
  }

  @Test
  void auth_wrongKey_is401_andModelsToo() throws Exception {
    for (String path : new String[] {"/v1/chat/completions", "/v1/models"}) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(gw.uri(path)).header("Authorization", "Bearer sk-wrong");
      HttpResponse<String> r =
          gw.send(
              path.endsWith("models")
                  ? b.GET().build()
                  : b.POST(HttpRequest.BodyPublishers.ofString(CHAT)).build());
      assertError(r, 401, "authentication_error", "invalid API key");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"model\": \"gpt-4o-mini\", \"messages\": [",
        "not json at all",
        "[1, 2]",
        "",
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} trailing"
      })
  void badJson_is400(String body) throws Exception {
    assertError(gw.post("/v1/chat/completions", body), 400, "invalid_request_error", "");
  }

  @Test
  void missingModel_is400NamingTheField() throws Exception {
    HttpResponse<String> r =
        gw.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertError(r, 400, "invalid_request_error", "missing required field: model");
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("param").asText())
        .isEqualTo("model");
  }

  @Test
  void missingMessages_is400() throws Exception {
    assertError(
        gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\"}"),
        400,
        "invalid_request_error",
        "messages");
    assertError(
        gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"),
        400,
        "invalid_request_error",
        "messages must not be empty");
    assertError(
        gw.post("/v1/embeddings", "{\"model\":\"embed\"}"), 400, "invalid_request_error", "input");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"model\": 42, \"messages\": [{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"model\": \"gpt-4o-mini\", \"messages\": \"hello\"}",
        "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"stream\": \"yes\"}",
        "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"max_tokens\": \"10\"}",
        "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"temperature\": \"hot\"}",
        "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"stream_options\": true}"
      })
  void wrongTypes_are400(String body) throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", body);
    assertError(r, 400, "invalid_request_error", " must be ");
    assertThat(upstream.received()).noneMatch(x -> x.body().equals(body));
  }

  @Test
  void bodyOverLimit_is413() throws Exception {
    String big =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "x".repeat(20_000)
            + "\"}]}";
    assertError(
        gw.post("/v1/chat/completions", big),
        413,
        "invalid_request_error",
        "larger than the limit");
    assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
  }

  @Test
  void bodyOverLimitWithoutContentLength_is413() throws Exception {
    byte[] big =
        ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(20_000)
                + "\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big)))
                .build());
    assertError(r, 413, "invalid_request_error", "larger than the limit");
  }

  @Test
  void wrongMethodOnAnLlmRoute_is405() throws Exception {
    HttpResponse<String> r = gw.get("/v1/chat/completions");
    assertError(r, 405, "invalid_request_error", "use POST");
    assertError(gw.get("/nope"), 404, "not_found_error", "no route");
  }

  @Test
  void unknownModel_is404NamingOnlyTheModel() throws Exception {
    HttpResponse<String> r =
        gw.post("/v1/chat/completions", CHAT.replace("\"gpt-4o-mini\"", "\"gpt-9\""));
    assertError(r, 404, "invalid_request_error", "'gpt-9' does not exist");
    assertThat(r.body()).doesNotContain("sk-upstream-secret").doesNotContain("127.0.0.1");
  }

  @Test
  void unsupportedProvider_is501NamingIt() throws Exception {
    HttpResponse<String> r =
        gw.post("/v1/chat/completions", CHAT.replace("\"gpt-4o-mini\"", "\"command\""));
    assertError(r, 501, "not_implemented", "provider 'cohere'");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstream4xx_passesThroughWithProviderDetail(boolean stream) throws Exception {
    String providerBody =
        "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
            + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";
    upstream.enqueue(new FakeOpenAi.Error(400, "application/json", providerBody));
    HttpResponse<String> r = gw.post("/v1/chat/completions", withStream(CHAT, stream));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(r.body())).isEqualTo(Json.MAPPER.readTree(providerBody));
  }

  @Test
  void upstream429_passesThroughAs429() throws Exception {
    upstream.enqueue(
        new FakeOpenAi.Error(
            429,
            "application/json",
            "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
    HttpResponse<String> r = gw.post("/v1/chat/completions", CHAT);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.body()).contains("Rate limit reached");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstream5xx_is502WithClearMessage(boolean stream) throws Exception {
    upstream.enqueue(new FakeOpenAi.Error(503, "text/html", "<html>Service Unavailable</html>"));
    HttpResponse<String> r = gw.post("/v1/chat/completions", withStream(CHAT, stream));
    assertError(r, 502, "api_error", "upstream returned HTTP 503");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstreamTimeout_is504(boolean stream) throws Exception {
    int before = upstream.abandoned();
    upstream.enqueue(new FakeOpenAi.Hang());
    HttpResponse<String> r =
        gw.post(
            "/v1/chat/completions",
            withStream(CHAT.replace("\"gpt-4o-mini\"", "\"short-timeout\""), stream));
    assertError(r, 504, "timeout", "");
    assertThat(upstream.awaitAbandoned(before + 1, 10))
        .as("the gateway gave up on the upstream request")
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void upstreamRefused_is502(boolean stream) throws Exception {
    HttpResponse<String> r =
        gw.post(
            "/v1/chat/completions",
            withStream(CHAT.replace("\"gpt-4o-mini\"", "\"nowhere\""), stream));
    assertError(r, 502, "api_error", "could not connect");
  }

  @Test
  void upstreamDiesMidStream_streamEndsWithErrorEvent() throws Exception {
    upstream.enqueue(new FakeOpenAi.DieMidStream());
    HttpResponse<String> r = gw.post("/v1/chat/completions", withStream(CHAT, true));
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data = dataLines(r.body());
    assertThat(data.get(1)).contains("Hel");
    assertThat(data.get(data.size() - 2)).contains("\"error\"").contains("mid-stream");
    assertThat(data).last().isEqualTo("[DONE]");
  }

  @Test
  void clientDisconnectMidStream_resetsTheUpstreamRequest() throws Exception {
    upstream.enqueue(new FakeOpenAi.SlowStream(10_000, 5));
    int before = upstream.abandoned();
    String body = withStream(CHAT, true);
    try (Socket s = new Socket("127.0.0.1", gw.port())) {
      OutputStream out = s.getOutputStream();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + TestGateway.MASTER_KEY
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.contains("\"tok\"")) {
        // read until the first streamed token arrives
      }
      assertThat(line).contains("tok");
    }
    assertThat(upstream.awaitAbandoned(before + 1, 10)).as("upstream saw the reset").isTrue();
    // The gateway stopped reading at once: far fewer than the 10,000 events were produced.
    assertThat(upstream.eventsSentBeforeAbandon()).isLessThan(1000);
    assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
  }

  static String withStream(String body, boolean stream) {
    return stream ? body.replaceFirst("\\{", "{\"stream\": true, ") : body;
  }

  static List<String> dataLines(String sse) {
    List<String> out = new ArrayList<>();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring(6));
      }
    }
    return out;
  }

  static void assertError(HttpResponse<String> r, int status, String type, String messagePart)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(err.isObject()).as(r.body()).isTrue();
    assertThat(err.path("type").asText()).isEqualTo(type);
    assertThat(err.path("message").asText()).contains(messagePart);
    assertThat(err.has("param")).isTrue();
    assertThat(err.has("code")).isTrue();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
