package dev.tollgate.provider;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Splits a byte stream of server-sent events into whole events (each ending in a blank line),
 * however the bytes were chunked on the wire. Event-loop confined; one per stream.
 */
public final class SseFramer {
  private Buffer pending = Buffer.buffer();

  /**
   * Feeds bytes; calls {@code onEvent} with each complete event, its terminator included. The event
   * is a view of the input, valid during the call: copy it to keep it.
   */
  public void feed(Buffer chunk, Consumer<Buffer> onEvent) {
    Buffer data;
    if (pending.length() == 0) {
      data = chunk;
    } else {
      pending.appendBuffer(chunk);
      data = pending;
    }
    int start = 0;
    int len = data.length();
    for (int i = 0; i < len; i++) {
      if (data.getByte(i) != '\n') {
        continue;
      }
      // An event ends at "\n\n" or "\n\r\n".
      int end = -1;
      if (i + 1 < len && data.getByte(i + 1) == '\n') {
        end = i + 2;
      } else if (i + 2 < len && data.getByte(i + 1) == '\r' && data.getByte(i + 2) == '\n') {
        end = i + 3;
      }
      if (end > 0) {
        onEvent.accept(data.slice(start, end));
        start = end;
        i = end - 1;
      }
    }
    pending = start == len ? Buffer.buffer() : data.getBuffer(start, len);
  }

  /** Bytes received after the last complete event. */
  public Buffer remainder() {
    return pending;
  }

  /** The payload of an event's {@code data:} lines, joined by newlines; empty if it has none. */
  public static String data(Buffer event) {
    String s = event.toString(java.nio.charset.StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (String line : s.split("\r?\n", -1)) {
      if (line.startsWith("data:")) {
        if (out.length() > 0) {
          out.append('\n');
        }
        out.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
      }
    }
    return out.toString();
  }

  private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Whether the event is the terminal {@code data: [DONE]}. */
  public static boolean isDone(Buffer event) {
    return dataStartsWith(event, DONE);
  }

  /**
   * Whether the event is a single {@code data:} field whose value starts with {@code prefix}: a
   * look at the first bytes only, for the hot path.
   */
  public static boolean dataStartsWith(Buffer event, byte[] prefix) {
    int i = 0;
    int n = event.length();
    if (n < 6 + prefix.length || event.getByte(0) != 'd' || event.getByte(4) != ':') {
      return false;
    }
    i = 5;
    while (i < n && event.getByte(i) == ' ') {
      i++;
    }
    if (i + prefix.length > n) {
      return false;
    }
    for (int j = 0; j < prefix.length; j++) {
      if (event.getByte(i + j) != prefix[j]) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code haystack} contains {@code needle}; a plain byte search. */
  public static boolean contains(Buffer haystack, byte[] needle) {
    int n = haystack.length() - needle.length;
    outer:
    for (int i = 0; i <= n; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
