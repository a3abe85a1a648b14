package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BedrockErrorsTest {
  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shortName_headerTypeOrEventType_isTheExceptionName() {
    assertThat(
            BedrockErrors.shortName(
                "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"))
        .isEqualTo("ValidationException");
    assertThat(BedrockErrors.shortName("com.amazon.coral.validate#ValidationException"))
        .isEqualTo("ValidationException");
    assertThat(BedrockErrors.shortName("modelStreamErrorException"))
        .isEqualTo("ModelStreamErrorException");
  }

  @Test
  void fromAnswer_typeInTheBody_whenNoHeader() {
    GatewayException e =
        BedrockErrors.fromAnswer(
            400,
            null,
            bytes(
                "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                    + "\"Message\":\"too many input tokens for this model\"}"));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("context_length_exceeded");
    assertThat(e.getMessage()).contains("too many input tokens");
  }

  @Test
  void fromAnswer_noTypeAtAll_goesByStatus() {
    assertThat(BedrockErrors.fromAnswer(429, null, bytes("{}")).status()).isEqualTo(429);
    GatewayException html = BedrockErrors.fromAnswer(502, null, bytes("<html>Bad Gateway</html>"));
    assertThat(html.status()).isEqualTo(502);
    assertThat(html.getMessage()).contains("Bad Gateway");
    assertThat(BedrockErrors.fromAnswer(418, null, bytes("{\"message\":\"teapot\"}")).status())
        .isEqualTo(418);
  }

  @Test
  void fromEvent_streamExceptions_mapLikeTheirHttpTwins() {
    assertThat(BedrockErrors.fromEvent("throttlingException", "slow").status()).isEqualTo(429);
    assertThat(BedrockErrors.fromEvent("validationException", "bad").status()).isEqualTo(400);
    assertThat(BedrockErrors.fromEvent("modelStreamErrorException", "boom").status())
        .isEqualTo(502);
    assertThat(BedrockErrors.fromEvent("serviceUnavailableException", "busy").status())
        .isEqualTo(503);
    assertThat(BedrockErrors.fromEvent("internalServerException", "oops").code())
        .isEqualTo("InternalServerException");
    assertThat(BedrockErrors.fromEvent("", "?").status()).isEqualTo(502);
  }
}
