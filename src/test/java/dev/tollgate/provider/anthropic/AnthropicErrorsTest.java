package dev.tollgate.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.GatewayException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Anthropic's errors as the OpenAI-shaped errors clients get. */
class AnthropicErrorsTest {
  static GatewayException answer(int status, String type, String message) {
    String body =
        "{\"type\":\"error\",\"error\":{\"type\":\""
            + type
            + "\",\"message\":\""
            + message
            + "\"},\"request_id\":\"req_1\"}";
    return AnthropicErrors.fromAnswer(status, body.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource({
    "400, invalid_request_error, 400, invalid_request_error,",
    "401, authentication_error,  401, authentication_error,  authentication_error",
    "402, billing_error,         402, billing_error,         billing_error",
    "403, permission_error,      403, permission_error,      permission_error",
    "404, not_found_error,       404, not_found_error,       not_found_error",
    "413, request_too_large,     413, invalid_request_error, request_too_large",
    "429, rate_limit_error,      429, rate_limit_exceeded,   rate_limit_error",
    "500, api_error,             502, api_error,             api_error",
    "504, timeout_error,         502, api_error,             timeout_error",
    "529, overloaded_error,      529, overloaded_error,      overloaded_error",
  })
  void fromAnswer_eachType_statusTypeAndCode(
      int status, String type, int expectedStatus, String expectedType, @Nullable String code) {
    GatewayException e = answer(status, type, "something went wrong");
    assertThat(e.status()).isEqualTo(expectedStatus);
    assertThat(e.type()).isEqualTo(expectedType);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).contains("something went wrong").contains(type);
    assertThat(e.rawBody()).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "400, invalid_request_error, BadRequestError",
    "401, authentication_error,  AuthenticationError",
    "429, rate_limit_error,      RateLimitError",
    "500, api_error,             InternalServerError",
    "504, timeout_error,         Timeout",
    "529, overloaded_error,      InternalServerError",
  })
  void fromAnswer_eachType_litellmErrorClassOfTheAttempt(int status, String type, String name) {
    assertThat(SpendRecord.Attempt.errorClass(answer(status, type, "x"))).hasValue(name);
  }

  @Test
  void fromAnswer_promptTooLong_isContextWindowExceededError() {
    assertThat(
            SpendRecord.Attempt.errorClass(
                answer(400, "invalid_request_error", "prompt is too long: 3 tokens > 2 maximum")))
        .hasValue("ContextWindowExceededError");
  }

  @Test
  void fromAnswer_promptTooLong_isContextLengthExceeded() {
    GatewayException e =
        answer(400, "invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum");
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("context_length_exceeded");
    assertThat(e.getMessage()).contains("prompt is too long: 215000 tokens > 200000 maximum");
  }

  @Test
  void fromAnswer_notJson_statusDecidesAndTextIsTheDetail() {
    GatewayException bad =
        AnthropicErrors.fromAnswer(
            503, "<html>Service Unavailable</html>".getBytes(StandardCharsets.UTF_8));
    assertThat(bad.status()).isEqualTo(502);
    assertThat(bad.getMessage()).contains("HTTP 503").contains("Service Unavailable");

    GatewayException limited = AnthropicErrors.fromAnswer(429, new byte[0]);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.type()).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void fromEvent_overloaded_is529() {
    GatewayException e = AnthropicErrors.fromEvent("overloaded_error", "Overloaded");
    assertThat(e.status()).isEqualTo(529);
    assertThat(e.code()).isEqualTo("overloaded_error");
    assertThat(e.getMessage()).isEqualTo("upstream failed mid-stream overloaded_error: Overloaded");
  }

  @Test
  void fromEvent_unknownType_is502() {
    GatewayException e = AnthropicErrors.fromEvent(null, null);
    assertThat(e.status()).isEqualTo(502);
  }
}
