package dev.tollgate.provider.bedrock;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Splits AWS's binary event stream ({@code application/vnd.amazon.eventstream}) into messages,
 * however the bytes were chunked on the wire. A message is a 12-byte prelude (total length, headers
 * length, and the CRC32 of those eight bytes, big-endian), the headers, the payload, and the CRC32
 * of everything before it. Both checksums are verified; a message that fails either, or whose
 * lengths are impossible, ends the stream with a {@link Corrupt}, since nothing after it can be
 * trusted to be framed right.
 *
 * <p>Of the headers only the string-valued {@code :message-type}, {@code :event-type}, {@code
 * :exception-type}, {@code :error-code} and {@code :error-message} are kept; the rest are skipped
 * by their type's length. Event-loop confined; one per stream.
 */
final class EventStreamDecoder {
  /** The prelude and the message checksum. */
  private static final int OVERHEAD = 16;

  /** AWS's limits: 16 MiB a message, 128 KiB of headers. */
  private static final int MAX_MESSAGE = 16 * 1024 * 1024;

  private static final int MAX_HEADERS = 128 * 1024;

  /** One decoded message; its payload is a view valid during {@link Handler#message}. */
  interface Handler {
    void message(Message m);
  }

  /** A message's kept headers and its payload. */
  static final class Message {
    String messageType = "";
    String eventType = "";
    String exceptionType = "";
    String errorCode = "";
    String errorMessage = "";
    Buffer payload = Buffer.buffer(0);

    private void clear() {
      messageType = "";
      eventType = "";
      exceptionType = "";
      errorCode = "";
      errorMessage = "";
    }
  }

  /** The stream is not a well-framed event stream. */
  static final class Corrupt extends Exception {
    private static final long serialVersionUID = 1L;

    Corrupt(String message) {
      super(message, null, false, false);
    }
  }

  private final CRC32 crc = new CRC32();
  private final Message message = new Message();
  private Buffer pending = Buffer.buffer(0);

  /**
   * Feeds bytes; calls {@code handler} with each complete message, in order.
   *
   * @throws Corrupt when a message's lengths or checksums are wrong
   */
  void feed(Buffer chunk, Handler handler) throws Corrupt {
    Buffer data;
    if (pending.length() == 0) {
      data = chunk;
    } else {
      pending.appendBuffer(chunk);
      data = pending;
    }
    int at = 0;
    int len = data.length();
    while (len - at >= 12) {
      int total = data.getInt(at);
      int headers = data.getInt(at + 4);
      if (total < OVERHEAD || total > MAX_MESSAGE || headers < 0 || headers > MAX_HEADERS) {
        throw new Corrupt("event stream message with impossible lengths " + total + "/" + headers);
      }
      if (headers > total - OVERHEAD) {
        throw new Corrupt("event stream headers longer than their message");
      }
      if (checksum(data, at, 8) != (data.getInt(at + 8) & 0xFFFFFFFFL)) {
        throw new Corrupt("event stream prelude checksum mismatch");
      }
      if (len - at < total) {
        break;
      }
      if (checksum(data, at, total - 4) != (data.getInt(at + total - 4) & 0xFFFFFFFFL)) {
        throw new Corrupt("event stream message checksum mismatch");
      }
      readHeaders(data, at + 12, at + 12 + headers);
      message.payload = data.slice(at + 12 + headers, at + total - 4);
      handler.message(message);
      at += total;
    }
    pending = at == len ? Buffer.buffer(0) : data.getBuffer(at, len);
  }

  /** How many bytes wait for the rest of their message. */
  int remaining() {
    return pending.length();
  }

  private long checksum(Buffer data, int from, int length) {
    crc.reset();
    crc.update(data.getBytes(from, from + length));
    return crc.getValue();
  }

  private void readHeaders(Buffer data, int at, int end) throws Corrupt {
    message.clear();
    while (at < end) {
      int nameLength = data.getUnsignedByte(at);
      String name = data.getString(at + 1, at + 1 + nameLength, "US-ASCII");
      at += 1 + nameLength;
      if (at >= end) {
        throw new Corrupt("event stream header without a value");
      }
      int type = data.getByte(at++);
      int valueLength =
          switch (type) {
            case 0, 1 -> 0; // true, false
            case 2 -> 1; // byte
            case 3 -> 2; // short
            case 4 -> 4; // int
            case 5, 8 -> 8; // long, timestamp
            case 9 -> 16; // uuid
            case 6, 7 -> -1; // bytes, string: 2-byte length first
            default -> throw new Corrupt("event stream header of unknown type " + type);
          };
      if (valueLength < 0) {
        int n = data.getUnsignedShort(at);
        at += 2;
        if (type == 7) {
          keep(name, new String(data.getBytes(at, at + n), StandardCharsets.UTF_8));
        }
        at += n;
      } else {
        at += valueLength;
      }
      if (at > end) {
        throw new Corrupt("event stream header overruns its message");
      }
    }
  }

  private void keep(String name, String value) {
    switch (name) {
      case ":message-type" -> message.messageType = value;
      case ":event-type" -> message.eventType = value;
      case ":exception-type" -> message.exceptionType = value;
      case ":error-code" -> message.errorCode = value;
      case ":error-message" -> message.errorMessage = value;
      default -> {
        // :content-type and the like
      }
    }
  }
}
