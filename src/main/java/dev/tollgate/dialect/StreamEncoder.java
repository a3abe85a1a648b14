package dev.tollgate.dialect;

import dev.tollgate.common.GatewayException;
import io.vertx.core.buffer.Buffer;

/**
 * Turns one OpenAI-format chat stream into a client API's stream, event by event. One per stream;
 * confined to its event loop and never blocks. The events it is fed are the ones a provider relays
 * (whole SSE events, {@code chat.completion.chunk} objects, the usage chunk, {@code data: [DONE]}),
 * in order, each buffer at most once.
 */
public interface StreamEncoder {
  /** This API's events for the OpenAI events in {@code events}; may be empty. */
  Buffer encode(Buffer events);

  /** The events that close a stream that ended normally, after its last {@link #encode}. */
  Buffer end();

  /**
   * The events that close a stream failing with {@code error} after its response head was sent: the
   * API's error event and whatever it requires after it.
   */
  Buffer error(GatewayException error);
}
