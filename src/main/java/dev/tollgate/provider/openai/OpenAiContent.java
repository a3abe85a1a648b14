package dev.tollgate.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.SseFramer;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The text that OpenAI's format carries in a request and in an answer, for counting tokens when the
 * provider reported no usage: what a tokenizer would have seen. Reads JSON trees, so it runs off
 * the event loop (only for requests whose usage must be estimated). Stateless.
 */
public final class OpenAiContent {
  private OpenAiContent() {}

  /** What a request holds for the model to read. */
  public record RequestText(StringBuilder text, int messages, int images) {}

  /**
   * The texts of a request body: message contents (strings and text parts), names, tool calls'
   * names and arguments, and tool definitions as JSON; the prompt of a completion; the input of an
   * embedding. A pre-tokenized prompt's token ids count one short word each. Counts messages and
   * image parts.
   */
  public static RequestText request(byte[] body, Endpoint endpoint) {
    StringBuilder text = new StringBuilder();
    int messages = 0;
    int images = 0;
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      // The parser accepted it on the request path; nothing else to read.
      return new RequestText(text, 0, 0);
    }
    switch (endpoint) {
      case CHAT -> {
        for (JsonNode m : root.path("messages")) {
          messages++;
          strings(m.path("name"), text);
          JsonNode content = m.path("content");
          if (content.isTextual()) {
            line(text, content.asText());
          } else if (content.isArray()) {
            for (JsonNode part : content) {
              if (part.has("image_url") || "image_url".equals(part.path("type").asText())) {
                images++;
              } else {
                strings(part.path("text"), text);
                strings(part.path("refusal"), text);
              }
            }
          }
          toolCalls(m, text);
          strings(m.path("function_call").path("arguments"), text);
        }
        JsonNode tools = root.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
          line(text, tools.toString());
        }
      }
      case COMPLETIONS -> {
        messages = 1;
        strings(root.path("prompt"), text);
      }
      case EMBEDDINGS -> {
        JsonNode input = root.path("input");
        messages = 0;
        strings(input, text);
      }
    }
    return new RequestText(text, messages, images);
  }

  /**
   * The generated text of a stream's events as relayed: each choice's {@code delta.content},
   * reasoning ({@code reasoning_content} or {@code reasoning}), tool calls' names and arguments,
   * and a completion's {@code text}. Output goes to {@code out}, reasoning to {@code reasoning}. An
   * event that is not JSON is skipped.
   */
  public static void streamed(Buffer events, StringBuilder out, StringBuilder reasoning) {
    new SseFramer()
        .feed(
            events,
            event -> {
              String data = SseFramer.data(event);
              if (data.isEmpty() || data.equals("[DONE]")) {
                return;
              }
              JsonNode chunk = tree(data.getBytes(StandardCharsets.UTF_8));
              if (chunk == null) {
                return;
              }
              for (JsonNode choice : chunk.path("choices")) {
                generated(choice.path("delta"), out, reasoning);
                strings(choice.path("text"), out);
              }
              nativeEvent(chunk, out, reasoning);
            });
  }

  /**
   * The generated text of an event that a native pass-through relayed in its own API: Anthropic's
   * {@code content_block_start} and {@code content_block_delta}, and the Responses API's {@code
   * *.delta} events. Without this, a native stream cut before its usage would be estimated at no
   * output at all.
   */
  private static void nativeEvent(JsonNode event, StringBuilder out, StringBuilder reasoning) {
    String type = event.path("type").asText("");
    switch (type) {
      case "content_block_start" -> strings(event.path("content_block").path("name"), out);
      case "content_block_delta" -> {
        JsonNode d = event.path("delta");
        strings(d.path("text"), out);
        strings(d.path("partial_json"), out);
        strings(d.path("thinking"), reasoning);
      }
      case "response.output_text.delta",
          "response.refusal.delta",
          "response.function_call_arguments.delta" ->
          strings(event.path("delta"), out);
      case "response.reasoning_text.delta", "response.reasoning_summary_text.delta" ->
          strings(event.path("delta"), reasoning);
      default -> {
        // not a native event that carries generated text
      }
    }
  }

  /** The generated text of a non-streamed answer, as {@link #streamed} reads a stream's. */
  public static void answer(byte[] body, StringBuilder out, StringBuilder reasoning) {
    JsonNode root = tree(body);
    if (root == null) {
      return;
    }
    for (JsonNode choice : root.path("choices")) {
      generated(choice.path("message"), out, reasoning);
      strings(choice.path("text"), out);
    }
    // A native answer in Anthropic's format (content blocks) or the Responses API's (output items).
    for (JsonNode block : root.path("content")) {
      strings(block.path("text"), out);
      strings(block.path("name"), out);
      if (block.has("input")) {
        out.append(block.path("input")).append('\n');
      }
      strings(block.path("thinking"), reasoning);
    }
    for (JsonNode item : root.path("output")) {
      for (JsonNode part : item.path("content")) {
        strings(part.path("text"), out);
        strings(part.path("refusal"), out);
      }
      strings(item.path("name"), out);
      strings(item.path("arguments"), out);
      for (JsonNode s : item.path("summary")) {
        strings(s.path("text"), reasoning);
      }
    }
  }

  private static void generated(JsonNode m, StringBuilder out, StringBuilder reasoning) {
    strings(m.path("content"), out);
    strings(m.path("refusal"), out);
    strings(m.path("reasoning_content"), reasoning);
    strings(m.path("reasoning"), reasoning);
    toolCalls(m, out);
    strings(m.path("function_call").path("name"), out);
    strings(m.path("function_call").path("arguments"), out);
  }

  /** The names and arguments of a message's tool calls. */
  private static void toolCalls(JsonNode m, StringBuilder out) {
    for (JsonNode call : m.path("tool_calls")) {
      strings(call.path("function").path("name"), out);
      strings(call.path("function").path("arguments"), out);
    }
  }

  private static @Nullable JsonNode tree(byte[] json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      return null;
    }
  }

  /** Appends every string in {@code n} (a string, or strings nested in arrays); a number as one. */
  private static void strings(JsonNode n, StringBuilder out) {
    if (n.isTextual()) {
      out.append(n.asText());
    } else if (n.isArray()) {
      for (JsonNode e : n) {
        if (e.isNumber()) {
          // A token id of a pre-tokenized prompt: one token, written as one short word.
          out.append(" x");
        } else {
          strings(e, out);
          out.append('\n');
        }
      }
    }
  }

  private static void line(StringBuilder out, String s) {
    out.append(s).append('\n');
  }
}
