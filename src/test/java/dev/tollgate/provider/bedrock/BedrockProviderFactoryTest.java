package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.provider.InvalidParam;
import dev.tollgate.provider.Providers;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BedrockProviderFactoryTest {
  static final Map<String, Object> KEYS =
      Map.of("aws_access_key_id", "AK", "aws_secret_access_key", "SK");

  @Test
  void supports_bedrock_true() {
    assertThat(Providers.supports("bedrock")).isTrue();
  }

  @Test
  void validate_keysOrApiKeyOrEnvironment_empty() {
    BedrockProviderFactory f = new BedrockProviderFactory(Map.of());
    assertThat(f.validate(Params.of("m", null, null, KEYS))).isEmpty();
    assertThat(f.validate(Params.of("m", null, "bedrock-api-key", Map.of()))).isEmpty();
    assertThat(
            new BedrockProviderFactory(
                    Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK"))
                .validate(Params.of("m", null, null, Map.of())))
        .isEmpty();
    assertThat(
            new BedrockProviderFactory(Map.of("AWS_BEARER_TOKEN_BEDROCK", "t"))
                .validate(Params.of("m", null, null, Map.of())))
        .isEmpty();
  }

  @Test
  void validate_noCredentials_namesTheAccessKey() {
    assertThat(new BedrockProviderFactory(Map.of()).validate(Params.of("m", null, null, Map.of())))
        .hasValueSatisfying(p -> assertThat(p.param()).isEqualTo("aws_access_key_id"));
  }

  @Test
  void validate_halfAKeyPair_namesTheMissingHalf() {
    assertThat(
            new BedrockProviderFactory(Map.of())
                .validate(Params.of("m", null, null, Map.of("aws_access_key_id", "AK"))))
        .hasValueSatisfying(p -> assertThat(p.param()).isEqualTo("aws_secret_access_key"));
  }

  @Test
  void validate_profileOrRole_refused() {
    assertThat(
            new BedrockProviderFactory(Map.of())
                .validate(
                    Params.of("m", null, "k", Map.of("aws_role_name", "arn:aws:iam::1:role/r"))))
        .hasValueSatisfying(p -> assertThat(p.param()).isEqualTo("aws_role_name"));
  }

  @Test
  void validate_regionNotAString_refused() {
    assertThat(
            new BedrockProviderFactory(Map.of())
                .validate(Params.of("m", null, "k", Map.of("aws_region_name", 12))))
        .contains(new InvalidParam("aws_region_name", "must be a non-empty string on one line"));
  }
}
