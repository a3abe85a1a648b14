package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
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

  @Test
  void fromAnswer_signatureMismatch_dropsTheQuotedCanonicalRequestAndItsToken() {
    String message =
        "The request signature we calculated does not match the signature you provided. Check"
            + " your AWS Secret Access Key and signing method. Consult the service documentation"
            + " for details.\n\nThe Canonical String for this request should have been\n'POST\n"
            + "/model/m/converse\n\ncontent-type:application/json\nhost:h\nx-amz-date:"
            + "20261204T000000Z\nx-amz-security-token:FwoGZXIvYXdzEEnvToken\n\n"
            + "content-type;host;x-amz-date;x-amz-security-token\nabc'\n\nThe String-to-Sign"
            + " should have been\n'AWS4-HMAC-SHA256\n20261204T000000Z\n...'\n";
    GatewayException e =
        BedrockErrors.fromAnswer(
            403,
            "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/",
            bytes(Json.MAPPER.createObjectNode().put("message", message).toString()));

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.code()).isEqualTo("InvalidSignatureException");
    assertThat(e.getMessage())
        .endsWith("Consult the service documentation for details.")
        .doesNotContain("FwoGZXIvYXdzEEnvToken")
        .doesNotContain("Canonical");
  }
}
