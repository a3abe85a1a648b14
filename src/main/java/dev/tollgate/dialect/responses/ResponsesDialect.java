package dev.tollgate.dialect.responses;

import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.provider.Endpoint;
import java.time.Clock;
import java.util.Objects;

/**
 * OpenAI's Responses API bridged through OpenAI chat, after LiteLLM's responses-to-chat bridge.
 * Stateless; callable from any thread. The clock dates a response only when the chat answer has no
 * {@code created}.
 *
 * <p>What becomes of each request field:
 *
 * <ul>
 *   <li>Translated: {@code model}; {@code instructions} as the first, system message; {@code input}
 *       as a string (one user message) or items: messages of role user, assistant, system or
 *       developer (as system, which every chat model takes) with string content or input_text,
 *       output_text, refusal and input_image (by URL or data URL) parts; each {@code function_call}
 *       joins the assistant message before it as a tool call; each {@code function_call_output} is
 *       a tool message; {@code reasoning} items are dropped, as LiteLLM does. {@code tools} of type
 *       function as chat function tools; {@code tool_choice} (none, auto, required, a function,
 *       allowed_tools of functions); {@code max_output_tokens} as {@code max_tokens}; {@code
 *       text.format} (json_schema, json_object) as {@code response_format} and {@code
 *       text.verbosity} as {@code verbosity}; {@code reasoning.effort} as {@code reasoning_effort};
 *       {@code stream} with {@code stream_options.include_usage}.
 *   <li>Carried as they are: {@code temperature}, {@code top_p}, {@code user}, {@code
 *       parallel_tool_calls}, {@code prompt_cache_key}, {@code prompt_cache_retention}, {@code
 *       safety_identifier}, {@code service_tier}.
 *   <li>Dropped: {@code store} (the bridge stores nothing, whatever the client asks; LiteLLM
 *       ignores it too, and a later {@code previous_response_id} is refused below); {@code
 *       metadata} (OpenAI's chat endpoint refuses metadata unless it stores the completion, and the
 *       bridge does not ask it to); {@code include} (extra output such as encrypted reasoning,
 *       which a chat upstream cannot give; Codex always sends it); {@code stream_options}; {@code
 *       truncation}; {@code top_logprobs}; {@code max_tool_calls} (it counts built-in tool calls,
 *       which are refused); {@code reasoning.summary}.
 *   <li>A 400 saying they cannot be bridged: {@code previous_response_id}, {@code conversation},
 *       {@code background: true}, {@code prompt}, {@code context_management}, built-in tools
 *       (web_search, file_search, code_interpreter, computer_use, image_generation, mcp, custom...)
 *       and their tool_choice and items, {@code item_reference} items, input_file and input_audio
 *       parts, images by file_id, and non-text function call outputs.
 *   <li>Anything else: a 400 naming the unknown field.
 * </ul>
 *
 * <p>The {@code response} echoes none of the request's settings ({@link Dialect#fromChat} is given
 * only the model): instructions, temperature, tools and the like carry the API's defaults or null.
 */
public final class ResponsesDialect implements Dialect {
  private final Clock clock;

  public ResponsesDialect(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Endpoint endpoint() {
    return Endpoint.RESPONSES;
  }

  @Override
  public byte[] toChat(byte[] body) {
    return ResponsesRequest.toChat(body);
  }

  @Override
  public byte[] fromChat(byte[] chatAnswer, String model) {
    return ResponsesAnswer.fromChat(chatAnswer, model, clock);
  }

  @Override
  public StreamEncoder encoder(String model) {
    return new ResponsesStream(model, clock);
  }

  /** OpenAI's error shape, as the Responses API answers errors. */
  @Override
  public byte[] errorBody(GatewayException error) {
    return Errors.body(error);
  }

  @Override
  public StreamEncoder passThrough() {
    return new ResponsesErrors.PassThrough();
  }
}
