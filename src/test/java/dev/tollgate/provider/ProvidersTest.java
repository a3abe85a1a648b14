package dev.tollgate.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.LitellmParams;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProvidersTest {
  @Test
  void supports_registeredNames_true() {
    assertThat(Providers.supports("mock")).isTrue();
    assertThat(Providers.supports("openai")).isTrue();
    assertThat(Providers.supports("groq")).isTrue();
    assertThat(Providers.supports("hosted_vllm")).isTrue();
    assertThat(Providers.supports("anthropic")).isTrue();
  }

  @Test
  void supports_unknownName_false() {
    assertThat(Providers.supports("nosuchprovider")).isFalse();
    assertThat(Providers.supports("")).isFalse();
  }

  @Test
  void validate_baseRequiredWithoutApiBase_namesApiBase() {
    assertThat(Providers.validate(params("hosted_vllm", Optional.empty())))
        .contains(new InvalidParam("api_base", "is required for provider hosted_vllm"));
  }

  @Test
  void validate_baseRequiredWithApiBase_empty() {
    assertThat(Providers.validate(params("hosted_vllm", Optional.of("http://127.0.0.1:1/v1"))))
        .isEmpty();
  }

  @Test
  void validate_defaultBaseOrMockOrUnknown_empty() {
    assertThat(Providers.validate(params("openai", Optional.empty()))).isEmpty();
    assertThat(Providers.validate(params("anthropic", Optional.empty()))).isEmpty();
    assertThat(Providers.validate(params("mock", Optional.empty()))).isEmpty();
    assertThat(Providers.validate(params("nosuchprovider", Optional.empty()))).isEmpty();
  }

  static LitellmParams params(String provider, Optional<String> apiBase) {
    return new LitellmParams(
        provider + "/m",
        provider,
        "m",
        apiBase,
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        1,
        Map.of(),
        Map.of());
  }
}
