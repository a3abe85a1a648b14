package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * {@link EventStreamDecoder} against messages framed by AWS's own codec: whole, split at every
 * byte, and split at random, with every header type; and refusing a wrong checksum or length.
 */
class EventStreamDecoderTest {
  record Seen(String messageType, String eventType, String exceptionType, String payload) {}

  static byte[] encode(Map<String, HeaderValue> headers, String payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).encode(out);
    return out.toByteArray();
  }

  static byte[] event(String type, String payload) {
    Map<String, HeaderValue> h = new LinkedHashMap<>();
    h.put(":event-type", HeaderValue.fromString(type));
    h.put(":content-type", HeaderValue.fromString("application/json"));
    h.put(":message-type", HeaderValue.fromString("event"));
    return encode(h, payload);
  }

  static byte[] stream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(event("messageStart", "{\"role\":\"assistant\"}"));
    out.writeBytes(
        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Héllo ✓\"}}"));
    Map<String, HeaderValue> h = new LinkedHashMap<>();
    // Every header type, which the decoder must step over by its length.
    h.put("flag-true", HeaderValue.fromBoolean(true));
    h.put("flag-false", HeaderValue.fromBoolean(false));
    h.put("a-byte", HeaderValue.fromByte((byte) 7));
    h.put("a-short", HeaderValue.fromShort((short) 300));
    h.put("an-int", HeaderValue.fromInteger(70000));
    h.put("a-long", HeaderValue.fromLong(1L << 40));
    h.put("some-bytes", HeaderValue.fromByteArray(new byte[] {1, 2, 3}));
    h.put("a-time", HeaderValue.fromTimestamp(java.time.Instant.ofEpochSecond(1_700_000_000)));
    h.put("a-uuid", HeaderValue.fromUuid(UUID.fromString("3f1b6c1e-0000-4000-8000-000000000001")));
    h.put(":message-type", HeaderValue.fromString("exception"));
    h.put(":exception-type", HeaderValue.fromString("throttlingException"));
    out.writeBytes(encode(h, "{\"message\":\"slow down\"}"));
    out.writeBytes(event("metadata", ""));
    return out.toByteArray();
  }

  static final List<Seen> EXPECTED =
      List.of(
          new Seen("event", "messageStart", "", "{\"role\":\"assistant\"}"),
          new Seen(
              "event",
              "contentBlockDelta",
              "",
              "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Héllo ✓\"}}"),
          new Seen("exception", "", "throttlingException", "{\"message\":\"slow down\"}"),
          new Seen("event", "metadata", "", ""));

  static List<Seen> decode(byte[] bytes, int[] cuts) throws EventStreamDecoder.Corrupt {
    EventStreamDecoder d = new EventStreamDecoder();
    List<Seen> seen = new ArrayList<>();
    EventStreamDecoder.Handler h =
        m ->
            seen.add(
                new Seen(
                    m.messageType,
                    m.eventType,
                    m.exceptionType,
                    m.payload.toString(StandardCharsets.UTF_8)));
    int from = 0;
    for (int cut : cuts) {
      d.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, from, cut)), h);
      from = cut;
    }
    d.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, from, bytes.length)), h);
    assertThat(d.remaining()).isZero();
    return seen;
  }

  @Test
  void feed_wholeStream_decodesEveryMessage() throws Exception {
    assertThat(decode(stream(), new int[0])).isEqualTo(EXPECTED);
  }

  @Test
  void feed_oneByteAtATime_decodesEveryMessage() throws Exception {
    byte[] bytes = stream();
    int[] cuts = new int[bytes.length - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }
    assertThat(decode(bytes, cuts)).isEqualTo(EXPECTED);
  }

  @Test
  void feed_randomSplits_decodesEveryMessage() throws Exception {
    byte[] bytes = stream();
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(12);
      int[] cuts = random.ints(n, 0, bytes.length + 1).sorted().toArray();
      assertThat(decode(bytes, cuts))
          .as("cuts %s", java.util.Arrays.toString(cuts))
          .isEqualTo(EXPECTED);
    }
  }

  @Test
  void feed_badMessageChecksum_isCorrupt() {
    byte[] bytes = event("messageStart", "{\"role\":\"assistant\"}");
    bytes[bytes.length - 1] ^= 1;
    assertThatThrownBy(() -> decode(bytes, new int[] {5}))
        .isInstanceOf(EventStreamDecoder.Corrupt.class)
        .hasMessageContaining("message checksum");
  }

  @Test
  void feed_badPayloadByte_isCorrupt() {
    byte[] bytes = event("messageStart", "{\"role\":\"assistant\"}");
    bytes[bytes.length - 8] ^= 1;
    assertThatThrownBy(() -> decode(bytes, new int[0]))
        .isInstanceOf(EventStreamDecoder.Corrupt.class)
        .hasMessageContaining("message checksum");
  }

  @Test
  void feed_badPreludeChecksum_isCorruptBeforeTheRestArrives() {
    byte[] bytes = event("messageStart", "{\"role\":\"assistant\"}");
    bytes[9] ^= 1;
    EventStreamDecoder d = new EventStreamDecoder();
    assertThatThrownBy(() -> d.feed(Buffer.buffer(java.util.Arrays.copyOf(bytes, 12)), m -> {}))
        .isInstanceOf(EventStreamDecoder.Corrupt.class)
        .hasMessageContaining("prelude checksum");
  }

  @Test
  void feed_impossibleLength_isCorrupt() {
    Buffer b = Buffer.buffer().appendInt(8).appendInt(0).appendInt(0);
    assertThatThrownBy(() -> new EventStreamDecoder().feed(b, m -> {}))
        .isInstanceOf(EventStreamDecoder.Corrupt.class)
        .hasMessageContaining("impossible lengths");
  }

  @Test
  void feed_partialMessage_waitsForTheRest() throws Exception {
    byte[] bytes = event("messageStart", "{}");
    EventStreamDecoder d = new EventStreamDecoder();
    List<String> seen = new ArrayList<>();
    d.feed(
        Buffer.buffer(java.util.Arrays.copyOf(bytes, bytes.length - 1)),
        m -> seen.add(m.eventType));
    assertThat(seen).isEmpty();
    assertThat(d.remaining()).isEqualTo(bytes.length - 1);
    d.feed(Buffer.buffer(new byte[] {bytes[bytes.length - 1]}), m -> seen.add(m.eventType));
    assertThat(seen).containsExactly("messageStart");
  }
}
