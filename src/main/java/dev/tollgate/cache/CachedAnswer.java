package dev.tollgate.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * One kept answer, replayed as it was sent: a JSON body, or a stream's SSE events exactly as they
 * were relayed (so a hit replays the same chunks, usage chunk included when the request asked for
 * it). A streamed request and a JSON one are kept apart under one cache key ({@link
 * ResponseCache#storageKey}), since converting one into the other would not give back the bytes the
 * provider sent. The usage is the provider's, to price what a hit saved. Immutable; the body is
 * never changed after construction.
 *
 * @param storedAtMillis when the answer was kept, for {@code s-maxage}
 * @param sse whether {@code body} is a stream's SSE events
 * @param contentType the answer's content type
 * @param body the answer's bytes
 * @param usage what the provider reported for it; empty when it reported nothing
 */
public record CachedAnswer(
    long storedAtMillis, boolean sse, String contentType, byte[] body, Optional<Usage> usage) {

  /** About what the entry costs in memory besides its body. */
  static final int OVERHEAD_BYTES = 256;

  /**
   * The bytes kept in Redis: one line of JSON (when, form, content type, usage), a newline, then
   * the body as it is.
   */
  byte[] encode() {
    java.io.StringWriter head = new java.io.StringWriter(160);
    try (JsonGenerator g = Json.FACTORY.createGenerator(head)) {
      g.writeStartObject();
      g.writeNumberField("t", storedAtMillis);
      g.writeBooleanField("sse", sse);
      g.writeStringField("ct", contentType);
      if (usage.isPresent()) {
        Usage u = usage.get();
        g.writeArrayFieldStart("u");
        for (long v :
            new long[] {
              u.inputTokens(),
              u.outputTokens(),
              u.cacheReadTokens(),
              u.cacheCreationTokens(),
              u.cacheCreation1hTokens(),
              u.reasoningTokens(),
              u.audioInputTokens(),
              u.audioOutputTokens(),
              u.images(),
              u.millis()
            }) {
          g.writeNumber(v);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] h = (head + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  /** Reads what {@link #encode} wrote; IllegalArgumentException when it is not that. */
  static CachedAnswer decode(byte[] bytes) {
    int nl = 0;
    while (nl < bytes.length && bytes[nl] != '\n') {
      nl++;
    }
    if (nl == bytes.length) {
      throw new IllegalArgumentException("not a cached answer: no header line");
    }
    JsonNode h;
    try {
      h = Json.MAPPER.readTree(new String(bytes, 0, nl, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a cached answer: " + e.getMessage(), e);
    }
    if (h == null || !h.path("t").canConvertToLong() || !h.path("ct").isTextual()) {
      throw new IllegalArgumentException("not a cached answer: header without t or ct");
    }
    Optional<Usage> usage = Optional.empty();
    JsonNode u = h.get("u");
    if (u != null && u.isArray() && u.size() == 10) {
      usage =
          Optional.of(
              new Usage(
                  u.get(0).asLong(),
                  u.get(1).asLong(),
                  u.get(2).asLong(),
                  u.get(3).asLong(),
                  u.get(4).asLong(),
                  u.get(5).asLong(),
                  u.get(6).asLong(),
                  u.get(7).asLong(),
                  u.get(8).asLong(),
                  u.get(9).asLong()));
    }
    return new CachedAnswer(
        h.get("t").asLong(),
        h.path("sse").asBoolean(false),
        h.get("ct").textValue(),
        Arrays.copyOfRange(bytes, nl + 1, bytes.length),
        usage);
  }

  /** What the entry weighs in the local cache, in bytes. */
  int weight() {
    return body.length + contentType.length() + OVERHEAD_BYTES;
  }
}
