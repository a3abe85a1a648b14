package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;

/**
 * Anthropic's Messages API bridged through OpenAI chat, after LiteLLM's {@code /v1/messages}
 * adapter. Stateless; callable from any thread.
 *
 * <p>What becomes of each request field:
 *
 * <ul>
 *   <li>Translated: {@code model}; {@code max_tokens} (required, as Anthropic requires it); {@code
 *       system} as the first, system message; {@code messages} (text, images as {@code image_url}
 *       from base64 or a URL, PDF documents as {@code file} parts and text documents as text,
 *       {@code tool_use} as the assistant's {@code tool_calls}, each {@code tool_result} as a
 *       {@code tool} message ahead of the rest of its user turn, with its images moved into that
 *       user message because chat tool messages hold text only); {@code tools} as function tools;
 *       {@code tool_choice} auto/any/tool/none as auto/required/the named function/none, and its
 *       {@code disable_parallel_tool_use} as {@code parallel_tool_calls: false}; {@code
 *       stop_sequences} as {@code stop}; {@code temperature}, {@code top_p}; {@code
 *       metadata.user_id} as {@code user}; {@code thinking} as {@code reasoning_effort} by
 *       LiteLLM's budget buckets (1024 low, 2048 medium, 4096 high; see {@link
 *       MessagesRequest#effortForBudget}), adaptive thinking as medium, and {@code
 *       output_config.effort} over either; {@code output_config.format} (or the older {@code
 *       output_format}) as a strict json_schema {@code response_format}; {@code stream} as {@code
 *       stream} with {@code stream_options.include_usage}.
 *   <li>Dropped, because chat has nothing for them and leaving them out changes nothing a client
 *       relies on: {@code top_k}; {@code service_tier} (a scheduling hint); {@code cache_control}
 *       at the top and on blocks (prompt caching is the upstream's own); {@code thinking} and
 *       {@code redacted_thinking} blocks in assistant turns (LiteLLM carries them in its own {@code
 *       thinking_blocks} message field, which only its Anthropic-family providers read and OpenAI
 *       rejects); a tool result's {@code is_error}; text citations.
 *   <li>A 400 saying they cannot be bridged, because only Anthropic's servers can honour them:
 *       {@code container}, {@code mcp_servers}, {@code context_management}, {@code inference_geo},
 *       Anthropic's built-in tools (bash, text editor, web search and fetch, code execution,
 *       computer use, memory...), server tool blocks, image and document sources from the Files
 *       API, and document sources by URL or as content blocks.
 *   <li>Anything else: a 400 naming the unknown field.
 * </ul>
 *
 * <p>In the answer, a chat {@code stop} is {@code end_turn}: chat does not say which stop sequence
 * matched, so {@code stop_sequence} is always null. A final assistant turn is sent as an assistant
 * message; chat models answer after it rather than continue it as Anthropic's prefill does.
 */
public final class MessagesDialect implements Dialect {
  @Override
  public Endpoint endpoint() {
    return Endpoint.MESSAGES;
  }

  @Override
  public byte[] toChat(byte[] body) {
    return MessagesRequest.toChat(body, true);
  }

  @Override
  public byte[] fromChat(byte[] chatAnswer, String model) {
    return MessagesAnswer.fromChat(chatAnswer, model);
  }

  @Override
  public StreamEncoder encoder(String model) {
    return new MessagesStream(model);
  }

  @Override
  public byte[] errorBody(GatewayException error) {
    return AnthropicErrors.body(error);
  }

  @Override
  public StreamEncoder passThrough() {
    return PASS_THROUGH;
  }

  /**
   * The chat request whose prompt a {@code /v1/messages/count_tokens} body counts: the same
   * translation as {@link #toChat}, without requiring {@code max_tokens}.
   */
  public static byte[] countTokensToChat(byte[] body) {
    return MessagesRequest.toChat(body, false);
  }

  /** The answer to {@code /v1/messages/count_tokens}: {@code {"input_tokens": N}}. */
  public static byte[] countTokensAnswer(long inputTokens) {
    ObjectNode out = Json.MAPPER.createObjectNode().put("input_tokens", inputTokens);
    return BodyJson.write(out);
  }

  /** Anthropic's own stream, relayed as it is; stateless, so one serves every stream. */
  private static final StreamEncoder PASS_THROUGH =
      new StreamEncoder() {
        @Override
        public Buffer encode(Buffer events) {
          return events;
        }

        @Override
        public Buffer end() {
          return Buffer.buffer();
        }

        @Override
        public Buffer error(GatewayException error) {
          return AnthropicErrors.event(error);
        }
      };
}
