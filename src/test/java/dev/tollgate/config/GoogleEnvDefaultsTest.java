package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.Json;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LiteLLM's environment defaults for {@code gemini/} and {@code vertex_ai/} deployments. */
class GoogleEnvDefaultsTest {
  static final Environment ENV =
      Environment.of(
          Map.of(
              "GEMINI_API_KEY", "g-key",
              "VERTEXAI_PROJECT", "env-project",
              "VERTEXAI_LOCATION", "europe-west4",
              "GOOGLE_APPLICATION_CREDENTIALS", "/etc/sa.json"));

  static LitellmParams only(String yaml) {
    return ConfigLoader.parse("config.yaml", yaml, ENV).modelList().get(0).params();
  }

  @Test
  void parse_geminiWithoutApiKey_takesGeminiApiKey() {
    LitellmParams p =
        only("model_list: [{model_name: g, litellm_params: {model: gemini/gemini-2.5-flash}}]");

    assertThat(p.apiKey()).contains("g-key");
  }

  @Test
  void parse_givenValues_winOverTheEnvironment() {
    LitellmParams g =
        only(
            "model_list: [{model_name: g, litellm_params: {model: gemini/gemini-2.5-flash,"
                + " api_key: mine}}]");
    LitellmParams v =
        only(
            """
            model_list:
              - model_name: v
                litellm_params:
                  model: vertex_ai/gemini-2.5-pro
                  vertex_project: mine
                  vertex_credentials: {type: service_account}
            """);

    assertThat(g.apiKey()).contains("mine");
    assertThat(v.extra())
        .containsEntry("vertex_project", "mine")
        .containsEntry("vertex_credentials", Map.of("type", "service_account"))
        .containsEntry("vertex_location", "europe-west4");
  }

  @Test
  void parse_vertexWithoutParams_takesLiteLlmsVariables() {
    LitellmParams p =
        only("model_list: [{model_name: v, litellm_params: {model: vertex_ai/gemini-2.5-pro}}]");

    assertThat(p.extra())
        .containsEntry("vertex_project", "env-project")
        .containsEntry("vertex_location", "europe-west4")
        .containsEntry("vertex_credentials", "/etc/sa.json");
  }

  @Test
  void parseDeployment_throughTheApi_readsNoVariableItMayNotName() throws Exception {
    LitellmParams g =
        ConfigLoader.parseDeployment(
                "api",
                Json.MAPPER.readTree(
                    "{\"model_name\":\"g\",\"litellm_params\":{\"model\":\"gemini/gemini-2.5-flash\"}}"),
                ENV,
                Set.of(),
                false,
                new ArrayList<>())
            .params();
    LitellmParams v =
        ConfigLoader.parseDeployment(
                "api",
                Json.MAPPER.readTree(
                    "{\"model_name\":\"v\",\"litellm_params\":{\"model\":\"vertex_ai/gemini-2.5-pro\"}}"),
                ENV,
                Set.of(),
                false,
                new ArrayList<>())
            .params();

    assertThat(g.apiKey()).isEmpty();
    assertThat(v.extra())
        .doesNotContainKeys("vertex_project", "vertex_location", "vertex_credentials");
  }
}
