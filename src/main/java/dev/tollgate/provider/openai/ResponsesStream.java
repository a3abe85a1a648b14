package dev.tollgate.provider.openai;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Relays a Responses API stream byte for byte. Its events are typed ({@code response.created},
 * {@code response.output_text.delta}...) and it has no {@code data: [DONE]}: it is complete once a
 * terminal event arrived, {@code response.completed}, {@code response.incomplete} or {@code
 * response.failed} (each carrying the final response, whose {@code usage} is reported to the sink),
 * or an {@code error} event. Only events that may be terminal are decoded; deltas are copied. One
 * per stream; confined to its event loop.
 */
final class ResponsesStream implements StreamRelay {
  private static final byte[][] TERMINAL = {
    ascii("response.completed"), ascii("response.incomplete"), ascii("response.failed")
  };
  private static final byte[] ERROR = ascii("error");
  private static final byte[] TYPE = ascii("type");

  private final SseSink sink;
  private final SseFramer framer = new SseFramer();

  /** Made once per stream, so that a read does not allocate a callback. */
  private final Consumer<Buffer> onEvent = this::event;

  /** What the current read relays: everything that arrived in one read goes out in one write. */
  private Buffer out = Buffer.buffer(0);

  private boolean done;

  ResponsesStream(SseSink sink) {
    this.sink = sink;
  }

  @Override
  public void relay(Buffer chunk) {
    // A new buffer each read: the sink may keep the one it is given.
    Buffer o = Buffer.buffer(chunk.length());
    out = o;
    framer.feed(chunk, onEvent);
    if (o.length() > 0) {
      sink.write(o);
    }
  }

  private void event(Buffer event) {
    if (!done && mayBeTerminal(event)) {
      byte[] json = SseFramer.data(event).getBytes(StandardCharsets.UTF_8);
      int type = OpenAiUsage.topLevelValue(json, TYPE);
      if (isString(json, type, ERROR)) {
        done = true;
      } else {
        for (byte[] terminal : TERMINAL) {
          if (isString(json, type, terminal)) {
            done = true;
            OpenAiUsage.findInResponse(json).ifPresent(sink::usage);
            break;
          }
        }
      }
    }
    out.appendBuffer(event);
  }

  @Override
  public Optional<GatewayException> end() {
    return done
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway(
                "upstream ended the Responses stream before response.completed", null));
  }

  /** A cheap byte search that lets deltas through without decoding them. */
  private static boolean mayBeTerminal(Buffer event) {
    for (byte[] terminal : TERMINAL) {
      if (SseFramer.contains(event, terminal)) {
        return true;
      }
    }
    return SseFramer.contains(event, ERROR);
  }

  /** Whether the value at {@code at} is the JSON string {@code s}, unescaped. */
  private static boolean isString(byte[] json, int at, byte[] s) {
    int end = at + 1 + s.length;
    return at >= 0
        && end < json.length
        && json[at] == '"'
        && json[end] == '"'
        && Arrays.equals(json, at + 1, end, s, 0, s.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
