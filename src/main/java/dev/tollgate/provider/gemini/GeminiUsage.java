package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * Gemini's {@code usageMetadata}, which a non-streamed answer carries once and a stream on its
 * events (cumulative, the last one complete), normalised by this one function so that a stream and
 * the same answer not streamed are billed by the same arithmetic. Stateless.
 *
 * <ul>
 *   <li>{@code promptTokenCount} counts the whole prompt, {@code cachedContentTokenCount} (context
 *       caching) included: the uncached input is the difference. {@code toolUsePromptTokenCount}
 *       (the results of Google's own tools, fed back as input) is input too.
 *   <li>{@code candidatesTokenCount} excludes the thinking, {@code thoughtsTokenCount}: OpenAI's
 *       {@code completion_tokens} is their sum, as LiteLLM reports it, with the thoughts as {@code
 *       completion_tokens_details.reasoning_tokens}. Both are billed as output (at the reasoning
 *       rate when the price has one).
 *   <li>Audio input, {@code promptTokensDetails} of modality {@code AUDIO}, is priced at its own
 *       rate when the price has one.
 * </ul>
 */
final class GeminiUsage {
  private GeminiUsage() {}

  /** The usage of a {@code usageMetadata} object; empty when there is none. */
  static Optional<Usage> of(JsonNode metadata) {
    if (!metadata.isObject()) {
      return Optional.empty();
    }
    long prompt = count(metadata, "promptTokenCount") + count(metadata, "toolUsePromptTokenCount");
    long cached = Math.min(count(metadata, "cachedContentTokenCount"), prompt);
    long thoughts = count(metadata, "thoughtsTokenCount");
    long output = count(metadata, "candidatesTokenCount") + thoughts;
    long input = prompt - cached;
    long audio = 0;
    for (JsonNode d : metadata.path("promptTokensDetails")) {
      if (d.path("modality").asText("").equals("AUDIO")) {
        audio += Math.max(0, d.path("tokenCount").asLong(0));
      }
    }
    long cachedAudio = 0;
    for (JsonNode d : metadata.path("cacheTokensDetails")) {
      if (d.path("modality").asText("").equals("AUDIO")) {
        cachedAudio += Math.max(0, d.path("tokenCount").asLong(0));
      }
    }
    audio = Math.min(Math.max(0, audio - cachedAudio), input);
    return Optional.of(new Usage(input, output, cached, 0, 0, thoughts, audio, 0, 0, 0));
  }

  private static long count(JsonNode metadata, String field) {
    JsonNode n = metadata.path(field);
    return n.canConvertToLong() ? Math.max(0, n.asLong()) : 0;
  }

  /**
   * Writes {@code u} as OpenAI's {@code usage} object: {@code prompt_tokens} counts every input
   * token, cached or not, with the cached ones as {@code prompt_tokens_details.cached_tokens};
   * {@code completion_tokens} counts the thoughts, also given as {@code
   * completion_tokens_details.reasoning_tokens}.
   */
  static void writeOpenAi(JsonGenerator g, Usage u) throws IOException {
    long prompt = u.totalInputTokens();
    g.writeObjectFieldStart("usage");
    g.writeNumberField("prompt_tokens", prompt);
    g.writeNumberField("completion_tokens", u.outputTokens());
    g.writeNumberField("total_tokens", prompt + u.outputTokens());
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", u.cacheReadTokens());
    if (u.audioInputTokens() > 0) {
      g.writeNumberField("audio_tokens", u.audioInputTokens());
    }
    g.writeEndObject();
    g.writeObjectFieldStart("completion_tokens_details");
    g.writeNumberField("reasoning_tokens", u.reasoningTokens());
    g.writeEndObject();
    g.writeEndObject();
  }
}
