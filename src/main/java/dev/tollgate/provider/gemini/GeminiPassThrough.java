package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseFramer;
import dev.tollgate.provider.SseSink;
import dev.tollgate.provider.StreamRelay;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Relays a {@code streamGenerateContent?alt=sse} stream to a client that spoke Gemini's API itself:
 * every event byte for byte, written whole, but for an {@code error} event, which the sink replaces
 * with the mapped error when the stream ends. Each event's {@code usageMetadata} (cumulative) is
 * reported to the sink as it comes, as {@link GeminiStream} reports it, so the same stream costs
 * the same whether the client speaks chat or Gemini. An event carrying {@code error} fails the
 * stream once it ends, and a stream that ends before any {@code finishReason} (or a blocked
 * prompt's {@code promptFeedback.blockReason}) fails with a 502. One per stream; confined to its
 * event loop.
 */
final class GeminiPassThrough implements StreamRelay {
  private final SseSink sink;
  private final SseFramer framer = new SseFramer();
  private final Consumer<Buffer> onEvent = this::event;
  private Buffer out = Buffer.buffer(0);
  private boolean finished;
  private @Nullable GatewayException error;

  GeminiPassThrough(SseSink sink) {
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
  public Optional<GatewayException> end() {
    Buffer rest = framer.remainder();
    if (rest.length() > 0) {
      Buffer o = Buffer.buffer(rest.length() + 4);
      out = o;
      event(rest);
      if (o.length() > 0) {
        sink.write(o.appendString("\r\n\r\n"));
      }
    }
    if (error != null) {
      return Optional.of(error);
    }
    return finished
        ? Optional.empty()
        : Optional.of(
            GatewayException.badGateway("upstream ended the stream without a finishReason", null));
  }

  private void event(Buffer event) {
    if (error != null) {
      return;
    }
    String data = SseFramer.data(event);
    JsonNode root = null;
    try {
      root = data.isEmpty() ? null : Json.MAPPER.readTree(data);
    } catch (IOException e) {
      // relayed as it is, unread
    }
    if (root != null && root.path("error").isObject()) {
      // Not relayed: the sink ends the stream with the mapped error, once.
      error = GeminiErrors.fromEvent(root.path("error"));
      return;
    }
    out.appendBuffer(event);
    if (root == null) {
      return;
    }
    Optional<Usage> u = GeminiUsage.of(root.path("usageMetadata"));
    u.ifPresent(sink::usage);
    for (JsonNode c : root.path("candidates")) {
      if (c.path("finishReason").isTextual()) {
        finished = true;
      }
    }
    if (root.path("promptFeedback").path("blockReason").isTextual()) {
      finished = true;
    }
  }
}
