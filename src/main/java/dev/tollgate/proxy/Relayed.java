package dev.tollgate.proxy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSE events of one stream as they were written to the client, kept until the stream ends in
 * case the provider reports no usage and its output must be counted from them. Keeps buffers the
 * provider handed over (it never touches them again), so a stream with usage costs a list append
 * per write. Past {@link #MAX_KEPT_BYTES} only the byte count grows, and the estimate scales what
 * was kept by it. Event-loop confined until the stream ends, then read by one worker.
 */
final class Relayed {
  /** Events kept per stream; about 30,000 tokens of one-token chunks. */
  static final long MAX_KEPT_BYTES = 4L * 1024 * 1024;

  private final List<Buffer> kept = new ArrayList<>();
  private long keptBytes;
  private long droppedBytes;

  void add(Buffer events) {
    if (keptBytes + events.length() <= MAX_KEPT_BYTES) {
      kept.add(events);
      keptBytes += events.length();
    } else {
      droppedBytes += events.length();
    }
  }

  List<Buffer> kept() {
    return kept;
  }

  long keptBytes() {
    return keptBytes;
  }

  /** Bytes relayed past the cap: counted, not kept. */
  long droppedBytes() {
    return droppedBytes;
  }

  boolean isEmpty() {
    return keptBytes == 0 && droppedBytes == 0;
  }
}
