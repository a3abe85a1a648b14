package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code drop_params} through the real gateway, against {@link FakeAnthropic} over loopback: an
 * OpenAI parameter Anthropic does not support is a 400 naming it before anything is sent, and with
 * {@code drop_params: true} (on the deployment or in {@code litellm_settings}) it is left out of
 * the Messages request instead.
 */
class DropParamsIT {
  final FakeAnthropic upstream = new FakeAnthropic();

  @Nullable TestGateway gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    upstream.close();
  }

  TestGateway start(String litellmSettings) {
    upstream.fallback(Reply.text("ok", Tokens.of(5, 2)));
    TestGateway started =
        TestGateway.start(
            """
            model_list:
              - model_name: strict
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-it-secret
              - model_name: dropping
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-it-secret
                  drop_params: true
              - model_name: kept
                litellm_params:
                  model: anthropic/claude-haiku-4-5
                  api_base: %1$s
                  api_key: sk-ant-it-secret
                  drop_params: false
            router_settings:
              num_retries: 0
            %2$s
            """
                .formatted(upstream.apiBase(), litellmSettings));
    gw = started;
    return started;
  }

  static HttpResponse<String> chat(TestGateway gw, String model, String extra) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"temperature\":0.3"
                        + extra
                        + "}"))
            .build());
  }

  @Test
  void chat_unsupportedParamWithoutDropParams_is400NamingItAndNothingIsSent() throws Exception {
    TestGateway gw = start("");

    HttpResponse<String> r = chat(gw, "strict", ",\"presence_penalty\":0.5");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo("presence_penalty");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText())
        .contains("anthropic")
        .contains("presence_penalty")
        .contains("drop_params: true");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void chat_deploymentDropParams_sendsTheRestWithoutIt() throws Exception {
    TestGateway gw = start("");

    HttpResponse<String> r =
        chat(gw, "dropping", ",\"logit_bias\":{\"50256\":-100},\"seed\":7,\"n\":1");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode sent = upstream.lastReceived().json();
    assertThat(sent.has("logit_bias")).isFalse();
    assertThat(sent.has("seed")).isFalse();
    assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(sent.path("messages").get(0).path("content").get(0).path("text").asText())
        .isEqualTo("Hi");
  }

  @Test
  void chat_globalDropParams_dropsForEveryDeploymentButOneThatTurnsItOff() throws Exception {
    TestGateway gw = start("litellm_settings:\n  drop_params: true");

    HttpResponse<String> dropped = chat(gw, "strict", ",\"n\":3");

    assertThat(dropped.statusCode()).as(dropped.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json().has("n")).isFalse();

    HttpResponse<String> refused = chat(gw, "kept", ",\"n\":3");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("param").asText())
        .isEqualTo("n");
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void chat_globalDropParams_appliesToAModelCreatedThroughTheApi() throws Exception {
    TestGateway gw = start("litellm_settings:\n  drop_params: true");
    addModelThroughTheApi(gw, "from-api");

    HttpResponse<String> r = chat(gw, "from-api", ",\"n\":3");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().json().has("n")).isFalse();
  }

  @Test
  void chat_withoutGlobalDropParams_aModelCreatedThroughTheApiRefuses() throws Exception {
    TestGateway gw = start("");
    addModelThroughTheApi(gw, "from-api");

    HttpResponse<String> r = chat(gw, "from-api", ",\"n\":3");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(upstream.received()).isEmpty();
  }

  /** Adds an Anthropic model named {@code name} through {@code /model/new}, without drop_params. */
  void addModelThroughTheApi(TestGateway gw, String name) {
    HttpResponse<String> created =
        gw.post(
            "/model/new",
            """
            {"model_name":"%s","litellm_params":{"model":"anthropic/claude-haiku-4-5",
             "api_base":"%s"}}"""
                .formatted(name, upstream.apiBase()));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
  }
}
