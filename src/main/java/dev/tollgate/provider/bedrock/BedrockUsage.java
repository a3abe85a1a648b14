package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.pricing.Usage;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Converse's {@code usage} ({@code inputTokens}, {@code outputTokens}, {@code
 * cacheReadInputTokens}, {@code cacheWriteInputTokens}), which a non-streamed answer carries and a
 * stream's {@code metadata} event: both are read here, so that a stream and the same answer not
 * streamed are billed by the same arithmetic. {@code inputTokens} excludes the cache, as
 * Anthropic's does, so it is {@link Usage#inputTokens()} as sent; Bedrock's cache writes have one
 * lifetime, the 5-minute one. Stateless.
 */
final class BedrockUsage {
  private BedrockUsage() {}

  /** The usage of a {@code usage} object; empty when there is none. */
  static Optional<Usage> read(@Nullable JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return Optional.empty();
    }
    return Optional.of(
        new Usage(
            count(usage, "inputTokens"),
            count(usage, "outputTokens"),
            count(usage, "cacheReadInputTokens"),
            count(usage, "cacheWriteInputTokens"),
            0,
            0,
            0,
            0,
            0,
            0));
  }

  private static long count(JsonNode usage, String field) {
    JsonNode n = usage.path(field);
    return n.canConvertToLong() ? Math.max(0, n.asLong()) : 0;
  }

  /**
   * Writes {@code u} as OpenAI's {@code usage} object, as LiteLLM reports a Converse answer: {@code
   * prompt_tokens} counts every input token, cache reads and writes included, {@code
   * prompt_tokens_details.cached_tokens} the cache reads, and {@code cache_creation_input_tokens}
   * and {@code cache_read_input_tokens} are kept beside them.
   */
  static void writeOpenAi(JsonGenerator g, Usage u) throws IOException {
    long prompt = u.totalInputTokens();
    g.writeObjectFieldStart("usage");
    g.writeNumberField("prompt_tokens", prompt);
    g.writeNumberField("completion_tokens", u.outputTokens());
    g.writeNumberField("total_tokens", prompt + u.outputTokens());
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", u.cacheReadTokens());
    g.writeEndObject();
    g.writeNumberField(
        "cache_creation_input_tokens", u.cacheCreationTokens() + u.cacheCreation1hTokens());
    g.writeNumberField("cache_read_input_tokens", u.cacheReadTokens());
    g.writeEndObject();
  }

  /**
   * Converse's {@code stopReason} as OpenAI's {@code finish_reason}, as LiteLLM maps it: {@code
   * end_turn} and {@code stop_sequence} are {@code stop}, {@code max_tokens} (and {@code
   * model_context_window_exceeded}) {@code length}, {@code tool_use} {@code tool_calls}, {@code
   * content_filtered} and {@code guardrail_intervened} {@code content_filter}; anything else, or
   * none, {@code stop}.
   */
  static String finishReason(@Nullable String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "content_filtered", "guardrail_intervened" -> "content_filter";
      default -> "stop";
    };
  }
}
