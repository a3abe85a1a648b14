package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Azure's deployment routes on the client side: {@code /openai/deployments/{deployment}/...} with
 * {@code ?api-version=} and the {@code api-key} header, where the deployment is the model group.
 * The official OpenAI SDK in its Azure mode, and in its plain mode against {@code /v1}, are the
 * clients.
 */
class AzureRoutesIT {
  static FakeOpenAi upstream;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: team-gpt
                litellm_params: {model: openai/acme-1, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
              - model_name: team-embed
                litellm_params: {model: openai/acme-embed, api_base: %1$s,
                                 input_cost_per_token: 0.0000001, output_cost_per_token: 0}
            """
                .formatted(upstream.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static OpenAIClient azure(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gw.uri("").toString())
        .credential(AzureApiKeyCredential.create(key))
        .azureServiceVersion(AzureOpenAIServiceVersion.fromString("2024-10-21"))
        .azureUrlPathMode(AzureUrlPathMode.LEGACY)
        .maxRetries(0)
        .build();
  }

  @Test
  void azureSdk_chatThroughTheDeploymentPath_isBilledToTheGroup() throws Exception {
    String key = newKey("{}");
    OpenAIClient client = azure(key);
    try {
      ChatCompletion c =
          client
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model("team-gpt")
                      .addUserMessage("hi")
                      .build());
      assertThat(c.choices()).hasSize(1);
      assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(12);
    } finally {
      client.close();
    }
    FakeOpenAi.Received got = upstream.lastReceived();
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(Json.MAPPER.readTree(got.body()).path("model").asText()).isEqualTo("acme-1");
    // 12 * 0.000002 + 5 * 0.00001, settled after the answer
    for (int i = 0; i < 500 && keyInfo(key).path("spend").decimalValue().signum() == 0; i++) {
      Thread.sleep(10);
    }
    assertThat(keyInfo(key).path("spend").decimalValue()).isEqualByComparingTo("0.000074");
  }

  @Test
  void azureSdk_streamsAndEmbeds() throws Exception {
    String key = newKey("{}");
    OpenAIClient client = azure(key);
    try (StreamResponse<ChatCompletionChunk> s =
        client
            .chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder()
                    .model("team-gpt")
                    .addUserMessage("hi")
                    .build())) {
      StringBuilder text = new StringBuilder();
      s.stream()
          .forEach(ch -> ch.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
      assertThat(text).isNotEmpty();
      var emb =
          client
              .embeddings()
              .create(EmbeddingCreateParams.builder().model("team-embed").input("hello").build());
      assertThat(emb.data()).isNotEmpty();
    } finally {
      client.close();
    }
    assertThat(upstream.lastReceived().path()).isEqualTo("/v1/embeddings");
  }

  @Test
  void plainSdk_againstV1_stillWorks() throws Exception {
    String key = newKey("{}");
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gw.uri("/v1").toString())
            .apiKey(key)
            .maxRetries(0)
            .build();
    try {
      ChatCompletion c =
          client
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model("team-gpt")
                      .addUserMessage("hi")
                      .build());
      assertThat(c.choices()).hasSize(1);
    } finally {
      client.close();
    }
  }

  @Test
  void thePathNamesTheGroup_whateverTheBodySays_orWhenItSaysNothing() throws Exception {
    String key = newKey("{}");
    HttpResponse<String> noModel =
        azurePost(
            key,
            "/openai/deployments/team-gpt/chat/completions?api-version=2024-10-21",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(noModel.statusCode()).as(noModel.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(upstream.lastReceived().body()).path("model").asText())
        .isEqualTo("acme-1");

    HttpResponse<String> otherModel =
        azurePost(
            key,
            "/openai/deployments/team-gpt/chat/completions?api-version=2024-10-21",
            "{\"model\":\"team-embed\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(otherModel.statusCode()).as(otherModel.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(upstream.lastReceived().body()).path("model").asText())
        .isEqualTo("acme-1");
  }

  @Test
  void anUnknownDeployment_isA404InOpenAisShape_andAWrongKeyA401() throws Exception {
    String key = newKey("{}");
    HttpResponse<String> r =
        azurePost(
            key,
            "/openai/deployments/nope/chat/completions?api-version=2024-10-21",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r).path("code").asText()).isEqualTo("model_not_found");

    HttpResponse<String> wrong =
        azurePost(
            "sk-wrong",
            "/openai/deployments/team-gpt/chat/completions?api-version=2024-10-21",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(wrong.statusCode()).isEqualTo(401);

    HttpResponse<String> unknownOperation =
        azurePost(key, "/openai/deployments/team-gpt/images/generations", "{}");
    assertThat(unknownOperation.statusCode()).isEqualTo(404);
  }

  static JsonNode error(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body()).path("error");
  }

  static HttpResponse<String> azurePost(String key, String pathAndQuery, String body) {
    return gw.send(
        HttpRequest.newBuilder(URI.create(gw.uri("").toString() + pathAndQuery))
            .header("api-key", key)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  static JsonNode keyInfo(String key) throws Exception {
    HttpResponse<String> r = gw.get("/key/info?key=" + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("info");
  }
}
