package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No secret leaves the gateway in a relayed error: an upstream that echoes the deployment's key,
 * its Authorization header or its own address has them replaced with {@code [redacted]}, and a 502
 * for an unreachable upstream does not name its host and port. The same holds for an error that
 * arrives in the middle of a stream, relayed as the upstream sent it or mapped from its event.
 */
class RelayedErrorsRedactedIT {
  static final String KEY = "sk-deploy-secret-0123456789abcdef";

  static HttpResponse<String> send(TestGateway gw, String model, boolean stream) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\","
                        + (stream ? "\"stream\":true," : "")
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anUpstreamEchoingTheKeyAndItsAddress_hasThemRedacted(boolean stream) throws Exception {
    try (FakeOpenAi up = new FakeOpenAi()) {
      String address = "127.0.0.1:" + up.port();
      up.fallback(
          new FakeOpenAi.Error(
              401,
              "application/json",
              "{\"error\":{\"message\":\"Incorrect API key: Authorization: Bearer "
                  + KEY
                  + " (x-api-key: "
                  + KEY
                  + ") sent to "
                  + address
                  + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
      String yaml =
          """
          model_list:
            - model_name: m
              litellm_params: {model: openai/gpt-x, api_base: %s, api_key: %s}
          """
              .formatted(up.apiBase(), KEY);
      try (TestGateway gw = TestGateway.start(yaml)) {
        HttpResponse<String> r = send(gw, "m", stream);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body())
            .contains("Incorrect API key")
            .contains("[redacted]")
            .doesNotContain(KEY)
            .doesNotContain("0123456789abcdef")
            .doesNotContain(address);
        assertThat(up.lastReceived().headers().get("authorization")).isEqualTo("Bearer " + KEY);
      }
    }
  }

  @Test
  void anOpenAiErrorMidStream_echoingTheKeyAndAddress_isRelayedRedacted() throws Exception {
    try (FakeOpenAi up = new FakeOpenAi()) {
      String address = "127.0.0.1:" + up.port();
      up.fallback(
          new FakeOpenAi.ErrorMidStream(
              "{\"error\":{\"message\":\"The server had an error; request from "
                  + address
                  + " with Authorization: Bearer "
                  + KEY
                  + "\",\"type\":\"server_error\",\"code\":null}}"));
      String yaml =
          """
          model_list:
            - model_name: m
              litellm_params: {model: openai/gpt-x, api_base: %s, api_key: %s}
          """
              .formatted(up.apiBase(), KEY);
      try (TestGateway gw = TestGateway.start(yaml)) {
        HttpResponse<String> r = send(gw, "m", true);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
            .contains("Hel")
            .contains("The server had an error")
            .contains("[redacted]")
            .doesNotContain(KEY)
            .doesNotContain("0123456789abcdef")
            .doesNotContain(address);
      }
    }
  }

  @Test
  void anAnthropicErrorEventMidStream_echoingTheKey_isRelayedRedacted() throws Exception {
    try (FakeAnthropic up = new FakeAnthropic()) {
      String address = up.apiBase().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
      up.fallback(
          new FakeAnthropic.ErrorMidStream(
              FakeAnthropic.Reply.text("Hello there", FakeAnthropic.Tokens.of(5, 2)),
              "api_error",
              "Internal error for x-api-key: " + KEY + " at " + address));
      String yaml =
          """
          model_list:
            - model_name: claude
              litellm_params: {model: anthropic/claude-haiku-4-5, api_base: %s, api_key: %s}
          """
              .formatted(up.apiBase(), KEY);
      try (TestGateway gw = TestGateway.start(yaml)) {
        HttpResponse<String> r = send(gw, "claude", true);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
            .contains("Internal error for x-api-key")
            .contains("[redacted]")
            .doesNotContain(KEY)
            .doesNotContain("0123456789abcdef")
            .doesNotContain(address);
      }
    }
  }

  @Test
  void anUnreachableUpstream_502DoesNotNameItsHostAndPort() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String yaml =
        """
        model_list:
          - model_name: m
            litellm_params: {model: openai/gpt-x, api_base: "http://127.0.0.1:%d/v1", api_key: k}
        """
            .formatted(port);
    try (TestGateway gw =
        TestGateway.start(yaml, Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY))) {
      HttpResponse<String> r = send(gw, "m", false);

      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("could not connect").doesNotContain(Integer.toString(port));
    }
  }
}
