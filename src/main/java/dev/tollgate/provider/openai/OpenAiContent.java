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
            });
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
