package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Anthropic's errors, {@code {"type":"error","error":{"type":...,"message":...}}} in an HTTP answer
 * or a stream's {@code error} event, as the OpenAI-shaped error the client gets. The error's type
 * decides (the HTTP status only when the type is missing or unknown); the {@code code} is
 * Anthropic's type, so the client can tell an overloaded upstream from a rate limit:
 *
 * <ul>
 *   <li>{@code invalid_request_error}: 400, with code {@code context_length_exceeded} when the
 *       message says the prompt does not fit, as LiteLLM maps it;
 *   <li>{@code authentication_error} 401, {@code billing_error} 402, {@code permission_error} 403,
 *       {@code not_found_error} 404, {@code request_too_large} 413;
 *   <li>{@code rate_limit_error}: 429 of type {@code rate_limit_exceeded}, the type of a limit that
 *       waiting lifts (a budget's 429 tells SDKs not to retry; this one does not);
 *   <li>{@code overloaded_error}: 529 as Anthropic sends it, so a router or SDK retries it;
 *   <li>{@code api_error}, {@code timeout_error} and any other 5xx: 502, as for every upstream.
 * </ul>
 *
 * The message is the upstream's. Stateless.
 */
final class AnthropicErrors {
  private AnthropicErrors() {}

  private static final int MAX_DETAIL = 500;

  /** An HTTP answer of 400 or above. */
  static GatewayException fromAnswer(int status, byte[] body) {
    String type = null;
    String message = null;
    try {
      JsonNode error = Json.MAPPER.readTree(body).path("error");
      if (error.path("type").isTextual()) {
        type = error.path("type").asText();
      }
      if (error.path("message").isTextual()) {
        message = error.path("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON (a proxy's HTML page, say): the text itself is the detail.
    }
    if (message == null) {
      String text =
          new String(body, 0, Math.min(body.length, 4 * MAX_DETAIL), StandardCharsets.UTF_8);
      message = text.length() > MAX_DETAIL ? text.substring(0, MAX_DETAIL) + "..." : text.strip();
    }
    String prefix =
        "upstream returned HTTP " + status + (type == null ? "" : " " + type) + ": " + message;
    return map(type, status, prefix, message);
  }

  /** A stream's {@code error} event, after the response head: there is no status to go by. */
  static GatewayException fromEvent(@Nullable String type, @Nullable String message) {
    String m = message == null ? "" : message;
    return map(
        type, 502, "upstream failed mid-stream" + (type == null ? "" : " " + type) + ": " + m, m);
  }

  private static GatewayException map(
      @Nullable String type, int status, String text, String upstreamMessage) {
    String t = type == null ? byStatus(status) : type;
    return switch (t) {
      case "invalid_request_error" ->
          GatewayException.of(
              400,
              "invalid_request_error",
              null,
              contextLength(upstreamMessage) ? "context_length_exceeded" : null,
              text);
      case "authentication_error" ->
          GatewayException.of(401, "authentication_error", null, t, text);
      case "billing_error" -> GatewayException.of(402, "billing_error", null, t, text);
      case "permission_error" -> GatewayException.of(403, "permission_error", null, t, text);
      case "not_found_error" -> GatewayException.of(404, "not_found_error", null, t, text);
      case "request_too_large" -> GatewayException.of(413, "invalid_request_error", null, t, text);
      case "rate_limit_error" -> GatewayException.of(429, "rate_limit_exceeded", null, t, text);
      case "overloaded_error" -> GatewayException.of(529, "overloaded_error", null, t, text);
      case "api_error", "timeout_error" -> GatewayException.of(502, "api_error", null, t, text);
      default ->
          status >= 500
              ? GatewayException.of(502, "api_error", null, "upstream_unavailable", text)
              : GatewayException.upstream(status, text, null);
    };
  }

  /** Anthropic's type for an HTTP status, for an error body that names none. */
  private static String byStatus(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "";
    };
  }

  /**
   * Whether a 400 says the prompt does not fit the context window: "prompt is too long: 215000
   * tokens > 200000 maximum", or "input length and `max_tokens` exceed context limit".
   */
  private static boolean contextLength(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("prompt is too long")
        || m.contains("exceed context limit")
        || m.contains("context window");
  }
}
