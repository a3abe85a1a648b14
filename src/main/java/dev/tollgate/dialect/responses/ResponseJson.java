package dev.tollgate.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The Responses API's objects, as the answer and the stream both build them: the {@code response},
 * its output items and its usage. Stateless.
 */
final class ResponseJson {
  private ResponseJson() {}

  /**
   * A {@code response} object. The request's settings are not known here, so the fields that echo
   * them carry the API's defaults or null; the fields OpenAI's SDKs require are all present.
   */
  static ObjectNode response(
      String id,
      long createdAt,
      String model,
      String status,
      @Nullable String incompleteReason,
      ArrayNode output,
      @Nullable JsonNode usage,
      @Nullable JsonNode error) {
    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
    r.put("background", false);
    r.set("error", error == null ? r.nullNode() : error);
    if (incompleteReason == null) {
      r.putNull("incomplete_details");
    } else {
      r.putObject("incomplete_details").put("reason", incompleteReason);
    }
    r.putNull("instructions").putNull("max_output_tokens").put("model", model);
    r.set("output", output);
    r.put("parallel_tool_calls", true).putNull("previous_response_id");
    r.putObject("reasoning").putNull("effort").putNull("summary");
    r.put("store", false).putNull("temperature");
    r.putObject("text").putObject("format").put("type", "text");
    r.put("tool_choice", "auto");
    r.putArray("tools");
    r.putNull("top_p").put("truncation", "disabled");
    r.set("usage", usage == null ? r.nullNode() : usage);
    r.putNull("user");
    r.putObject("metadata");
    return r;
  }

  /**
   * A chat usage object in the Responses API's terms: both count cached tokens (read, and written,
   * which OpenAI's SDK requires) inside the input tokens and reasoning tokens inside the output.
   */
  static ObjectNode usage(JsonNode chat) {
    long input = count(chat.get("prompt_tokens"));
    long output = count(chat.get("completion_tokens"));
    JsonNode details = chat.path("prompt_tokens_details");
    ObjectNode u = Json.MAPPER.createObjectNode().put("input_tokens", input);
    u.putObject("input_tokens_details")
        .put("cached_tokens", Math.min(input, count(details.get("cached_tokens"))))
        .put("cache_write_tokens", Math.min(input, count(details.get("cache_write_tokens"))));
    u.put("output_tokens", output);
    u.putObject("output_tokens_details")
        .put(
            "reasoning_tokens",
            Math.min(
                output, count(chat.path("completion_tokens_details").get("reasoning_tokens"))));
    u.put("total_tokens", input + output);
    return u;
  }

  static ObjectNode message(String id, String status, ArrayNode content) {
    ObjectNode m = Json.MAPPER.createObjectNode().put("type", "message").put("id", id);
    m.put("status", status).put("role", "assistant").set("content", content);
    return m;
  }

  static ObjectNode outputText(String text) {
    ObjectNode part = Json.MAPPER.createObjectNode().put("type", "output_text").put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  static ObjectNode refusal(String text) {
    return Json.MAPPER.createObjectNode().put("type", "refusal").put("refusal", text);
  }

  static ObjectNode functionCall(
      String id, String callId, String name, String arguments, String status) {
    return Json.MAPPER
        .createObjectNode()
        .put("type", "function_call")
        .put("id", id)
        .put("call_id", callId)
        .put("name", name)
        .put("arguments", arguments)
        .put("status", status);
  }

  /** A reasoning item whose one summary part is the chat's reasoning text. */
  static ObjectNode reasoning(String id, String text) {
    ObjectNode r = Json.MAPPER.createObjectNode().put("type", "reasoning").put("id", id);
    r.putArray("summary").add(summaryText(text));
    return r;
  }

  static ObjectNode summaryText(String text) {
    return Json.MAPPER.createObjectNode().put("type", "summary_text").put("text", text);
  }

  /** The response's {@code incomplete_details.reason} for a chat finish reason, or null. */
  static @Nullable String incompleteReason(@Nullable String finishReason) {
    if ("length".equals(finishReason)) {
      return "max_output_tokens";
    }
    return "content_filter".equals(finishReason) ? "content_filter" : null;
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

  /**
   * An id with {@code prefix} made from a chat id: its letters, digits, '_' and '-' past OpenAI's
   * {@code chatcmpl-}, or random ones when none are left.
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

  private static long count(@Nullable JsonNode n) {
    return n != null && n.isIntegralNumber() ? Math.max(0, n.asLong()) : 0;
  }
}
