package dev.tollgate.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Gateway errors in a Responses stream. Stateless, apart from {@link PassThrough}. */
final class ResponsesErrors {
  private ResponsesErrors() {}

  /**
   * The message for a client: an upstream's own, from its OpenAI-shaped body, else the gateway's.
   */
  static String message(GatewayException e) {
    byte[] raw = e.rawBody();
    if (raw != null) {
      try {
        JsonNode upstream = Json.MAPPER.readTree(raw);
        JsonNode message = upstream == null ? null : upstream.path("error").get("message");
        if (message != null && message.isTextual()) {
          return message.textValue();
        }
      } catch (IOException ignored) {
        // not JSON: the gateway's message
      }
    }
    return e.getMessage() == null ? "error" : e.getMessage();
  }

  /**
   * OpenAI's own Responses stream relayed as it is. Its {@code error} event must carry the next
   * {@code sequence_number}, so the relayed events are counted (framed, not parsed). One per
   * stream; confined to its event loop.
   */
  static final class PassThrough implements StreamEncoder {
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

    private final SseFramer framer = new SseFramer();
    private final Consumer<Buffer> count = this::count;
    private int events;

    @Override
    public Buffer encode(Buffer events) {
      framer.feed(events, count);
      return events;
    }

    private void count(Buffer event) {
      if (SseFramer.contains(event, DATA)) {
        events++;
      }
    }

    @Override
    public Buffer end() {
      return Buffer.buffer();
    }

    /** The Responses API's {@code error} event. */
    @Override
    public Buffer error(GatewayException error) {
      ObjectNode e = Json.MAPPER.createObjectNode().put("type", "error");
      e.put("code", error.code() == null ? error.type() : error.code());
      e.put("message", message(error)).put("param", error.param());
      e.put("sequence_number", events);
      return Buffer.buffer("event: error\ndata: ")
          .appendBytes(BodyJson.write(e))
          .appendString("\n\n");
    }
  }
}
