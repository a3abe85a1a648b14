package dev.tollgate.provider;

import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * Where a provider writes a stream of OpenAI-format SSE events for the client. Event-loop confined.
 * Exactly one of {@link #end} or {@link #fail} is called, once.
 */
public interface SseSink {
  /** Sends the response head (200, {@code text/event-stream}); before the first write. */
  void begin();

  /**
   * Writes already-framed SSE bytes: whole events. The sink may keep the buffer (to count what was
   * relayed when no usage comes), so the caller must not change it afterwards.
   */
  void write(Buffer events);

  /** Whether the client is not keeping up; pause the upstream until {@link #drainHandler}. */
  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Records the usage reported in the stream (the final usage chunk). */
  void usage(Usage usage);

  /** Ends the stream normally, after {@code data: [DONE]} has been written. */
  void end();

  /**
   * Ends the stream with an error: a proper error response if nothing was sent yet, otherwise an
   * error event followed by the end of the stream.
   */
  void fail(GatewayException error);

  /**
   * Ends the stream with an error that the events written already told the client (the upstream's
   * own error event, relayed): the request fails with {@code error}, and nothing more is written.
   */
  void failRelayed(GatewayException error);
}
