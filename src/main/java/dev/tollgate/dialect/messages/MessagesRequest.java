package dev.tollgate.dialect.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An Anthropic Messages request as an OpenAI chat request; see {@link MessagesDialect} for what
 * becomes of each field. Validates what it reads, with a 400 naming the field. Stateless.
 */
final class MessagesRequest {
  private MessagesRequest() {}

  /**
   * Top-level fields that are translated, or dropped because they change nothing in a bridge. A
   * body for Claude on Vertex AI ({@code rawPredict}) or Bedrock ({@code invoke}) names its API
   * version in {@code anthropic_version}, which says nothing to chat.
   */
  private static final Set<String> KNOWN =
      Set.of(
          "model",
          "anthropic_version",
          "messages",
          "max_tokens",
          "system",
          "metadata",
          "stop_sequences",
          "stream",
          "temperature",
          "top_p",
          "top_k",
          "tools",
          "tool_choice",
          "thinking",
          "output_config",
          "output_format",
          "service_tier",
          "cache_control");

  /** Documented fields that ask for something only Anthropic's own servers do, and why. */
  private static final Map<String, String> UNBRIDGEABLE =
      Map.of(
          "container", "a code-execution container runs only on Anthropic's servers",
          "mcp_servers", "the MCP connector runs only on Anthropic's servers",
          "context_management", "context editing runs only on Anthropic's servers",
          "inference_geo", "the chat deployment cannot promise where inference runs");

  /** LiteLLM's thinking budget thresholds for reasoning_effort low, medium and high. */
  private static final long LOW_BUDGET = 1024;

  private static final long MEDIUM_BUDGET = 2048;
  private static final long HIGH_BUDGET = 4096;

