package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Relays a {@code converse-stream} event stream to a client that spoke the Converse API itself: the
 * bytes as they came, each read written whole, since the client decodes the framing itself. The
 * stream is decoded beside the relay, and only {@code messageStop} and {@code metadata} events are
 * parsed: the usage is reported to the sink at {@code metadata}, as {@link BedrockStream} reports
 * it, so the same stream costs the same whether the client speaks chat or Converse. An exception
 * message fails the stream once it ends, without another: the client already has AWS's own frame. A
 * corrupt frame fails it with a 502 frame of ours, and so does a stream that ends before {@code
 * messageStop}. One per stream; confined to its event loop.
 */
final class BedrockPassThrough implements StreamRelay {
  private final SseSink sink;
  private final EventStreamDecoder decoder = new EventStreamDecoder();
  private final EventStreamDecoder.Handler onMessage = this::message;
  private boolean stopped;
  private @Nullable GatewayException error;

  /** Whether {@link #error} is the upstream's own error event, relayed to the client as it came. */
  private boolean relayedError;

  BedrockPassThrough(SseSink sink) {
    this.sink = sink;
  }

  @Override
  public void relay(Buffer chunk) {
    if (error == null) {
      try {
        decoder.feed(chunk, onMessage);
      } catch (EventStreamDecoder.Corrupt e) {
        error =
            GatewayException.badGateway(
                "upstream sent a corrupt event stream: " + e.getMessage(), e);
        return;
      }
    }
    // The sink may keep the buffer, and the transport reuses nothing it hands over.
    sink.write(chunk);
  }

  @Override
  public boolean errorRelayed() {
    return relayedError;
  }

  @Override
  public Optional<GatewayException> end() {
    if (error != null) {
      return Optional.of(error);
    }
    return stopped
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway("upstream ended the stream without messageStop", null));
  }

  private void message(EventStreamDecoder.Message m) {
    if (error != null) {
      return;
    }
    switch (m.messageType) {
      case "exception" -> {
        error = BedrockErrors.fromEvent(m.exceptionType, BedrockStream.text(m.payload, "message"));
        relayedError = true;
        return;
      }
      case "error" -> {
        error = BedrockErrors.fromEvent(m.errorCode, m.errorMessage);
        relayedError = true;
        return;
      }
      default -> {
        // an event, read below when it is one that matters
      }
    }
    switch (m.eventType) {
      case "messageStop" -> stopped = true;
      case "metadata" -> {
        try {
          JsonNode e = Json.MAPPER.readTree(m.payload.getBytes());
          if (e != null) {
            BedrockUsage.read(e.get("usage")).ifPresent(sink::usage);
          }
        } catch (IOException x) {
          error = GatewayException.badGateway("upstream sent a metadata event that is not JSON", x);
        }
      }
      default -> {
        // deltas pass through unread
      }
    }
  }
}
