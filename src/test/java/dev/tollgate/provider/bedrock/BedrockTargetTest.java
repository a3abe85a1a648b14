package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BedrockTargetTest {
  @Test
  void of_plainId_defaultEndpointOfTheRegion() {
    BedrockTarget t =
        BedrockTarget.of(
            Params.of(
                "anthropic.claude-3-5-sonnet-20240620-v1:0",
                null,
                null,
                Map.of("aws_region_name", "eu-central-1")),
            Map.of());
    assertThat(t)
        .isEqualTo(
            new BedrockTarget(
                "bedrock-runtime.eu-central-1.amazonaws.com",
                443,
                true,
                "",
                "eu-central-1",
                "anthropic.claude-3-5-sonnet-20240620-v1:0"));
    assertThat(t.path("converse-stream"))
        .isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  }

  @Test
  void of_converseRouteAndRegionSegment_removed_regionFromThePath() {
    BedrockTarget t =
        BedrockTarget.of(
            Params.of(
                "converse/us-west-2/us.meta.llama3-2-11b-instruct-v1:0", null, null, Map.of()),
            Map.of("AWS_REGION", "eu-west-1"));
    assertThat(t.modelId()).isEqualTo("us.meta.llama3-2-11b-instruct-v1:0");
    assertThat(t.region()).isEqualTo("us-west-2");
  }

  @Test
  void of_regionPrecedence_paramThenPathThenEnvThenDefault() {
    assertThat(
            BedrockTarget.of(
                    Params.of("us-east-2/m", null, null, Map.of("aws_region_name", "ap-south-1")),
                    Map.of("AWS_REGION", "eu-west-1"))
                .region())
        .isEqualTo("ap-south-1");
    assertThat(
            BedrockTarget.of(
                    Params.of("m", null, null, Map.of()), Map.of("AWS_REGION", "eu-west-1"))
                .region())
        .isEqualTo("eu-west-1");
    assertThat(
            BedrockTarget.of(
                    Params.of("m", null, null, Map.of()),
                    Map.of("AWS_DEFAULT_REGION", "ca-central-1"))
                .region())
        .isEqualTo("ca-central-1");
    assertThat(BedrockTarget.of(Params.of("m", null, null, Map.of()), Map.of()).region())
        .isEqualTo("us-west-2");
  }

  @Test
  void of_apiBaseOrRuntimeEndpoint_overridesTheHost() {
    BedrockTarget base =
        BedrockTarget.of(Params.of("m", "http://127.0.0.1:9000/prefix/", null, Map.of()), Map.of());
    assertThat(base.host()).isEqualTo("127.0.0.1");
    assertThat(base.port()).isEqualTo(9000);
    assertThat(base.ssl()).isFalse();
    assertThat(base.path("converse")).isEqualTo("/prefix/model/m/converse");
    BedrockTarget endpoint =
        BedrockTarget.of(
            Params.of(
                "m",
                null,
                null,
                Map.of(
                    "aws_bedrock_runtime_endpoint",
                    "https://vpce-1.bedrock-runtime.amazonaws.com")),
            Map.of());
    assertThat(endpoint.host()).isEqualTo("vpce-1.bedrock-runtime.amazonaws.com");
    assertThat(endpoint.port()).isEqualTo(443);
  }

  @Test
  void path_arn_encodesSlashesAndColons() {
    String arn =
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0";
    BedrockTarget t = BedrockTarget.of(Params.of(arn, null, null, Map.of()), Map.of());
    assertThat(t.modelId()).isEqualTo(arn);
    assertThat(t.path("converse"))
        .isEqualTo(
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-haiku-20240307-v1%3A0/converse");
  }
}
