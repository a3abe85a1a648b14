package dev.tollgate.provider.openai;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Redaction;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Relays an OpenAI SSE stream as it came, event by event: it reports the usage chunk to the sink,
 * withholds the usage-only chunk from a client that did not ask for usage, and requires the stream
 * to end with {@code data: [DONE]}. One per stream; confined to its event loop.
 */
final class OpenAiStream implements StreamRelay {
  private static final byte[] USAGE_OBJECT = "\"usage\":{".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE_OBJECT_SPACED =
      "\"usage\": {".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHOICES = "choices".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_OBJECT = "{\"error\"".getBytes(StandardCharsets.US_ASCII);

  private final boolean clientWantsUsage;
  private final SseSink sink;
  private final LitellmParams params;
  private final SseFramer framer = new SseFramer();

  /** Made once per stream, so that a read does not allocate a callback. */
  private final Consumer<Buffer> onEvent = this::event;

  /** What the current read relays: everything that arrived in one read goes out in one write. */
  private Buffer out = Buffer.buffer(0);

  private boolean done;

  /**
   * @param params the deployment's, whose secrets a relayed mid-stream error must not carry
   */
  OpenAiStream(boolean clientWantsUsage, SseSink sink, LitellmParams params) {
    this.clientWantsUsage = clientWantsUsage;
    this.sink = sink;
    this.params = params;
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
    if (SseFramer.contains(event, USAGE_OBJECT) || SseFramer.contains(event, USAGE_OBJECT_SPACED)) {
      String data = SseFramer.data(event);
      byte[] json = data.getBytes(StandardCharsets.UTF_8);
      Optional<Usage> usage = OpenAiUsage.find(json);
      usage.ifPresent(sink::usage);
      if (!clientWantsUsage && usage.isPresent() && hasNoChoices(json)) {
        return;
      }
    } else if (SseFramer.isDone(event)) {
      done = true;
    } else if (SseFramer.dataStartsWith(event, ERROR_OBJECT)) {
      // An upstream's mid-stream error, relayed like an error answer: without its secrets.
      out.appendBuffer(Buffer.buffer(Redaction.relayed(event.getBytes(), params)));
      return;
    }
    out.appendBuffer(event);
  }

  @Override
  public Optional<GatewayException> end() {
    return done
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway("upstream ended the stream without data: [DONE]", null));
  }

  /** Whether a chunk's top-level {@code choices} is absent or empty: the usage-only chunk. */
  private static boolean hasNoChoices(byte[] json) {
    return OpenAiUsage.isAbsentOrEmptyArray(json, CHOICES);
  }
}
