package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Google's errors, {@code {"error":{"code":429,"message":...,"status":"RESOURCE_EXHAUSTED"}}} in an
 * HTTP answer or in a stream's event, as the OpenAI-shaped error the client gets. The canonical
 * {@code status} decides (the HTTP code only when it is missing or unknown), and is the error's
 * {@code code}, so that a client can tell a quota from a bad request:
 *
 * <ul>
 *   <li>{@code INVALID_ARGUMENT}, {@code FAILED_PRECONDITION}, {@code OUT_OF_RANGE}: 400, with code
 *       {@code context_length_exceeded} when the message says the input does not fit, as LiteLLM
 *       maps it;
 *   <li>{@code UNAUTHENTICATED} 401, {@code PERMISSION_DENIED} 403, {@code NOT_FOUND} 404;
 *   <li>{@code RESOURCE_EXHAUSTED}: 429 of type {@code rate_limit_exceeded}, which a router or SDK
 *       retries (unlike a spent budget's 429), after the {@code retryDelay} of its {@code
 *       RetryInfo} detail when it has one;
 *   <li>{@code UNAVAILABLE} 503, {@code DEADLINE_EXCEEDED} 504, {@code INTERNAL} and any other 5xx
 *       502: all retried.
 * </ul>
 *
 * The message is Google's. Stateless.
 */
final class GeminiErrors {
  private GeminiErrors() {}

  private static final int MAX_DETAIL = 500;

  /** An HTTP answer of 400 or above. */
  static GatewayException fromAnswer(int status, byte[] body) {
    String googleStatus = null;
    String message = null;
    long retryMillis = -1;
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      // A stream's error may come as an array of one object.
      JsonNode error = (root != null && root.isArray() ? root.path(0) : root).path("error");
      googleStatus = error.path("status").isTextual() ? error.path("status").asText() : null;
      message = error.path("message").isTextual() ? error.path("message").asText() : null;
      retryMillis = retryDelayMillis(error.path("details"));
    } catch (IOException | RuntimeException e) {
      // Not JSON (a proxy's HTML page, say): the text itself is the detail.
    }
    if (message == null) {
      String text =
          new String(body, 0, Math.min(body.length, 4 * MAX_DETAIL), StandardCharsets.UTF_8);
      message = text.length() > MAX_DETAIL ? text.substring(0, MAX_DETAIL) + "..." : text.strip();
    }
    String text =
        "upstream returned HTTP "
            + status
            + (googleStatus == null ? "" : " " + googleStatus)
            + ": "
            + message;
    GatewayException e = map(googleStatus, status, text, message);
    return retryMillis >= 0 ? e.withUpstreamRetryAfterMillis(retryMillis) : e;
  }

  /**
   * The wait a {@code google.rpc.RetryInfo} detail asks for, {@code "retryDelay": "37s"} (a
   * duration in seconds, maybe fractional), in milliseconds; -1 when there is none.
   */
  static long retryDelayMillis(JsonNode details) {
    for (JsonNode d : details) {
      String delay = d.path("retryDelay").asText("");
      if (delay.endsWith("s")) {
        try {
          BigDecimal seconds = new BigDecimal(delay.substring(0, delay.length() - 1));
          if (seconds.signum() >= 0 && seconds.compareTo(BigDecimal.valueOf(86_400)) <= 0) {
            return seconds.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
          }
        } catch (NumberFormatException | ArithmeticException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  /** An {@code error} object in a stream's event, after the response head. */
  static GatewayException fromEvent(JsonNode error) {
    String googleStatus = error.path("status").isTextual() ? error.path("status").asText() : null;
    String message = error.path("message").asText("");
    int code = error.path("code").canConvertToInt() ? error.path("code").asInt() : 500;
    return map(
        googleStatus,
        code,
        "upstream failed mid-stream"
            + (googleStatus == null ? "" : " " + googleStatus)
            + ": "
            + message,
        message);
  }

  private static GatewayException map(
      @Nullable String googleStatus, int status, String text, String upstreamMessage) {
    String s = googleStatus == null ? byStatus(status) : googleStatus;
    return switch (s) {
      case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" ->
          GatewayException.of(
              400,
              "invalid_request_error",
              null,
              contextLength(upstreamMessage) ? "context_length_exceeded" : s,
              text);
      case "UNAUTHENTICATED" -> GatewayException.of(401, "authentication_error", null, s, text);
      case "PERMISSION_DENIED" -> GatewayException.of(403, "permission_error", null, s, text);
      case "NOT_FOUND" -> GatewayException.of(404, "not_found_error", null, s, text);
      case "RESOURCE_EXHAUSTED" -> GatewayException.of(429, "rate_limit_exceeded", null, s, text);
      case "UNAVAILABLE" -> GatewayException.of(503, "api_error", null, s, text);
      case "DEADLINE_EXCEEDED" -> GatewayException.of(504, "timeout", null, s, text);
      case "INTERNAL" -> GatewayException.of(502, "api_error", null, s, text);
      default ->
          status >= 500
              ? GatewayException.of(502, "api_error", null, "upstream_unavailable", text)
              : GatewayException.upstream(status, text, null);
    };
  }

  /** Google's canonical status for an HTTP code, for an error body that names none. */
  private static String byStatus(int status) {
    return switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> "";
    };
  }

  /**
   * Whether a 400 says the input does not fit: "The input token count (1200000) exceeds the maximum
   * number of tokens allowed (1048576)."
   */
  private static boolean contextLength(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("exceeds the maximum number of tokens")
        || m.contains("context window")
        || m.contains("too many tokens");
  }
}
