package dev.tollgate.provider;

import dev.tollgate.common.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.util.Optional;

/**
 * Relays one upstream stream to an {@link SseSink} as OpenAI-format SSE events: the part of a
 * stream that depends on the wire format (framing, translation, usage). Made by {@link
 * WireFormat#relay} for each stream; confined to its event loop and never blocks.
 *
 * <p>{@link #relay} runs once per read from the upstream: the hot path of a stream. It allocates no
 * more than it must and writes everything one read completed in one {@link SseSink#write}.
 */
public interface StreamRelay {
  /**
   * Relays what one read from the upstream brought: writes the events it completed to the sink, and
   * reports usage to it when the stream carries some.
   */
  void relay(Buffer chunk);

  /**
   * The upstream ended its body. Empty when the stream was complete and the sink may end; otherwise
   * the error it fails with, such as a stream that stopped before its terminal event.
   */
  Optional<GatewayException> end();

  /**
   * Whether the error {@link #end} reports already reached the client: the upstream's own error
   * event, relayed as it came to a client that speaks the upstream's API. The stream then ends
   * without a second error event. False for a relay that translates, which never relays the
   * upstream's error as it came.
   */
  default boolean errorRelayed() {
    return false;
  }
}
