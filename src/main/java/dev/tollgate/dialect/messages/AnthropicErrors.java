package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Gateway errors in Anthropic's shape, {@code {"type": "error", "error": {"type", "message"}}}, as
 * a body and as a stream's {@code error} event. Stateless.
 */
final class AnthropicErrors {
  private AnthropicErrors() {}

  /**
   * Anthropic's error type for a status (docs.claude.com/en/api/errors): the listed statuses map to
   * their own type; 503 is overloaded_error like Anthropic's 529, because both mean "retry later";
   * any other 4xx is invalid_request_error, as Anthropic documents, and any other 5xx api_error.
   */
  static String type(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      case 504 -> "timeout_error";
      default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
    };
  }

  static byte[] body(GatewayException e) {
    return BodyJson.write(object(e));
  }

  /** The stream event that reports {@code e}. */
  static Buffer event(GatewayException e) {
    return Buffer.buffer("event: error\ndata: ").appendBytes(body(e)).appendString("\n\n");
  }

  /**
   * The error object. An upstream's own body already in Anthropic's shape is kept as it is; from
   * one in OpenAI's shape the message is kept; otherwise the gateway's message, which for a budget
   * denial names the budget and its figures.
   */
  private static JsonNode object(GatewayException e) {
    String message = e.getMessage() == null ? "error" : e.getMessage();
    byte[] raw = e.rawBody();
    if (raw != null) {
      try {
        JsonNode upstream = Json.MAPPER.readTree(raw);
        JsonNode error = upstream == null ? null : upstream.get("error");
        if (error != null && error.isObject()) {
          if ("error".equals(upstream.path("type").asText())
              && error.path("type").isTextual()
              && error.path("message").isTextual()) {
            return upstream;
          }
          if (error.path("message").isTextual()) {
            message = error.get("message").textValue();
          }
        }
      } catch (IOException ignored) {
        // not JSON: keep the gateway's message
      }
    }
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", "error");
    out.putObject("error").put("type", type(e.status())).put("message", message);
    return out;
  }
}
