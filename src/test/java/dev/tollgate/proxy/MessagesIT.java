package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's Messages API on the client side, bridged to an OpenAI-format deployment, with the
 * official Anthropic Java SDK as the client: a message, a stream, a wrong key and a budget denial.
 */
class MessagesIT {
  static FakeOpenAi upstream;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    upstream = new FakeOpenAi();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: claude-alias
                litellm_params: {model: openai/acme-1, api_base: %1$s,
                                 input_cost_per_token: 0.000002, output_cost_per_token: 0.00001}
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

  static AnthropicClient client(String key) {
    return AnthropicOkHttpClient.builder()
        .baseUrl(gw.uri("").toString())
        .apiKey(key)
        .maxRetries(2)
        .build();
  }

  static MessageCreateParams hello() {
    return MessageCreateParams.builder()
        .model("claude-alias")
        .maxTokens(256)
        .system("Be brief.")
        .addUserMessage("hi")
        .build();
  }

  @Test
  void sdk_createsAMessage_withTheUpstreamsUsage() throws Exception {
    String key = newKey("{}");
    AnthropicClient client = client(key);
    try {
      Message m = client.messages().create(hello());
      assertThat(m.model().asString()).isEqualTo("claude-alias");
      assertThat(m.content()).isNotEmpty();
      assertThat(m.content().get(0).text().orElseThrow().text()).isNotBlank();
      assertThat(m.stopReason()).contains(StopReason.END_TURN);
      assertThat(m.usage().inputTokens()).isEqualTo(12);
      assertThat(m.usage().outputTokens()).isEqualTo(5);
    } finally {
      client.close();
    }
    JsonNode sent = Json.MAPPER.readTree(upstream.lastReceived().body());
    assertThat(sent.path("model").asText()).isEqualTo("acme-1");
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
    assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
  }

  @Test
  void sdk_streams_andTheAccumulatedMessageMatches() throws Exception {
    String key = newKey("{}");
    AnthropicClient client = client(key);
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(hello())) {
      s.stream().forEach(acc::accumulate);
    } finally {
      client.close();
    }
    Message m = acc.message();
    assertThat(m.content().get(0).text().orElseThrow().text()).isNotBlank();
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().outputTokens()).isEqualTo(5);
    assertThat(m.usage().inputTokens()).isEqualTo(12);
  }

  @Test
  void sdk_wrongKey_isAuthenticationError() {
    AnthropicClient client = client("sk-not-a-key");
    try {
      assertThatThrownBy(() -> client.messages().create(hello()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      client.close();
    }
  }

  @Test
  void sdk_budgetDenial_isARateLimitError_thatTheSdkDoesNotRetry() throws Exception {
    String key = newKey("{\"max_budget\": 0}");
    var log = gw.gateway().database().spendLog();
    long before = log.stats().recorded();
    AnthropicClient client = client(key);
    try {
      assertThatThrownBy(() -> client.messages().create(hello()))
          .isInstanceOfSatisfying(
              RateLimitException.class, e -> assertThat(e.getMessage()).contains("budget"));
    } finally {
      client.close();
    }
    assertThat(log.stats().recorded()).isEqualTo(before + 1);
  }

  @Test
  void errors_areInAnthropicsShape() throws Exception {
    String key = newKey("{}");
    HttpResponse<String> noMax =
        post(
            key,
            "{\"model\":\"claude-alias\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(noMax.statusCode()).isEqualTo(400);
    JsonNode body = Json.MAPPER.readTree(noMax.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.path("error").path("message").asText()).contains("max_tokens");

    HttpResponse<String> unknown =
        post(
            key,
            "{\"model\":\"nope\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(unknown.body()).path("error").path("type").asText())
        .isEqualTo("not_found_error");
  }

  @Test
  void theAnthropicPrefixedRoute_isTheSameApi() throws Exception {
    String key = newKey("{}");
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/anthropic/v1/messages"))
                .header("x-api-key", key)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"claude-alias\",\"max_tokens\":5,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).path("type").asText()).isEqualTo("message");
  }

  static HttpResponse<String> post(String key, String body) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/messages"))
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01")
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }
}
