package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A broad LiteLLM config loads, and warns only about what the README lists as without effect. */
class LiteLlmExampleConfigTest {
  @Test
  void litellmExampleConfig_loads_andEveryWarningIsListedInTheReadme() throws Exception {
    String yaml;
    try (InputStream in =
        LiteLlmExampleConfigTest.class
            .getClassLoader()
            .getResourceAsStream("litellm/example_config.yaml")) {
      if (in == null) {
        throw new IOException("litellm/example_config.yaml is missing");
      }
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Environment env =
        Environment.of(
            Map.ofEntries(
                Map.entry("OPENAI_API_KEY", "sk-openai"),
                Map.entry("AZURE_API_KEY", "azure-key"),
                Map.entry("ANTHROPIC_API_KEY", "sk-ant"),
                Map.entry("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                Map.entry("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                Map.entry("GEMINI_API_KEY", "gemini-key"),
                Map.entry("GROQ_API_KEY", "gsk-key"),
                Map.entry("MISTRAL_API_KEY", "mistral-key"),
                Map.entry("DEEPSEEK_API_KEY", "sk-deepseek"),
                Map.entry("TOGETHERAI_API_KEY", "together-key"),
                Map.entry("OPENROUTER_API_KEY", "sk-or"),
                Map.entry("LITELLM_MASTER_KEY", "sk-1234")));

    GatewayConfig c = ConfigLoader.parse("config.yaml", yaml, env);

    assertThat(c.modelList()).hasSize(20);
    // Each warning names a key of the README's "Accepted without effect" table, and nothing the
    // reference says has an effect is warned about.
    assertThat(c.warnings())
        .allSatisfy(
            w ->
                assertThat(
                        ConfigReferenceTest.withoutEffect().stream()
                            .anyMatch(k -> named(w.toString(), k)))
                    .as("warning listed in the README: %s", w)
                    .isTrue());
    assertThat(c.warnings().toString())
        .contains("litellm_settings.set_verbose")
        .contains("general_settings.alerting")
        .doesNotContain("drop_params")
        .doesNotContain("cache")
        .doesNotContain("input_cost_per_second");
  }

  /** Whether warning {@code w} names README key {@code key} ({@code a.*} matches any under a). */
  private static boolean named(String w, String key) {
    if (key.contains(".*")) {
      return w.contains(key.substring(0, key.indexOf(".*") + 1));
    }
    return w.contains(key);
  }
}