  /**
   * The chat request for a Messages request, or for a count_tokens request when {@code
   * maxTokensRequired} is false.
   */
  static byte[] toChat(byte[] body, boolean maxTokensRequired) {
    JsonNode root = BodyJson.parse(body);
    if (!root.isObject()) {
      throw BodyJson.bad(null, "request body must be a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      String why = UNBRIDGEABLE.get(name);
      if (why != null && !root.get(name).isNull()) {
        throw BodyJson.bad(
            name,
            "'"
                + name
                + "' cannot be bridged to a model served through OpenAI chat completions: "
                + why);
      }
      if (why == null && !KNOWN.contains(name)) {
        throw BodyJson.bad(
            name, "unknown field '" + name + "': Anthropic's Messages API has no such field");
      }
    }
    ObjectNode chat = Json.MAPPER.createObjectNode();
    chat.put("model", requiredString(root, "model"));
    ArrayNode messages = chat.putArray("messages");
    system(root.get("system"), messages);
    messages(root.get("messages"), messages);

    JsonNode maxTokens = BodyJson.present(root, "max_tokens");
    if (maxTokens != null) {
      if (!maxTokens.canConvertToLong()
          || !maxTokens.isIntegralNumber()
          || maxTokens.asLong() < 1) {
        throw BodyJson.bad("max_tokens", "'max_tokens' must be a positive integer");
      }
      chat.put("max_tokens", maxTokens.asLong());
    } else if (maxTokensRequired) {
      throw BodyJson.bad(
          "max_tokens", "'max_tokens' is required: the most tokens the answer may have");
    }
    JsonNode temperature = number(root, "temperature");
    if (temperature != null) {
      chat.set("temperature", temperature);
    }
    JsonNode topP = number(root, "top_p");
    if (topP != null) {
      chat.set("top_p", topP);
    }
    number(root, "top_k"); // validated, then dropped: chat has no top_k
    stopSequences(root, chat);
    metadata(root, chat);
    tools(root, chat);
    toolChoice(root, chat);
    reasoning(root, chat);
    responseFormat(root, chat);
    BodyJson.stream(root, chat);
    return BodyJson.write(chat);
  }

  private static void system(@Nullable JsonNode system, ArrayNode out) {
    if (system == null || system.isNull()) {
      return;
    }
    if (system.isTextual()) {
      if (!system.textValue().isEmpty()) {
        out.addObject().put("role", "system").put("content", system.textValue());
      }
      return;
    }
    if (!system.isArray()) {
      throw BodyJson.bad("system", "'system' must be a string or an array of text blocks");
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    for (int i = 0; i < system.size(); i++) {
      String at = "system[" + i + "]";
      JsonNode block = system.get(i);
      String type = blockType(block, at);
      if (!type.equals("text")) {
        throw BodyJson.bad(at + ".type", "'" + at + "' must be a text block, not '" + type + "'");
      }
      parts.addObject().put("type", "text").put("text", BodyJson.requiredString(block, "text", at));
    }
    if (!parts.isEmpty()) {
      out.addObject().put("role", "system").set("content", collapse(parts));
    }
  }

  private static void messages(@Nullable JsonNode list, ArrayNode out) {
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw BodyJson.bad(
          "messages", "'messages' must be a non-empty array of {role, content} objects");
    }
    for (int i = 0; i < list.size(); i++) {
      String at = "messages[" + i + "]";
      JsonNode m = list.get(i);
      if (!m.isObject()) {
        throw BodyJson.bad(at, "'" + at + "' must be an object with 'role' and 'content'");
      }
      String role = BodyJson.requiredString(m, "role", at);
      JsonNode content = m.get("content");
      boolean last = i == list.size() - 1;
      if (content == null
          || !(content.isTextual() || content.isArray())
          || (content.isArray() && content.isEmpty() && !(last && role.equals("assistant")))) {
        throw BodyJson.bad(
            at + ".content",
            "'" + at + ".content' must be a string or a non-empty array of content blocks");
      }
      switch (role) {
        case "user" -> user(content, at, out);
        case "assistant" -> assistant(content, at, out);
        default ->
            throw BodyJson.bad(
                at + ".role",
                "'"
                    + at
                    + ".role' must be 'user' or 'assistant', not '"
                    + role
                    + "'; a system prompt goes in the top-level 'system'");
      }
    }
  }

  /**
   * A user turn: its tool results become tool messages, first and in order, then the rest of the
   * turn one user message. Chat tool messages carry text only, so the images of a tool result go at
   * the head of that user message.
   */
  private static void user(JsonNode content, String at, ArrayNode out) {
    if (content.isTextual()) {
      out.addObject().put("role", "user").put("content", content.textValue());
      return;
    }
    List<ObjectNode> toolMessages = new ArrayList<>();
    ArrayNode toolImages = Json.MAPPER.createArrayNode();
    ArrayNode parts = Json.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      String bat = at + ".content[" + j + "]";
      JsonNode block = content.get(j);
      String type = blockType(block, bat);
      switch (type) {
        case "text" -> parts.addObject().put("type", "text").put("text", text(block, bat));
        case "image" -> parts.add(image(block, bat));
        case "document" -> parts.add(document(block, bat));
        case "tool_result" -> toolMessages.add(toolResult(block, bat, toolImages));
        case "tool_use", "thinking", "redacted_thinking" ->
            throw BodyJson.bad(
                bat + ".type",
                "'" + bat + "' is a '" + type + "' block, which only an assistant turn may hold");
        default -> throw unsupportedBlock(type, bat);
      }
    }
    out.addAll(toolMessages);
    ArrayNode all = Json.MAPPER.createArrayNode().addAll(toolImages).addAll(parts);
    if (!all.isEmpty()) {
      out.addObject().put("role", "user").set("content", collapse(all));
    }
  }

  private static ObjectNode toolResult(JsonNode block, String at, ArrayNode images) {
    String id = BodyJson.requiredString(block, "tool_use_id", at);
    JsonNode content = block.get("content");
    StringBuilder text = new StringBuilder();
    if (content != null && content.isTextual()) {
      text.append(content.textValue());
    } else if (content != null && content.isArray()) {
      for (int k = 0; k < content.size(); k++) {
        String cat = at + ".content[" + k + "]";
        JsonNode part = content.get(k);
        String type = blockType(part, cat);
        switch (type) {
          case "text" -> {
            if (!text.isEmpty()) {
              text.append('\n');
            }
            text.append(text(part, cat));
          }
          case "image" -> images.add(image(part, cat));
          default -> throw unsupportedBlock(type, cat);
        }
      }
    } else if (content != null && !content.isNull()) {
      throw BodyJson.bad(
          at + ".content", "'" + at + ".content' must be a string or an array of blocks");
    }
    ObjectNode message = Json.MAPPER.createObjectNode();
    message.put("role", "tool").put("tool_call_id", id).put("content", text.toString());
    return message;
  }

