package dev.tollgate.pricing;

/**
 * What one request consumed, normalised across providers so that no unit is counted twice.
 *
 * <p>The token fields are disjoint: {@code inputTokens} excludes cached-read and cache-creation
 * tokens (OpenAI's {@code prompt_tokens} minus {@code cached_tokens}; Anthropic's {@code
 * input_tokens} as sent), and {@code outputTokens} includes reasoning and audio output tokens,
 * which are split out only to be priced at their own rate when one exists. Provider adapters do the
 * normalising; pricing trusts it.
 *
 * @param inputTokens uncached text input tokens
 * @param outputTokens all output tokens, reasoning and audio included
 * @param cacheReadTokens input tokens read from the prompt cache
 * @param cacheCreationTokens input tokens written to the 5-minute prompt cache
 * @param cacheCreation1hTokens input tokens written to the 1-hour prompt cache
 * @param reasoningTokens the part of {@code outputTokens} that was reasoning
 * @param audioInputTokens the part of {@code inputTokens} that was audio
 * @param audioOutputTokens the part of {@code outputTokens} that was audio
 * @param images images produced (or consumed, for per-image input pricing)
 * @param millis billed duration in milliseconds, for per-second pricing
 * @param inputCharacters characters of prompt text, for per-character pricing
 * @param outputCharacters characters of completion text, for per-character pricing
 * @param queries queries (searches, reranks: one a request), for per-query pricing
 */
public record Usage(
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheCreationTokens,
    long cacheCreation1hTokens,
    long reasoningTokens,
    long audioInputTokens,
    long audioOutputTokens,
    long images,
    long millis,
    long inputCharacters,
    long outputCharacters,
    long queries) {

  /** No usage at all. */
  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** Usage in tokens, images and time, with no characters or queries counted. */
  public Usage(
      long inputTokens,
      long outputTokens,
      long cacheReadTokens,
      long cacheCreationTokens,
      long cacheCreation1hTokens,
      long reasoningTokens,
      long audioInputTokens,
      long audioOutputTokens,
      long images,
      long millis) {
    this(
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        cacheCreation1hTokens,
        reasoningTokens,
        audioInputTokens,
        audioOutputTokens,
        images,
        millis,
        0,
        0,
        0);
  }

  public Usage {
    if (inputTokens < 0
        || outputTokens < 0
        || cacheReadTokens < 0
        || cacheCreationTokens < 0
        || cacheCreation1hTokens < 0
        || reasoningTokens < 0
        || audioInputTokens < 0
        || audioOutputTokens < 0
        || images < 0
        || millis < 0
        || inputCharacters < 0
        || outputCharacters < 0
        || queries < 0) {
      throw new IllegalArgumentException("usage counts must not be negative");
    }
  }

  /** Plain text usage: input and output tokens only. */
  public static Usage tokens(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, outputTokens, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** This usage with the units a gateway measures itself, for prices that count them. */
  public Usage withMeasured(
      long images, long millis, long inputCharacters, long outputCharacters, long queries) {
    return new Usage(
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        cacheCreation1hTokens,
        reasoningTokens,
        audioInputTokens,
        audioOutputTokens,
        images,
        millis,
        inputCharacters,
        outputCharacters,
        queries);
  }

  /** Every input token the provider processed, cached or not; long-context tiers key on this. */
  public long totalInputTokens() {
    return inputTokens + cacheReadTokens + cacheCreationTokens + cacheCreation1hTokens;
  }
}
