package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's Responses API on a deployment that does not speak it (Anthropic), bridged through chat,
 * with the official OpenAI SDK as the client: a response, a stream read by its accumulator, and the
 * clear 400 for what a bridge cannot do. Billing is from the provider's usage, as for chat.
 */
@SuppressWarnings("NullAway.Init")
class ResponsesIT {
  static FakeAnthropic anthropic;
  static TestGateway gw;

  static final FakeAnthropic.Tokens USAGE = FakeAnthropic.Tokens.of(21, 7);

  @BeforeAll
  static void start() {
    anthropic = new FakeAnthropic();
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-house
                  api_base: %1$s
                  api_key: sk-ant-secret
                  input_cost_per_token: 0.000003
                  output_cost_per_token: 0.000015
            """
                .formatted(anthropic.apiBase()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    anthropic.close();
  }

  @BeforeEach
  void reset() {
    anthropic.fallback(FakeAnthropic.Reply.text("Bridged hello.", USAGE));
  }

  static String newKey(String body) throws Exception {
    HttpResponse<String> r = gw.post("/key/generate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body()).path("key").asText();
  }

  static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gw.uri("/v1").toString())
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  @Test
  void sdk_createsAndStreams_throughTheChatBridge_billedTheSame() throws Exception {
    String key = newKey("{}");
    OpenAIClient client = client(key);
    ResponseCreateParams params =
        ResponseCreateParams.builder()
            .model("claude")
            .instructions("Be brief.")
            .input("Say hello.")
            .maxOutputTokens(64)
            .build();
    Response plain;
    ResponseAccumulator acc = ResponseAccumulator.create();
    try {
      plain = client.responses().create(params);
      try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(params)) {
        s.stream().forEach(acc::accumulate);
      }
    } finally {
      client.close();
    }
    assertThat(text(plain)).isEqualTo("Bridged hello.");
    assertThat(plain.usage().orElseThrow().inputTokens()).isEqualTo(21);
    assertThat(plain.usage().orElseThrow().outputTokens()).isEqualTo(7);
    Response streamed = acc.response();
    assertThat(text(streamed)).isEqualTo("Bridged hello.");
    assertThat(streamed.usage().orElseThrow().outputTokens()).isEqualTo(7);

    JsonNode sent = anthropic.lastReceived().json();
    assertThat(sent.path("model").asText()).isEqualTo("claude-house");
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.path("system").toString()).contains("Be brief.");

    JsonNode logs = awaitLogs(key, 2);
    for (JsonNode row : logs.path("data")) {
      // 21 * 0.000003 + 7 * 0.000015
      assertThat(row.path("spend").decimalValue()).isEqualByComparingTo("0.000168");
    }
  }

  @Test
  void whatABridgeCannotDo_isAClear400() throws Exception {
    String key = newKey("{}");
    HttpResponse<String> r =
        gw.send(
            HttpRequest.newBuilder(gw.uri("/v1/responses"))
                .header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"claude\",\"input\":\"hi\","
                            + "\"tools\":[{\"type\":\"web_search\"}]}"))
                .build());
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("message").asText()).contains("web_search");
  }

  static String text(Response r) {
    StringBuilder sb = new StringBuilder();
    r.output()
        .forEach(
            item ->
                item.message()
                    .ifPresent(
                        m ->
                            m.content()
                                .forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text())))));
    return sb.toString();
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