  /** An assistant turn: its text, and its tool uses as tool calls; thinking is dropped. */
  private static void assistant(JsonNode content, String at, ArrayNode out) {
    if (content.isTextual()) {
      out.addObject().put("role", "assistant").put("content", content.textValue());
      return;
    }
    StringBuilder text = new StringBuilder();
    boolean hasText = false;
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      String bat = at + ".content[" + j + "]";
      JsonNode block = content.get(j);
      String type = blockType(block, bat);
      switch (type) {
        case "text" -> {
          text.append(text(block, bat));
          hasText = true;
        }
        case "tool_use" -> {
          JsonNode input = block.get("input");
          if (input == null || !input.isObject()) {
            throw BodyJson.bad(bat + ".input", "'" + bat + ".input' must be an object");
          }
          ObjectNode call = calls.addObject();
          call.put("id", BodyJson.requiredString(block, "id", bat)).put("type", "function");
          call.putObject("function")
              .put("name", BodyJson.requiredString(block, "name", bat))
              .put("arguments", new String(BodyJson.write(input), StandardCharsets.UTF_8));
        }
        case "thinking", "redacted_thinking" -> {
          // Dropped: chat has no field for them (see MessagesDialect).
        }
        case "image", "document", "tool_result" ->
            throw BodyJson.bad(
                bat + ".type",
                "'" + bat + "' is a '" + type + "' block, which only a user turn may hold");
        default -> throw unsupportedBlock(type, bat);
      }
    }
    if (!hasText && calls.isEmpty()) {
      return;
    }
    ObjectNode message = out.addObject().put("role", "assistant");
    if (hasText || calls.isEmpty()) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
  }

  private static ObjectNode image(JsonNode block, String at) {
    JsonNode source = block.get("source");
    if (source == null || !source.isObject()) {
      throw BodyJson.bad(at + ".source", "'" + at + ".source' must be an object");
    }
    String sat = at + ".source";
    String url =
        switch (BodyJson.requiredString(source, "type", sat)) {
          case "base64" ->
              "data:"
                  + BodyJson.requiredString(source, "media_type", sat)
                  + ";base64,"
                  + BodyJson.requiredString(source, "data", sat);
          case "url" -> BodyJson.requiredString(source, "url", sat);
          case "file" ->
              throw BodyJson.bad(
                  sat + ".type",
                  "'" + sat + "' refers to Anthropic's Files API, which a bridge cannot read");
          default ->
              throw BodyJson.bad(
                  sat + ".type", "'" + sat + ".type' must be 'base64', 'url' or 'file'");
        };
    ObjectNode part = Json.MAPPER.createObjectNode().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  /** A PDF as a chat file part, plain text as a text part; other sources cannot be bridged. */
  private static ObjectNode document(JsonNode block, String at) {
    JsonNode source = block.get("source");
    if (source == null || !source.isObject()) {
      throw BodyJson.bad(at + ".source", "'" + at + ".source' must be an object");
    }
    String sat = at + ".source";
    String type = BodyJson.requiredString(source, "type", sat);
    switch (type) {
      case "base64" -> {
        String media = BodyJson.requiredString(source, "media_type", sat);
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", "file");
        JsonNode title = block.get("title");
        part.putObject("file")
            .put(
                "filename", title != null && title.isTextual() ? title.textValue() : "document.pdf")
            .put(
                "file_data",
                "data:" + media + ";base64," + BodyJson.requiredString(source, "data", sat));
        return part;
      }
      case "text" -> {
        return Json.MAPPER
            .createObjectNode()
            .put("type", "text")
            .put("text", BodyJson.requiredString(source, "data", sat));
      }
      default ->
          throw BodyJson.bad(
              sat + ".type",
              "a document source of type '"
                  + type
                  + "' cannot be bridged to chat completions; send the PDF as base64 or the text"
                  + " as a text source");
    }
  }

  private static void stopSequences(JsonNode root, ObjectNode chat) {
    JsonNode stop = BodyJson.present(root, "stop_sequences");
    if (stop == null) {
      return;
    }
    if (!stop.isArray()) {
      throw BodyJson.bad("stop_sequences", "'stop_sequences' must be an array of strings");
    }
    for (int i = 0; i < stop.size(); i++) {
      if (!stop.get(i).isTextual()) {
        throw BodyJson.bad(
            "stop_sequences[" + i + "]", "'stop_sequences' must be an array of strings");
      }
    }
    if (!stop.isEmpty()) {
      chat.set("stop", stop);
    }
  }

  private static void metadata(JsonNode root, ObjectNode chat) {
    JsonNode metadata = BodyJson.present(root, "metadata");
    if (metadata == null) {
      return;
    }
    if (!metadata.isObject()) {
      throw BodyJson.bad("metadata", "'metadata' must be an object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("user_id")) {
        throw BodyJson.bad(
            "metadata." + e.getKey(),
            "unknown field 'metadata." + e.getKey() + "': Anthropic's metadata has only user_id");
      }
      if (e.getValue().isTextual()) {
        chat.put("user", e.getValue().textValue());
      } else if (!e.getValue().isNull()) {
        throw BodyJson.bad("metadata.user_id", "'metadata.user_id' must be a string");
      }
    }
  }

  private static void tools(JsonNode root, ObjectNode chat) {
    JsonNode tools = BodyJson.present(root, "tools");
    if (tools == null) {
      return;
    }
    if (!tools.isArray()) {
      throw BodyJson.bad("tools", "'tools' must be an array");
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (int i = 0; i < tools.size(); i++) {
      String at = "tools[" + i + "]";
      JsonNode tool = tools.get(i);
      if (!tool.isObject()) {
        throw BodyJson.bad(at, "'" + at + "' must be an object");
      }
      JsonNode type = tool.get("type");
      if (type != null && !type.isNull() && !"custom".equals(type.asText())) {
        throw BodyJson.bad(
            at + ".type",
            "'"
                + at
                + "' is Anthropic's built-in tool '"
                + type.asText()
                + "', which cannot be bridged to chat completions; declare it as a custom tool"
                + " with an input_schema");
      }
      JsonNode schema = tool.get("input_schema");
      if (schema == null || !schema.isObject()) {
        throw BodyJson.bad(
            at + ".input_schema", "'" + at + ".input_schema' must be a JSON schema object");
      }
      ObjectNode function = out.addObject().put("type", "function").putObject("function");
      function.put("name", BodyJson.requiredString(tool, "name", at));
      JsonNode description = tool.get("description");
      if (description != null && description.isTextual()) {
        function.put("description", description.textValue());
      }
      function.set("parameters", schema);
      JsonNode strict = tool.get("strict");
      if (strict != null && strict.isBoolean()) {
        function.put("strict", strict.booleanValue());
      }
    }
    if (!out.isEmpty()) {
      chat.set("tools", out);
    }
  }

  private static void toolChoice(JsonNode root, ObjectNode chat) {
    JsonNode choice = BodyJson.present(root, "tool_choice");
    if (choice == null) {
      return;
    }
    if (!choice.isObject()) {
      throw BodyJson.bad("tool_choice", "'tool_choice' must be an object with a 'type'");
    }
    String type = BodyJson.requiredString(choice, "type", "tool_choice");
    switch (type) {
      case "auto" -> chat.put("tool_choice", "auto");
      case "any" -> chat.put("tool_choice", "required");
      case "none" -> chat.put("tool_choice", "none");
      case "tool" -> {
        ObjectNode named = chat.putObject("tool_choice").put("type", "function");
        named
            .putObject("function")
            .put("name", BodyJson.requiredString(choice, "name", "tool_choice"));
      }
      default ->
          throw BodyJson.bad(
              "tool_choice.type",
              "'tool_choice.type' must be 'auto', 'any', 'tool' or 'none', not '" + type + "'");
    }
    JsonNode noParallel = choice.get("disable_parallel_tool_use");
    if (noParallel != null && noParallel.asBoolean(false) && !type.equals("none")) {
      chat.put("parallel_tool_calls", false);
    }
  }

  /** {@code output_config.effort}, else the thinking budget, as reasoning_effort. */
  private static void reasoning(JsonNode root, ObjectNode chat) {
    @Nullable String effort = null;
    JsonNode thinking = BodyJson.present(root, "thinking");
    if (thinking != null) {
      if (!thinking.isObject()) {
        throw BodyJson.bad("thinking", "'thinking' must be an object with a 'type'");
      }
      String type = BodyJson.requiredString(thinking, "type", "thinking");
      switch (type) {
        case "enabled" -> {
          JsonNode budget = thinking.get("budget_tokens");
          if (budget == null || !budget.isIntegralNumber()) {
            throw BodyJson.bad(
                "thinking.budget_tokens", "'thinking.budget_tokens' must be an integer");
          }
          effort = effortForBudget(budget.asLong());
        }
        case "adaptive" -> effort = "medium";
        case "disabled" -> effort = null;
        default ->
            throw BodyJson.bad(
                "thinking.type",
                "'thinking.type' must be 'enabled', 'adaptive' or 'disabled', not '" + type + "'");
      }
    }
    JsonNode config = BodyJson.present(root, "output_config");
    if (config != null) {
      if (!config.isObject()) {
        throw BodyJson.bad("output_config", "'output_config' must be an object");
      }
      JsonNode e = config.get("effort");
      if (e != null && !e.isNull()) {
        effort =
            switch (e.asText()) {
              case "low", "medium", "high" -> e.asText();
              case "xhigh", "max" -> "high";
              default ->
                  throw BodyJson.bad(
                      "output_config.effort",
                      "'output_config.effort' must be low, medium, high, xhigh or max");
            };
      }
    }
    if (effort != null) {
      chat.put("reasoning_effort", effort);
    }
  }

  /**
   * LiteLLM's buckets for a thinking budget, capped at "high": its newer "xhigh" (8192) and "max"
   * (16384) buckets are efforts most OpenAI models reject.
   */
  static String effortForBudget(long budget) {
    if (budget >= HIGH_BUDGET) {
      return "high";
    }
    if (budget >= MEDIUM_BUDGET) {
      return "medium";
    }
    return budget >= LOW_BUDGET ? "low" : "minimal";
  }

  /** {@code output_config.format} (or the older {@code output_format}) as response_format. */
  private static void responseFormat(JsonNode root, ObjectNode chat) {
    String param = "output_format";
    JsonNode format = BodyJson.present(root, "output_format");
    JsonNode config = BodyJson.present(root, "output_config");
    if (format == null && config != null) {
      param = "output_config.format";
      format = config.get("format");
      if (format != null && format.isNull()) {
        format = null;
      }
    }
    if (format == null) {
      return;
    }
    if (!format.isObject() || !"json_schema".equals(format.path("type").asText())) {
      throw BodyJson.bad(
          param, "'" + param + "' must be {\"type\": \"json_schema\", \"schema\": {...}}");
    }
    JsonNode schema = format.get("schema");
    if (schema == null || !schema.isObject()) {
      throw BodyJson.bad(param + ".schema", "'" + param + ".schema' must be a JSON schema object");
    }
    ObjectNode rf = chat.putObject("response_format").put("type", "json_schema");
    rf.putObject("json_schema")
        .put("name", "structured_output")
        .put("strict", true)
        .set("schema", schema);
  }

  /** One text part as a plain string, anything else as the array of parts. */
  private static JsonNode collapse(ArrayNode parts) {
    if (parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())) {
      return parts.get(0).get("text");
    }
    return parts;
  }

  private static String blockType(JsonNode block, String at) {
    if (!block.isObject()) {
      throw BodyJson.bad(at, "'" + at + "' must be a content block object with a 'type'");
    }
    return BodyJson.requiredString(block, "type", at);
  }

  private static String text(JsonNode block, String at) {
    return BodyJson.requiredString(block, "text", at);
  }

  private static GatewayException unsupportedBlock(String type, String at) {
    return BodyJson.bad(
        at + ".type",
        "'"
            + at
            + "' is a '"
            + type
            + "' block, which cannot be bridged to chat completions (it needs Anthropic's own"
            + " servers, or is not a Messages API block)");
  }

  private static @Nullable JsonNode number(JsonNode root, String name) {
    JsonNode v = BodyJson.present(root, name);
    if (v != null && !v.isNumber()) {
      throw BodyJson.bad(name, "'" + name + "' must be a number");
    }
    return v;
  }

  private static String requiredString(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw BodyJson.bad(name, "'" + name + "' is required and must be a non-empty string");
    }
    return v.textValue();
  }
}
