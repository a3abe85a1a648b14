package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.pricing.Usage;
import java.io.IOException;

/**
 * Anthropic's {@code usage} object, which a non-streamed answer carries whole and a stream in parts
 * ({@code message_start}, then {@code message_delta} events whose counts are cumulative and replace
 * the earlier ones). Both are read into this accumulator and normalised by the one {@link
 * #usage()}, so that a stream and the same answer not streamed are billed by the same arithmetic.
 *
 * <p>Anthropic's {@code input_tokens} already excludes the cache, so it is {@link
 * Usage#inputTokens()} as sent. Cache writes are split by lifetime from {@code
 * cache_creation.ephemeral_5m_input_tokens} and {@code ephemeral_1h_input_tokens}; writes that the
 * breakdown does not account for (or all of them, when there is none) are 5-minute writes, the
 * default lifetime. Not thread-safe: one per answer or stream.
 */
final class AnthropicUsage {
  private long input;
  private long output;
  private long cacheRead;

  /** {@code cache_creation_input_tokens}; -1 until an answer carries it. */
  private long cacheCreation = -1;

  private long ephemeral5m = -1;
  private long ephemeral1h = -1;

  /**
   * Reads a usage object (the parser is on its START_OBJECT, and is left on its END_OBJECT),
   * replacing each count it carries; a null or absent count keeps the value read before.
   */
  void read(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "input_tokens" -> input = count(p, t, input);
        case "output_tokens" -> output = count(p, t, output);
        case "cache_read_input_tokens" -> cacheRead = count(p, t, cacheRead);
        case "cache_creation_input_tokens" -> cacheCreation = count(p, t, cacheCreation);
        case "cache_creation" -> {
          if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            break;
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String d = p.currentName();
            JsonToken dt = p.nextToken();
            switch (d) {
              case "ephemeral_5m_input_tokens" -> ephemeral5m = count(p, dt, ephemeral5m);
              case "ephemeral_1h_input_tokens" -> ephemeral1h = count(p, dt, ephemeral1h);
              default -> p.skipChildren();
            }
          }
        }
        default -> p.skipChildren();
      }
    }
  }

  private static long count(JsonParser p, JsonToken t, long before) throws IOException {
    return t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : before;
  }

  /** What was read, normalised. */
  Usage usage() {
    long oneHour = Math.max(0, ephemeral1h);
    long writes = cacheCreation >= 0 ? cacheCreation : Math.max(0, ephemeral5m) + oneHour;
    oneHour = Math.min(oneHour, writes);
    return new Usage(input, output, cacheRead, writes - oneHour, oneHour, 0, 0, 0, 0, 0);
  }

  /**
   * Writes {@code u} as OpenAI's {@code usage} object, as LiteLLM reports an Anthropic answer:
   * {@code prompt_tokens} counts every input token, cached or not, {@code
   * prompt_tokens_details.cached_tokens} the cache reads, and {@code cache_creation_input_tokens}
   * and {@code cache_read_input_tokens} are kept beside them.
   */
  static void writeOpenAi(JsonGenerator g, Usage u) throws IOException {
    long writes = u.cacheCreationTokens() + u.cacheCreation1hTokens();
    long prompt = u.totalInputTokens();
    g.writeObjectFieldStart("usage");
    g.writeNumberField("prompt_tokens", prompt);
    g.writeNumberField("completion_tokens", u.outputTokens());
    g.writeNumberField("total_tokens", prompt + u.outputTokens());
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", u.cacheReadTokens());
    g.writeEndObject();
    g.writeNumberField("cache_creation_input_tokens", writes);
    g.writeNumberField("cache_read_input_tokens", u.cacheReadTokens());
    g.writeEndObject();
  }
}
