package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Bedrock's errors as the OpenAI-shaped error the client gets. An HTTP answer names its type in the
 * {@code x-amzn-errortype} header ({@code ValidationException:http://internal.amazon.com/...}), or
 * in the body's {@code __type} ({@code com.amazon.coral.validate#ValidationException}); its text is
 * the body's {@code message} (or {@code Message}). A stream's exception event names it in {@code
 * :exception-type}, camel-cased ({@code throttlingException}). The type decides, the HTTP status
 * only when the type is missing or unknown; the {@code code} is the type, so the client can tell
 * them apart:
 *
 * <ul>
 *   <li>{@code ValidationException}: 400, with code {@code context_length_exceeded} when the
 *       message says the input does not fit, as LiteLLM maps it;
 *   <li>{@code UnrecognizedClientException} and the other signature and token errors: 401; {@code
 *       AccessDeniedException}: 403; {@code ResourceNotFoundException}: 404;
 *   <li>{@code ThrottlingException} and {@code ServiceQuotaExceededException}: 429 of type {@code
 *       rate_limit_exceeded}, which the router retries;
 *   <li>{@code ModelTimeoutException}: 504, {@code ServiceUnavailableException} and {@code
 *       ModelNotReadyException}: 503, both retried; {@code InternalServerException}, {@code
 *       ModelErrorException}, {@code ModelStreamErrorException} and any other 5xx: 502.
 * </ul>
 *
 * Stateless.
 */
final class BedrockErrors {
  private BedrockErrors() {}

  private static final int MAX_DETAIL = 500;

  /** An HTTP answer of 400 or above; {@code errorType} is the {@code x-amzn-errortype} header. */
  static GatewayException fromAnswer(int status, @Nullable String errorType, byte[] body) {
    String type = errorType == null ? null : shortName(errorType);
    String message = null;
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      if (root != null) {
        if (type == null && root.path("__type").isTextual()) {
          type = shortName(root.path("__type").asText());
        }
        for (String f : new String[] {"message", "Message"}) {
          if (message == null && root.path(f).isTextual()) {
            message = root.path(f).asText();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON (a proxy's HTML page, say): the text itself is the detail.
    }
    if (message == null) {
      String text =
          new String(body, 0, Math.min(body.length, 4 * MAX_DETAIL), StandardCharsets.UTF_8);
      message = text.length() > MAX_DETAIL ? text.substring(0, MAX_DETAIL) + "..." : text.strip();
    }
    message = withoutCanonicalRequest(message);
    String text =
        "upstream returned HTTP " + status + (type == null ? "" : " " + type) + ": " + message;
    return map(type, status, text, message);
  }

  /** Where AWS's answer to a bad signature starts to quote the request it expected. */
  private static final String[] QUOTES = {
    "The Canonical String for this request should have been", "The String-to-Sign should have been"
  };

  /**
   * {@code message} without the canonical request and string-to-sign that AWS quotes after a
   * signature mismatch: they carry the signed headers' values, a session token among them, which
   * the client must not see (a token from the environment is not one the relayed-error redaction
   * knows).
   */
  static String withoutCanonicalRequest(String message) {
    int cut = message.length();
    for (String q : QUOTES) {
      int i = message.indexOf(q);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    return cut == message.length() ? message : message.substring(0, cut).strip();
  }

  /** A stream's exception event, after the response head: there is no status to go by. */
  static GatewayException fromEvent(String exceptionType, String message) {
    String type = exceptionType.isEmpty() ? null : shortName(exceptionType);
    return map(
        type,
        502,
        "upstream failed mid-stream" + (type == null ? "" : " " + type) + ": " + message,
        message);
  }

  /**
   * {@code ValidationException} for {@code ValidationException:http://...}, {@code
   * com.amazon.coral.validate#ValidationException} or {@code validationException}.
   */
  static String shortName(String type) {
    String t = type;
    int colon = t.indexOf(':');
    if (colon >= 0) {
      t = t.substring(0, colon);
    }
    int hash = t.lastIndexOf('#');
    if (hash >= 0) {
      t = t.substring(hash + 1);
    }
    t = t.strip();
    return t.isEmpty() ? t : Character.toUpperCase(t.charAt(0)) + t.substring(1);
  }

  private static GatewayException map(
      @Nullable String type, int status, String text, String upstreamMessage) {
    String t = type == null || type.isEmpty() ? byStatus(status) : type;
    return switch (t) {
      case "ValidationException" ->
          GatewayException.of(
              400,
              "invalid_request_error",
              null,
              contextLength(upstreamMessage) ? "context_length_exceeded" : t,
              text);
      case "UnrecognizedClientException",
          "InvalidSignatureException",
          "IncompleteSignatureException",
          "MissingAuthenticationTokenException",
          "ExpiredTokenException" ->
          GatewayException.of(401, "authentication_error", null, t, text);
      case "AccessDeniedException" -> GatewayException.of(403, "permission_error", null, t, text);
      case "ResourceNotFoundException" ->
          GatewayException.of(404, "not_found_error", null, t, text);
      case "ThrottlingException", "ServiceQuotaExceededException" ->
          GatewayException.of(429, "rate_limit_exceeded", null, t, text);
      case "ModelTimeoutException" -> GatewayException.of(504, "timeout", null, t, text);
      case "ServiceUnavailableException", "ModelNotReadyException" ->
          GatewayException.of(503, "api_error", null, t, text);
      case "InternalServerException", "ModelErrorException", "ModelStreamErrorException" ->
          GatewayException.of(502, "api_error", null, t, text);
      default ->
          status >= 500
              ? GatewayException.of(502, "api_error", null, "upstream_unavailable", text)
              : GatewayException.upstream(status, text, null);
    };
  }

  /** The type an HTTP status stands for, for an error that names none. */
  private static String byStatus(int status) {
    return switch (status) {
      case 400 -> "ValidationException";
      case 401 -> "UnrecognizedClientException";
      case 403 -> "AccessDeniedException";
      case 404 -> "ResourceNotFoundException";
      case 408 -> "ModelTimeoutException";
      case 429 -> "ThrottlingException";
      case 503 -> "ServiceUnavailableException";
      default -> "";
    };
  }

  /**
   * Whether a validation error says the input does not fit the model's context: "Input is too long
   * for requested model", "prompt is too long", "too many input tokens", "maximum context length".
   */
  private static boolean contextLength(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("input is too long")
        || m.contains("prompt is too long")
        || m.contains("too many input tokens")
        || m.contains("too many tokens")
        || m.contains("context length")
        || m.contains("context window")
        || m.contains("exceed context limit");
  }
}
