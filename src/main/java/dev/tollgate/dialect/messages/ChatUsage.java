package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An OpenAI chat {@code usage} object in Anthropic's terms: Anthropic's {@code input_tokens}
 * excludes the tokens read from and written to the prompt cache, which OpenAI's {@code
 * prompt_tokens} includes.
 *
 * @param input uncached input tokens
 * @param output all output tokens
 * @param cacheRead input tokens read from the prompt cache
 * @param cacheCreation input tokens written to the prompt cache
 */
record ChatUsage(long input, long output, long cacheRead, long cacheCreation) {

  /**
   * Reads a chat usage object. Cache reads are {@code prompt_tokens_details.cached_tokens} (or
   * LiteLLM's top-level {@code cache_read_input_tokens}); cache writes are LiteLLM's top-level
   * {@code cache_creation_input_tokens} (or {@code prompt_tokens_details.cache_creation_tokens}).
   */
  static ChatUsage of(JsonNode usage) {
    long prompt = count(usage.get("prompt_tokens"));
    JsonNode details = usage.path("prompt_tokens_details");
    long read = count(usage.get("cache_read_input_tokens"));
    if (read == 0) {
      read = count(details.get("cached_tokens"));
    }
    long created = count(usage.get("cache_creation_input_tokens"));
    if (created == 0) {
      created = count(details.get("cache_creation_tokens"));
    }
    read = Math.min(read, prompt);
    created = Math.min(created, prompt - read);
    return new ChatUsage(
        prompt - read - created, count(usage.get("completion_tokens")), read, created);
  }

  /** Anthropic's usage object, with the cache counts. */
  ObjectNode write(ObjectNode into) {
    return into.put("input_tokens", input)
        .put("cache_creation_input_tokens", cacheCreation)
        .put("cache_read_input_tokens", cacheRead)
        .put("output_tokens", output);
  }

  private static long count(@org.jspecify.annotations.Nullable JsonNode n) {
    return n != null && n.isIntegralNumber() ? Math.max(0, n.asLong()) : 0;
  }
}
