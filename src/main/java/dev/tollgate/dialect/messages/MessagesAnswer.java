package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import java.io.IOException;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** An OpenAI {@code chat.completion} as an Anthropic {@code message}. Stateless. */
final class MessagesAnswer {
  private MessagesAnswer() {}

  static byte[] fromChat(byte[] chatAnswer, String model) {
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(chatAnswer);
    } catch (IOException e) {
      throw GatewayException.badGateway("the upstream's chat answer is not JSON", e);
    }
    if (answer == null || !answer.isObject()) {
      throw GatewayException.badGateway("the upstream's chat answer is not a JSON object", null);
    }
    JsonNode choice = answer.path("choices").path(0);
    JsonNode message = choice.path("message");

    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("id", id("msg_", answer.path("id").asText("")));
    out.put("type", "message").put("role", "assistant").put("model", model);
    ArrayNode content = out.putArray("content");
    String reasoning = reasoningText(message);
    if (!reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    JsonNode calls = message.path("tool_calls");
    boolean hasCalls = calls.isArray() && !calls.isEmpty();
    String refusal = message.path("refusal").isTextual() ? message.get("refusal").textValue() : "";
    @Nullable String text = contentText(message.get("content"));
    if (text != null && (!text.isEmpty() || !hasCalls)) {
      content.addObject().put("type", "text").put("text", text);
    }
    if (!refusal.isEmpty()) {
      content.addObject().put("type", "text").put("text", refusal);
    }
    if (hasCalls) {
      for (JsonNode call : calls) {
        JsonNode function = call.path("function");
        content
            .addObject()
            .put("type", "tool_use")
            .put("id", call.path("id").asText(""))
            .put("name", function.path("name").asText(""))
            .set("input", input(function.path("arguments").asText("")));
      }
    }
    String stop = stopReason(choice.path("finish_reason").asText(null), hasCalls);
    out.put("stop_reason", refusal.isEmpty() ? stop : "refusal");
    out.putNull("stop_sequence");
    JsonNode usage = answer.get("usage");
    ChatUsage u =
        usage != null && usage.isObject() ? ChatUsage.of(usage) : new ChatUsage(0, 0, 0, 0);
    u.write(out.putObject("usage"));
    return BodyJson.write(out);
  }

  /**
   * Anthropic's stop reason for a chat finish reason. A chat answer that called tools but says
   * "stop" (some providers do) still ends in tool_use, which is what Anthropic clients loop on.
   */
  static String stopReason(@Nullable String finishReason, boolean calledTools) {
    if (finishReason == null) {
      return calledTools ? "tool_use" : "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> calledTools ? "tool_use" : "end_turn";
    };
  }

  /**
   * A tool call's arguments as the tool_use input. Arguments that are not a JSON object (a call cut
   * off by max_tokens) become {@code {}}, which is what Anthropic's SDKs make of the same arguments
   * when they arrive streamed.
   */
  static JsonNode input(String arguments) {
    try {
      JsonNode parsed = Json.MAPPER.readTree(arguments);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (IOException e) {
      // not JSON: fall through to {}
    }
    return Json.MAPPER.createObjectNode();
  }

  /**
   * The reasoning text of a chat message or delta: {@code reasoning_content}, or {@code reasoning}.
   */
  static String reasoningText(JsonNode messageOrDelta) {
    JsonNode r = messageOrDelta.get("reasoning_content");
    if (r == null || !r.isTextual()) {
      r = messageOrDelta.get("reasoning");
    }
    return r != null && r.isTextual() ? r.textValue() : "";
  }

  /** A chat message's content as text: a string, or the text of its text parts; null if none. */
  static @Nullable String contentText(@Nullable JsonNode content) {
    if (content == null || content.isNull()) {
      return null;
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
        text.append(part.get("text").textValue());
      }
    }
    return text.toString();
  }

  /**
   * An id with {@code prefix} made from the chat answer's id: its characters past OpenAI's {@code
   * chatcmpl-} that Anthropic allows in ids, or random ones when none are left.
   */
  static String id(String prefix, String chatId) {
    String base = chatId.startsWith("chatcmpl-") ? chatId.substring("chatcmpl-".length()) : chatId;
    StringBuilder id = new StringBuilder(prefix);
    for (int i = 0; i < base.length(); i++) {
      char c = base.charAt(i);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '-') {
        id.append(c);
      }
    }
    if (id.length() == prefix.length()) {
      id.append(UUID.randomUUID().toString().replace("-", ""));
    }
    return id.toString();
  }
}
