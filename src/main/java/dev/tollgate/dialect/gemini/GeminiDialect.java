package dev.tollgate.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import dev.tollgate.dialect.NativeDialect;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Gemini's {@code generateContent} as a client sends it to {@code /gemini/} or {@code /vertex_ai/}:
 * the request reaches a Gemini or Vertex AI deployment as it is, and its answer and stream come
 * back as they are, billed from their {@code usageMetadata}. The chat form ({@link GeminiChatForm})
 * is read only for admission (the reservation's token bound, images and output bound); the API is
 * never bridged to another provider. Errors are Google's shape, {@code {"error": {"code",
 * "message", "status"}}}. Stateless; callable from any thread.
 */
public final class GeminiDialect extends NativeDialect {
  private final boolean stream;

  /** The dialect of {@code :streamGenerateContent} when {@code stream}, else {@code :generate}. */
  public GeminiDialect(boolean stream) {
    this.stream = stream;
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.GENERATE_CONTENT;
  }

  @Override
  public byte[] toChat(byte[] body) {
    return GeminiChatForm.of(body, stream);
  }

  @Override
  public byte[] errorBody(GatewayException error) {
    return errorJson(error);
  }

  /** Google's stream ends a failure with one more event carrying the error. */
  @Override
  protected Buffer errorEvent(GatewayException error) {
    return Buffer.buffer("data: ").appendBytes(errorJson(error)).appendString("\r\n\r\n");
  }

  /**
   * The error in Google's shape. An upstream's own Google error is kept as it is; otherwise the
   * gateway's message (which for a budget denial names the budget and its figures), with the status
   * Google gives the HTTP code and the gateway's error code as the {@code ErrorInfo} reason.
   */
  static byte[] errorJson(GatewayException e) {
    byte[] raw = e.rawBody();
    if (raw != null) {
      try {
        JsonNode upstream = Json.MAPPER.readTree(raw);
        if (upstream != null
            && upstream.path("error").isObject()
            && upstream.path("error").path("status").isTextual()) {
          return raw;
        }
      } catch (IOException notJson) {
        // the gateway's own message below
      }
    }
    ObjectNode root = Json.MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", e.status());
    error.put("message", e.getMessage() == null ? "error" : e.getMessage());
    error.put("status", status(e.status()));
    String code = e.code();
    if (code != null) {
      ObjectNode info = error.putArray("details").addObject();
      info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
      info.put("reason", code);
      info.put("domain", "tollgate");
    }
    return BodyJson.write(root);
  }

  /** Google's canonical status for an HTTP status, as its APIs pair them. */
  static String status(int http) {
    return switch (http) {
      case 400, 413 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 402, 412 -> "FAILED_PRECONDITION";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 499 -> "CANCELLED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> http >= 400 && http < 500 ? "FAILED_PRECONDITION" : "INTERNAL";
    };
  }
}
