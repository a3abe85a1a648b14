package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAzure;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One config with Anthropic, Azure and OpenAI deployments, served through every client API: {@code
 * /v1/chat/completions}, {@code /v1/messages}, {@code /v1/responses} and Azure's deployment routes,
 * streamed and not, each answered in the client's format and billed at the serving deployment's
 * price. Each pair either passes bytes through (the provider speaks the client's API) or is
 * translated; the test does not care which, only that the client gets its own format.
 */
@SuppressWarnings("NullAway.Init")
class NativeProvidersIT {
  static FakeAnthropic anthropic;
  static FakeAzure azure;
  static FakeOpenAi openai;
  static TestGateway gw;
  static String key;

  @BeforeAll
  static void start() throws Exception {
    anthropic = new FakeAnthropic();
    azure = new FakeAzure().deployment("gpt-4o-prod").deployment("embed-prod").apiKey("az-secret");
    openai = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-secret
              - model_name: azure-gpt
                litellm_params:
                  model: azure/gpt-4o-prod
                  api_base: %2$s
                  api_key: az-secret
                  api_version: "2024-10-21"
                model_info: {base_model: azure/gpt-4o}
              - model_name: azure-embed
                litellm_params:
                  model: azure/embed-prod
                  api_base: %2$s
                  api_key: az-secret
                  api_version: "2024-10-21"
                model_info: {base_model: azure/text-embedding-3-small}
              - model_name: gpt
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_base: %3$s
                  api_key: sk-openai-secret
            """
                .formatted(anthropic.apiBase(), azure.endpoint(), openai.apiBase()),
            Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY));
    HttpResponse<String> r = gw.post("/key/generate", "{}");
    key = Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  @AfterAll
  static void stop() {
    gw.close();
    anthropic.close();
    azure.close();
    openai.close();
  }

  @BeforeEach
  void reset() {
    anthropic.fallback(FakeAnthropic.Reply.text("Hi from Claude.", FakeAnthropic.Tokens.of(20, 6)));
    openai.fallback(new FakeOpenAi.Normal(12, 5, 0));
    azure.openAi().fallback(new FakeOpenAi.Normal(12, 5, 0));
  }

  /** Each client API with each chat deployment, streamed and not. */
  @ParameterizedTest(name = "{0} to {1}, stream={2}")
  @CsvSource({
    "chat, claude, false",
    "chat, claude, true",
    "chat, azure-gpt, false",
    "chat, azure-gpt, true",
    "messages, claude, false",
    "messages, claude, true",
    "messages, azure-gpt, false",
    "messages, azure-gpt, true",
    "messages, gpt, true",
    "responses, claude, false",
    "responses, claude, true",
    "responses, azure-gpt, false",
    "responses, azure-gpt, true",
    "responses, gpt, false",
    "responses, gpt, true",
    "azure, claude, false",
    "azure, azure-gpt, true",
  })
  void everyClientApi_reachesEveryProvider_inItsOwnFormat(String api, String model, boolean stream)
      throws Exception {
    HttpResponse<String> r = send(api, model, stream);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-tollgate-price-state")).contains("priced");
    String body = r.body();
    if (stream) {
      assertThat(r.headers().firstValue("content-type").orElseThrow())
          .startsWith("text/event-stream");
      switch (api) {
        case "chat", "azure" ->
            assertThat(body).contains("chat.completion.chunk").endsWith("data: [DONE]\n\n");
        case "messages" ->
            assertThat(body).contains("event: message_start").contains("event: message_stop");
        default ->
            assertThat(body).contains("event: response.created").contains("response.completed");
      }
      return;
    }
    JsonNode answer = Json.MAPPER.readTree(body);
    switch (api) {
      case "chat", "azure" -> {
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText())
            .isNotBlank();
      }
      case "messages" -> {
        assertThat(answer.path("type").asText()).isEqualTo("message");
        assertThat(answer.path("content").get(0).path("text").asText()).isNotBlank();
      }
      default -> {
        assertThat(answer.path("object").asText()).isEqualTo("response");
        assertThat(answer.path("output").toString()).contains("output_text");
        assertThat(answer.path("usage").path("output_tokens").asLong()).isPositive();
      }
    }
    assertThat(r.headers().firstValue("x-tollgate-response-cost"))
        .hasValueSatisfying(c -> assertThat(new BigDecimal(c)).isPositive());
  }

  @Test
  void responsesToOpenAi_passThroughNatively_andAStoredOneCanBeRead() throws Exception {
    HttpResponse<String> r = send("responses", "gpt", false);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(openai.lastReceived().path()).isEqualTo("/v1/responses");
    assertThat(Json.MAPPER.readTree(r.body()).path("id").asText()).isEqualTo("resp_fake");

    HttpResponse<String> read =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/responses/resp_fake"))
                .header("authorization", "Bearer " + key)
                .GET()
                .build());
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(openai.lastReceived().path()).isEqualTo("/v1/responses/resp_fake");
    assertThat(openai.lastReceived().headers())
        .containsEntry("authorization", "Bearer sk-openai-secret");
  }

  @Test
  void toolCalls_roundTripThroughAnthropic_onChatAndOnResponses() throws Exception {
    FakeAnthropic.Reply toolUse =
        new FakeAnthropic.Reply(
            List.of(new FakeAnthropic.ToolUse("toolu_01", "get_weather", "{\"city\":\"Paris\"}")),
            "tool_use",
            null,
            FakeAnthropic.Tokens.of(30, 9));
    anthropic.enqueue(toolUse);
    String tools =
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";
    HttpResponse<String> chat =
        post(
            "/v1/chat/completions",
            "{\"model\":\"claude\","
                + tools
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonNode call = Json.MAPPER.readTree(chat.body()).path("choices").get(0);
    assertThat(call.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(
            call.path("message").path("tool_calls").get(0).path("function").path("name").asText())
        .isEqualTo("get_weather");
    assertThat(anthropic.lastReceived().json().path("tools").get(0).path("name").asText())
        .isEqualTo("get_weather");

    anthropic.enqueue(toolUse);
    HttpResponse<String> responses =
        post(
            "/v1/responses",
            "{\"model\":\"claude\",\"input\":\"Weather in Paris?\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]}");
    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    JsonNode item = Json.MAPPER.readTree(responses.body()).path("output").get(0);
    assertThat(item.path("type").asText()).isEqualTo("function_call");
    assertThat(item.path("name").asText()).isEqualTo("get_weather");
    assertThat(Json.MAPPER.readTree(item.path("arguments").asText()).path("city").asText())
        .isEqualTo("Paris");
  }

  @Test
  void embeddings_throughAzure_onTheOpenAiAndTheAzureRoutes() throws Exception {
    HttpResponse<String> plain =
        post("/v1/embeddings", "{\"model\":\"azure-embed\",\"input\":\"hello\"}");
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    HttpResponse<String> azureRoute =
        gw.send(
            HttpRequest.newBuilder(
                    gw.uri("/openai/deployments/azure-embed/embeddings?api-version=2024-10-21"))
                .header("api-key", key)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hello\"}"))
                .build());
    assertThat(azureRoute.statusCode()).as(azureRoute.body()).isEqualTo(200);
    assertThat(
            Json.MAPPER.readTree(azureRoute.body()).path("data").get(0).path("embedding").isArray())
        .isTrue();
    assertThat(azure.lastReceived().path()).isEqualTo("/openai/deployments/embed-prod/embeddings");
  }

  static HttpResponse<String> send(String api, String model, boolean stream) {
    String s = stream ? ",\"stream\":true" : "";
    return switch (api) {
      case "chat" ->
          post(
              "/v1/chat/completions",
              "{\"model\":\""
                  + model
                  + "\""
                  + s
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      case "messages" ->
          post(
              "/v1/messages",
              "{\"model\":\""
                  + model
                  + "\",\"max_tokens\":50"
                  + s
                  + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      case "responses" ->
          post("/v1/responses", "{\"model\":\"" + model + "\",\"input\":\"hi\"" + s + "}");
      case "azure" ->
          post(
              "/openai/deployments/" + model + "/chat/completions?api-version=2024-10-21",
              "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + s + "}");
      default -> throw new IllegalArgumentException(api);
    };
  }

  static HttpResponse<String> post(String path, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri(path))
            .header("authorization", "Bearer " + key)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }
}
