package dev.tollgate.dialect.messages;

import static dev.tollgate.dialect.ChatStreams.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.ErrorResponse;
import dev.tollgate.common.GatewayException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Gateway errors in Anthropic's error shape, with Anthropic's type for each status. */
class MessagesErrorsTest {
  private final MessagesDialect dialect = new MessagesDialect();

  @ParameterizedTest
  @CsvSource({
    "400, invalid_request_error",
    "401, authentication_error",
    "402, billing_error",
    "403, permission_error",
    "404, not_found_error",
    "409, invalid_request_error",
    "413, request_too_large",
    "422, invalid_request_error",
    "429, rate_limit_error",
    "500, api_error",
    "502, api_error",
    "503, overloaded_error",
    "504, timeout_error",
    "529, overloaded_error"
  })
  void errorBody_status_mapsToAnthropicsType(int status, String type) throws IOException {
    byte[] body =
        dialect.errorBody(GatewayException.of(status, "whatever", null, null, "went wrong"));
    assertThat(json(body))
        .isEqualTo(
            json(
                "{\"type\":\"error\",\"error\":{\"type\":\""
                    + type
                    + "\",\"message\":\"went wrong\"}}"));
    if (!type.equals("request_too_large")) {
      // Anthropic documents request_too_large (sent by its CDN), but its SDK's models lack it.
      ObjectMappers.jsonMapper().readValue(body, ErrorResponse.class).validate();
    }
  }

  @Test
  void errorBody_budgetDenial_isARateLimitErrorThatKeepsTheFigures() {
    String message = "Budget exceeded for key 'sk-...abcd': spend $10.02 of max budget $10.00";
    GatewayException denial =
        GatewayException.of(429, "budget_exceeded", null, "budget_exceeded", message)
            .withRetryAfter(30);
    assertThat(json(dialect.errorBody(denial)))
        .isEqualTo(
            json(
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\""
                    + message
                    + "\"}}"));
  }

  @Test
  void errorBody_upstreamOpenAiBody_keepsItsMessage() {
    byte[] raw =
        "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"
            .getBytes(StandardCharsets.UTF_8);
    GatewayException e = GatewayException.upstream(400, "upstream said 400", raw);
    assertThat(json(dialect.errorBody(e)))
        .isEqualTo(
            json(
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                    + "\"message\":\"This model's maximum context length is 128000 tokens.\"}}"));
  }

  @Test
  void errorBody_upstreamAnthropicBody_isKeptAsItIs() {
    String raw =
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},"
            + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    GatewayException e =
        GatewayException.upstream(529, "upstream said 529", raw.getBytes(StandardCharsets.UTF_8));
    assertThat(json(dialect.errorBody(e))).isEqualTo(json(raw));
  }

  @Test
  void errorBody_upstreamBodyNotJson_usesTheGatewaysMessage() {
    GatewayException e =
        GatewayException.upstream(
            502, "upstream said 502", "<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
    assertThat(json(dialect.errorBody(e)).at("/error/message").asText())
        .isEqualTo("upstream said 502");
  }
}
