package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Environment;
import dev.tollgate.config.LitellmParams;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {
  static LitellmParams params(String yaml) {
    return ConfigLoader.parse(
            "config.yaml",
            "model_list:\n  - model_name: m\n    litellm_params: " + yaml + "\n",
            Environment.of(Map.of()))
        .modelList()
        .get(0)
        .params();
  }

  @Test
  void message_upstreamEchoesTheDeploymentsKey_keyRedacted() {
    LitellmParams p = params("{model: openai/x, api_key: my-key-0123456789}");
    String m =
        Redaction.message(
            "upstream returned HTTP 401: Incorrect API key provided: my-key-0123456789.", p);
    assertThat(m)
        .isEqualTo("upstream returned HTTP 401: Incorrect API key provided: [redacted].")
        .doesNotContain("0123456789");
  }

  @Test
  void message_keyEchoedAfterBearer_redactedOnce() {
    LitellmParams p = params("{model: openai/x, api_key: my-key-0123456789}");
    assertThat(
            Redaction.message("you sent Bearer my-key-0123456789; x-api-key=my-key-0123456789", p))
        .isEqualTo("you sent Bearer [redacted]; x-api-key=[redacted]");
  }

  @Test
  void message_otherCredentialsOfTheDeployment_redacted() {
    LitellmParams p =
        params(
            "{model: azure/x, api_base: 'https://r.example', client_secret: app-secret-value,"
                + " extra_headers: {x-custom-auth: header-secret-value}}");
    assertThat(Redaction.message("app-secret-value / header-secret-value", p))
        .isEqualTo("[redacted] / [redacted]");
  }

  @Test
  void message_bearerAndKeyHeadersAndSkKeys_redactedWhateverTheirValue() {
    LitellmParams p = params("{model: openai/x}");
    assertThat(
            Redaction.message(
                "sent Authorization: Bearer abc.def-ghi, x-api-key: zzz123,"
                    + " {\"api_key\": \"qqq\"} and sk-proj-abcdefghijkl",
                p))
        .isEqualTo(
            "sent Authorization: Bearer [redacted], x-api-key: [redacted],"
                + " {\"api_key\": \"[redacted]\"} and [redacted]");
  }

  @Test
  void message_urlWithUserInfo_credentialsRedacted() {
    assertThat(
            Redaction.message(
                "cannot reach https://bob:hunter2@proxy.example/v1", params("{model: openai/x}")))
        .isEqualTo("cannot reach https://[redacted]@proxy.example/v1");
  }

  @Test
  void message_long_cutToAShortLine() {
    String m = Redaction.message("x".repeat(5_000), params("{model: openai/x}"));
    assertThat(m).hasSize(Redaction.MAX_MESSAGE_CHARS).endsWith("…");
  }

  @Test
  void url_userInfoQueryAndFragment_removed() {
    assertThat(Redaction.url("https://u:p@host.example:8443/v1?key=abc#frag"))
        .isEqualTo("https://host.example:8443/v1");
    assertThat(Redaction.url("http://127.0.0.1:9/v1")).isEqualTo("http://127.0.0.1:9/v1");
    assertThat(Redaction.url("https://host.example/a@b")).isEqualTo("https://host.example/a@b");
  }
}
