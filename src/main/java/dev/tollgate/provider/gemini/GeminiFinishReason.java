package dev.tollgate.provider.gemini;

import org.jspecify.annotations.Nullable;

/**
 * A candidate's {@code finishReason} as OpenAI's {@code finish_reason}, as LiteLLM maps it: {@code
 * STOP} is {@code stop} ({@code tool_calls} when the candidate called a function), {@code
 * MAX_TOKENS} {@code length}, and every reason that says the output was blocked ({@code SAFETY},
 * {@code RECITATION}, {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}, {@code SPII}, {@code
 * IMAGE_SAFETY}, {@code IMAGE_PROHIBITED_CONTENT}) {@code content_filter}; anything else {@code
 * stop}. Stateless.
 */
final class GeminiFinishReason {
  private GeminiFinishReason() {}

  static String finishReason(@Nullable String reason, boolean calledFunctions) {
    if (reason == null) {
      return calledFunctions ? "tool_calls" : "stop";
    }
    return switch (reason) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY",
          "RECITATION",
          "BLOCKLIST",
          "PROHIBITED_CONTENT",
          "SPII",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT" ->
          "content_filter";
      default -> calledFunctions ? "tool_calls" : "stop";
    };
  }
}
