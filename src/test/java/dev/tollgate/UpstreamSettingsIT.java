package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deployment settings that change what goes upstream and that LiteLLM configs rely on: {@code
 * headers} and {@code extra_headers} are sent, and Ollama's documented {@code api_base} (the
 * server, without {@code /v1}) reaches its OpenAI API.
 */
class UpstreamSettingsIT {
  FakeOpenAi upstream;
  TestGateway gw;

  @BeforeEach
  void start() {
    upstream = new FakeOpenAi();
    upstream.fallback(new FakeOpenAi.Normal(12, 5, 0));
    String server = upstream.apiBase().substring(0, upstream.apiBase().length() - "/v1".length());
    gw =
        TestGateway.start(
            """
            model_list:
              - model_name: headed
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_base: %1$s
                  headers: {X-Team: platform}
                  extra_headers: {X-Trace-Tag: "tollgate-42"}
              - model_name: llama
                litellm_params:
                  model: ollama/llama3.1
                  api_base: %2$s
            """
                .formatted(upstream.apiBase(), server));
  }

  @AfterEach
  void stop() {
    gw.close();
    upstream.close();
  }

  HttpResponse<String> chat(String model) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .build());
  }

  @Test
  void configuredHeaders_areSentUpstream() {
    HttpResponse<String> r = chat("headed");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().headers())
        .containsEntry("x-team", "platform")
        .containsEntry("x-trace-tag", "tollgate-42");
  }

  @Test
  void ollama_withTheServersAddressOnly_reachesItsOpenAiApi() {
    HttpResponse<String> r = chat("llama");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.lastReceived().path()).isEqualTo("/v1/chat/completions");
  }
}
