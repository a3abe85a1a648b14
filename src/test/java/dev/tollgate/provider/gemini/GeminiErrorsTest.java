package dev.tollgate.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiErrorsTest {
  static GatewayException fromAnswer(int status, String body) {
    return GeminiErrors.fromAnswer(status, body.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource({
    "400, INVALID_ARGUMENT, 400, invalid_request_error",
    "400, FAILED_PRECONDITION, 400, invalid_request_error",
    "401, UNAUTHENTICATED, 401, authentication_error",
    "403, PERMISSION_DENIED, 403, permission_error",
    "404, NOT_FOUND, 404, not_found_error",
    "429, RESOURCE_EXHAUSTED, 429, rate_limit_exceeded",
    "500, INTERNAL, 502, api_error",
    "503, UNAVAILABLE, 503, api_error",
    "504, DEADLINE_EXCEEDED, 504, timeout"
  })
  void fromAnswer_googleStatus_decides(int http, String status, int expected, String type) {
    GatewayException e =
        fromAnswer(
            http,
            "{\"error\":{\"code\":"
                + http
                + ",\"message\":\"why\",\"status\":\""
                + status
                + "\"}}");

    assertThat(e.status()).isEqualTo(expected);
    assertThat(e.type()).isEqualTo(type);
    assertThat(e.code()).isEqualTo(status);
    assertThat(e.getMessage()).isEqualTo("upstream returned HTTP " + http + " " + status + ": why");
  }

  @Test
  void fromAnswer_retryInfo_isTheWaitTheRouterHonours() {
    GatewayException e =
        fromAnswer(
            429,
            """
            {"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[
              {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.2s"}]}}
            """);

    assertThat(e.upstreamRetryAfterMillis()).isEqualTo(37_200);
    assertThat(
            fromAnswer(429, "{\"error\":{\"status\":\"RESOURCE_EXHAUSTED\"}}")
                .upstreamRetryAfterMillis())
        .isEqualTo(-1);
  }

  @Test
  void fromAnswer_promptTooLong_isContextLengthExceeded() {
    GatewayException e =
        fromAnswer(
            400,
            "{\"error\":{\"code\":400,\"message\":\"The input token count (1200000) exceeds the"
                + " maximum number of tokens allowed (1048576).\",\"status\":\"INVALID_ARGUMENT\"}}");

    assertThat(e.code()).isEqualTo("context_length_exceeded");
  }

  @Test
  void fromAnswer_streamArrayAndNoStatus_fallBackToTheHttpCode() {
    GatewayException e = fromAnswer(429, "[{\"error\":{\"code\":429,\"message\":\"slow down\"}}]");

    assertThat(e.status()).isEqualTo(429);
    assertThat(e.getMessage()).endsWith("slow down");
  }

  @Test
  void fromAnswer_notJson_keepsTheTextAndMapsByStatus() {
    GatewayException e = fromAnswer(502, "<html>Bad Gateway</html>");

    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage()).contains("<html>Bad Gateway</html>");
  }

  @Test
  void fromEvent_usesTheEventsCode() throws Exception {
    GatewayException e =
        GeminiErrors.fromEvent(
            Json.MAPPER.readTree(
                "{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}"));

    assertThat(e.status()).isEqualTo(503);
    assertThat(e.getMessage()).isEqualTo("upstream failed mid-stream UNAVAILABLE: overloaded");
  }
}
