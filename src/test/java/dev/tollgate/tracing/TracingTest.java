package dev.tollgate.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.Environment;
import dev.tollgate.provider.Endpoint;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When tracing is on, and how Tollgate's names map to OpenTelemetry's. */
class TracingTest {

  @Test
  void of_noCallbackNoEndpoint_isOff() {
    assertThat(Tracing.of(false, false, Environment.of(Map.of()))).isSameAs(Tracing.OFF);
  }

  @Test
  void of_sdkDisabled_isOffWhateverElseIsSet() {
    Environment env =
        Environment.of(
            Map.of("OTEL_SDK_DISABLED", "true", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:4318"));
    assertThat(Tracing.of(true, false, env)).isSameAs(Tracing.OFF);
  }

  @Test
  void of_callbackOrEndpoint_isOn() {
    try (Tracing t = Tracing.of(true, false, Environment.of(Map.of()))) {
      assertThat(t).isNotSameAs(Tracing.OFF);
    }
    Environment env = Environment.of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:4318/"));
    try (Tracing t = Tracing.of(false, false, env)) {
      assertThat(t).isNotSameAs(Tracing.OFF);
    }
  }

  @Test
  void level_errorCode_longestLevelPrefix() {
    assertThat(OtelRequestTrace.level("key_budget_exceeded")).isEqualTo("key");
    assertThat(OtelRequestTrace.level("key_model_budget_exceeded")).isEqualTo("key_model");
    assertThat(OtelRequestTrace.level("team_member_rpm_limit_exceeded")).isEqualTo("team_member");
    assertThat(OtelRequestTrace.level("context_length_exceeded")).isNull();
  }

  @Test
  void operation_endpoint_genAiOperationName() {
    assertThat(OtelRequestTrace.operation(Endpoint.CHAT)).isEqualTo("chat");
    assertThat(OtelRequestTrace.operation(Endpoint.MESSAGES)).isEqualTo("chat");
    assertThat(OtelRequestTrace.operation(Endpoint.EMBEDDINGS)).isEqualTo("embeddings");
    assertThat(OtelRequestTrace.operation(Endpoint.COMPLETIONS)).isEqualTo("text_completion");
    assertThat(OtelRequestTrace.operation(Endpoint.GENERATE_CONTENT)).isEqualTo("generate_content");
  }

  @Test
  void providerName_litellmProvider_genAiProviderName() {
    assertThat(OtelRequestTrace.providerName("openai")).isEqualTo("openai");
    assertThat(OtelRequestTrace.providerName("azure")).isEqualTo("azure.ai.openai");
    assertThat(OtelRequestTrace.providerName("bedrock")).isEqualTo("aws.bedrock");
    assertThat(OtelRequestTrace.providerName("vertex_ai")).isEqualTo("gcp.vertex_ai");
  }
}
