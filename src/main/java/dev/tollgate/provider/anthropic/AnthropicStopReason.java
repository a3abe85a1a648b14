package dev.tollgate.provider.anthropic;

import org.jspecify.annotations.Nullable;

/** Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}, as LiteLLM maps it. */
final class AnthropicStopReason {
  private AnthropicStopReason() {}

  /**
   * {@code end_turn}, {@code stop_sequence} and {@code pause_turn} (a server tool's long turn,
   * which the client continues) are {@code stop}; {@code max_tokens} and {@code
   * model_context_window_exceeded} are {@code length}; {@code tool_use} is {@code tool_calls};
   * {@code refusal} is {@code content_filter}. Anything else, or none, is {@code stop}.
   */
  static String finishReason(@Nullable String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }
}
