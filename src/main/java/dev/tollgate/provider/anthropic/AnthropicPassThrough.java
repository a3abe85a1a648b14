package dev.tollgate.provider.anthropic;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Relays a Messages stream to a client that spoke the Messages API itself: every event byte for
 * byte, written whole. Only {@code message_start}, {@code message_delta}, {@code message_stop} and
 * {@code error} are read (by their {@code event:} line, so text deltas are never parsed): usage is
 * reported to the sink at each {@code message_delta}, as {@link AnthropicStream} reports it, an
 * {@code error} event fails the stream once it ends (relayed, it is the only error event the client
 * gets), and a stream without {@code message_stop} fails with a 502. One per stream; confined to
 * its event loop.
 */
final class AnthropicPassThrough implements StreamRelay {
  private final SseSink sink;
  private final SseFramer framer = new SseFramer();
  private final AnthropicEvent ev = new AnthropicEvent();
  private final AnthropicUsage usage = new AnthropicUsage();
  private final Consumer<Buffer> onEvent = this::event;
  private Buffer out = Buffer.buffer(0);
  private boolean usageReported;
  private boolean done;
  private @Nullable GatewayException error;

  /** Whether {@link #error} is the upstream's own error event, relayed to the client as it came. */
  private boolean relayedError;

  AnthropicPassThrough(SseSink sink) {
    this.sink = sink;
  }

  @Override
  public void relay(Buffer chunk) {
    Buffer o = Buffer.buffer(chunk.length());
    out = o;
    framer.feed(chunk, onEvent);
    if (o.length() > 0) {
      sink.write(o);
    }
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
    return done
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway("upstream ended the stream without message_stop", null));
  }

  private void event(Buffer event) {
    out.appendBuffer(event);
    String name = name(event);
    if (name != null
        && !name.equals("message_start")
        && !name.equals("message_delta")
        && !name.equals("message_stop")
        && !name.equals("error")) {
      return;
    }
    String data = SseFramer.data(event);
    if (data.isEmpty() || !ev.read(data, usage) || ev.type == null) {
      return;
    }
    switch (ev.type) {
      case "message_delta" -> {
        sink.usage(usage.usage());
        usageReported = true;
      }
      case "message_stop" -> {
        if (!usageReported) {
          sink.usage(usage.usage());
          usageReported = true;
        }
        done = true;
      }
      case "error" -> {
        if (error == null) {
          error = AnthropicErrors.fromEvent(ev.errorType, ev.errorMessage);
          relayedError = true;
        }
      }
      default -> {
        // message_start: its usage is kept for the message_delta that completes it
      }
    }
  }

  private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);

  /** The event's name when its first line is an {@code event:} field; null otherwise. */
  static @Nullable String name(Buffer event) {
    int n = event.length();
    if (n < EVENT.length) {
      return null;
    }
    for (int i = 0; i < EVENT.length; i++) {
      if (event.getByte(i) != EVENT[i]) {
        return null;
      }
    }
    int start = EVENT.length;
    while (start < n && event.getByte(start) == ' ') {
      start++;
    }
    int end = start;
    while (end < n && event.getByte(end) != '\n' && event.getByte(end) != '\r') {
      end++;
    }
    return event.getString(start, end, "US-ASCII");
  }
}
