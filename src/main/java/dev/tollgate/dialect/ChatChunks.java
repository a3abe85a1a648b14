package dev.tollgate.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * How a bridge's stream encoder reads one relayed OpenAI SSE event (other than {@code [DONE]}): the
 * {@code chat.completion.chunk} object it carries, or nothing for an empty or unreadable event,
 * which the bridges skip; and an upstream error sent in place of a chunk. Stateless.
 */
public final class ChatChunks {
  private ChatChunks() {}

  /** The event's JSON object, or null when it has no data or the data is not a JSON object. */
  public static @Nullable JsonNode read(Buffer event) {
    String data = SseFramer.data(event);
    if (data.isBlank()) {
      return null;
    }
    JsonNode chunk;
    try {
      chunk = Json.MAPPER.readTree(data);
    } catch (IOException e) {
      return null;
    }
    return chunk != null && chunk.isObject() ? chunk : null;
  }

  /** The failure an upstream reported mid-stream ({@code {"error": {...}}}), or null. */
  public static @Nullable GatewayException upstreamError(JsonNode chunk) {
    JsonNode error = chunk.get("error");
    if (error == null || !error.isObject() || chunk.has("choices")) {
      return null;
    }
    return GatewayException.badGateway(
        error.path("message").asText("the upstream failed mid-stream"), null);
  }
}
