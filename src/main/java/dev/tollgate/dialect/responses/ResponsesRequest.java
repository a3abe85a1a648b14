package dev.tollgate.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Responses request as an OpenAI chat request; see {@link ResponsesDialect} for what becomes of
 * each field. Validates what it reads, with a 400 naming the field. Stateless.
 */
final class ResponsesRequest {
  private ResponsesRequest() {}

  /** Fields carried to chat under the same name and meaning, in this order. */
  private static final List<String> CARRIED =
      List.of(
          "temperature",
          "top_p",
          "user",
          "parallel_tool_calls",
          "prompt_cache_key",
          "prompt_cache_retention",
          "safety_identifier",
          "service_tier");

  /** Fields translated below. */
  private static final Set<String> TRANSLATED =
      Set.of(
          "model",
          "input",
          "instructions",
          "max_output_tokens",
          "tools",
          "tool_choice",
          "text",
          "reasoning",
          "stream");

  /** Fields dropped because nothing a bridged client relies on changes without them. */
  private static final Set<String> DROPPED =
      Set.of(
          "store",
          "metadata",
          "include",
          "stream_options",
          "truncation",
          "top_logprobs",
          "max_tool_calls");

  /** Fields that need state or tools only OpenAI's servers have, and why; null or false is fine. */
  private static final Map<String, String> UNBRIDGEABLE =
      Map.of(
          "previous_response_id",
              "the bridge keeps no responses; send the whole conversation in 'input'",
          "conversation",
              "the bridge keeps no conversations; send the whole conversation in 'input'",
          "background", "background responses are kept and polled on OpenAI's servers",
          "prompt", "stored prompt templates live on OpenAI's servers",
          "context_management", "context compaction runs on OpenAI's servers");

  static byte[] toChat(byte[] body) {
    JsonNode root = BodyJson.parse(body);
    if (!root.isObject()) {
      throw BodyJson.bad(null, "request body must be a JSON object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      String why = UNBRIDGEABLE.get(name);
      if (why != null) {
        if (!value.isNull() && !(value.isBoolean() && !value.booleanValue())) {
          throw BodyJson.bad(
              name,
              "'"
                  + name
                  + "' cannot be bridged to a model served through chat completions: "
                  + why);
        }
      } else if (!CARRIED.contains(name) && !TRANSLATED.contains(name) && !DROPPED.contains(name)) {
        throw BodyJson.bad(
            name, "unknown field '" + name + "': the Responses API has no such field");
      }
    }
    ObjectNode chat = Json.MAPPER.createObjectNode();
    JsonNode model = root.get("model");
    if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
      throw BodyJson.bad("model", "'model' is required and must be a non-empty string");
    }
    chat.put("model", model.textValue());
    ArrayNode messages = chat.putArray("messages");
    JsonNode instructions = BodyJson.present(root, "instructions");
    if (instructions != null) {
      if (!instructions.isTextual()) {
        throw BodyJson.bad("instructions", "'instructions' must be a string");
      }
      messages.addObject().put("role", "system").put("content", instructions.textValue());
    }
    input(root.get("input"), messages);

    JsonNode max = BodyJson.present(root, "max_output_tokens");
    if (max != null) {
      if (!max.isIntegralNumber() || max.asLong() < 1) {
        throw BodyJson.bad("max_output_tokens", "'max_output_tokens' must be a positive integer");
      }
      chat.put("max_tokens", max.asLong());
    }
    for (String name : CARRIED) {
      JsonNode v = BodyJson.present(root, name);
      if (v != null) {
        chat.set(name, v);
      }
    }
    tools(root, chat);
    toolChoice(root, chat);
    text(root, chat);
    JsonNode reasoning = BodyJson.present(root, "reasoning");
    if (reasoning != null) {
      if (!reasoning.isObject()) {
        throw BodyJson.bad("reasoning", "'reasoning' must be an object");
      }
      JsonNode effort = reasoning.get("effort");
      if (effort != null && effort.isTextual()) {
        chat.put("reasoning_effort", effort.textValue());
      }
    }
    BodyJson.stream(root, chat);
    return BodyJson.write(chat);
  }

  private static void input(@Nullable JsonNode input, ArrayNode out) {
    if (input == null || input.isNull()) {
      throw BodyJson.bad("input", "'input' is required: a string, or an array of input items");
    }
    if (input.isTextual()) {
      out.addObject().put("role", "user").put("content", input.textValue());
      return;
    }
    if (!input.isArray()) {
      throw BodyJson.bad("input", "'input' must be a string or an array of input items");
    }
    for (int i = 0; i < input.size(); i++) {
      String at = "input[" + i + "]";
      JsonNode item = input.get(i);
      if (!item.isObject()) {
        throw BodyJson.bad(at, "'" + at + "' must be an input item object");
      }
      JsonNode t = item.get("type");
      String type = t == null || t.isNull() ? "message" : t.asText();
      switch (type) {
        case "message" -> message(item, at, out);
        case "function_call" -> functionCall(item, at, out);
        case "function_call_output" -> functionCallOutput(item, at, out);
        case "reasoning" -> {
          // Dropped, as LiteLLM does: chat takes no reasoning back.
        }
        case "item_reference" ->
            throw BodyJson.bad(
                at + ".type",
                "'"
                    + at
                    + "' refers to a stored item, which a bridge cannot read; send the item itself");
        default ->
            throw BodyJson.bad(
                at + ".type",
                "'"
                    + at
                    + "' is a '"
                    + type
                    + "' item, which cannot be bridged to chat completions (it belongs to a"
                    + " built-in tool that runs on OpenAI's servers, or is not an input item)");
      }
    }
  }

  private static void message(JsonNode item, String at, ArrayNode out) {
    JsonNode r = item.get("role");
    if (r == null || !r.isTextual()) {
      throw BodyJson.bad(
          at + ".role", "'" + at + ".role' is required: user, assistant, system or developer");
    }
    String role =
        switch (r.textValue()) {
          case "user", "assistant", "system" -> r.textValue();
          // Chat's "developer" role is OpenAI's alone; every chat model takes "system".
          case "developer" -> "system";
          default ->
              throw BodyJson.bad(
                  at + ".role", "'" + at + ".role' must be user, assistant, system or developer");
        };
    JsonNode content = item.get("content");
    if (content != null && content.isTextual()) {
      out.addObject().put("role", role).put("content", content.textValue());
      return;
    }
    if (content == null || !content.isArray()) {
      throw BodyJson.bad(
          at + ".content", "'" + at + ".content' must be a string or an array of parts");
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    StringBuilder refusal = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      String pat = at + ".content[" + j + "]";
      JsonNode part = content.get(j);
      String type = part.path("type").asText("");
      switch (type) {
        case "input_text", "output_text" -> {
          JsonNode text = part.get("text");
          if (text == null || !text.isTextual()) {
            throw BodyJson.bad(pat + ".text", "'" + pat + ".text' must be a string");
          }
          parts.addObject().put("type", "text").put("text", text.textValue());
        }
        case "refusal" -> refusal.append(part.path("refusal").asText(""));
        case "input_image" -> {
          if (!role.equals("user")) {
            throw BodyJson.bad(
                pat + ".type", "'" + pat + "': only a user message may hold an image");
          }
          JsonNode url = part.get("image_url");
          if (url == null || !url.isTextual()) {
            throw BodyJson.bad(
                pat + ".image_url",
                "'"
                    + pat
                    + "' has no image_url; an image by file_id is in OpenAI's file storage, which a"
                    + " bridge cannot read");
          }
          ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
          image.put("url", url.textValue());
          JsonNode detail = part.get("detail");
          if (detail != null && detail.isTextual()) {
            image.put("detail", detail.textValue());
          }
        }
        case "input_file", "input_audio" ->
            throw BodyJson.bad(
                pat + ".type",
                "'" + pat + "' is an '" + type + "' part, which the bridge does not carry to chat");
        default ->
            throw BodyJson.bad(
                pat + ".type", "'" + pat + "' has an unknown content part type '" + type + "'");
      }
    }
    ObjectNode message = out.addObject().put("role", role);
    if (role.equals("assistant")) {
      StringBuilder text = new StringBuilder();
      parts.forEach(p -> text.append(p.get("text").textValue()));
      message.put("content", text.toString());
      if (!refusal.isEmpty()) {
        message.put("refusal", refusal.toString());
      }
    } else if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
      message.set("content", parts.get(0).get("text"));
    } else {
      message.set("content", parts);
    }
  }

  /** A function call joins the assistant message before it, as chat keeps one turn together. */
  private static void functionCall(JsonNode item, String at, ArrayNode out) {
    ObjectNode call = Json.MAPPER.createObjectNode();
    call.put("id", BodyJson.requiredString(item, "call_id", at)).put("type", "function");
    call.putObject("function")
        .put("name", BodyJson.requiredString(item, "name", at))
        .put("arguments", BodyJson.requiredString(item, "arguments", at));
    JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
    ObjectNode assistant;
    if (last != null && "assistant".equals(last.path("role").asText())) {
      assistant = (ObjectNode) last;
    } else {
      assistant = out.addObject().put("role", "assistant");
      assistant.putNull("content");
    }
    JsonNode calls = assistant.get("tool_calls");
    (calls instanceof ArrayNode a ? a : assistant.putArray("tool_calls")).add(call);
  }

  private static void functionCallOutput(JsonNode item, String at, ArrayNode out) {
    String callId = BodyJson.requiredString(item, "call_id", at);
    JsonNode output = item.get("output");
    String text;
    if (output != null && output.isTextual()) {
      text = output.textValue();
    } else if (output != null && output.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < output.size(); j++) {
        String pat = at + ".output[" + j + "]";
        JsonNode part = output.get(j);
        String type = part.path("type").asText("");
        if (!type.equals("input_text") && !type.equals("output_text")) {
          throw BodyJson.bad(
              pat + ".type",
              "'"
                  + pat
                  + "' is an '"
                  + type
                  + "' part; chat tool messages hold text only, so a tool output can only be text"
                  + " through the bridge");
        }
        sb.append(part.path("text").asText(""));
      }
      text = sb.toString();
    } else {
      throw BodyJson.bad(
          at + ".output", "'" + at + ".output' must be a string or an array of parts");
    }
    out.addObject().put("role", "tool").put("tool_call_id", callId).put("content", text);
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
      String type = tool.path("type").asText("");
      if (!type.equals("function")) {
        throw BodyJson.bad(
            at + ".type",
            "'"
                + at
                + "' is the tool '"
                + type
                + "', which cannot be bridged to chat completions: only function tools can (built-in"
                + " tools run on OpenAI's servers)");
      }
      ObjectNode function = out.addObject().put("type", "function").putObject("function");
      function.put("name", BodyJson.requiredString(tool, "name", at));
      JsonNode description = tool.get("description");
      if (description != null && description.isTextual()) {
        function.put("description", description.textValue());
      }
      JsonNode parameters = tool.get("parameters");
      if (parameters != null && parameters.isObject()) {
        function.set("parameters", parameters);
      }
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
    if (choice.isTextual()) {
      switch (choice.textValue()) {
        case "none", "auto", "required" -> chat.set("tool_choice", choice);
        default ->
            throw BodyJson.bad(
                "tool_choice", "'tool_choice' must be none, auto, required or an object");
      }
      return;
    }
    String type = choice.path("type").asText("");
    switch (type) {
      case "function" -> {
        ObjectNode named = chat.putObject("tool_choice").put("type", "function");
        named
            .putObject("function")
            .put("name", BodyJson.requiredString(choice, "name", "tool_choice"));
      }
      case "allowed_tools" -> {
        JsonNode tools = choice.get("tools");
        if (tools == null || !tools.isArray()) {
          throw BodyJson.bad("tool_choice.tools", "'tool_choice.tools' must be an array of tools");
        }
        ObjectNode allowed = chat.putObject("tool_choice").put("type", "allowed_tools");
        ObjectNode spec = allowed.putObject("allowed_tools");
        spec.put("mode", choice.path("mode").asText("auto"));
        ArrayNode list = spec.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
          String at = "tool_choice.tools[" + i + "]";
          if (!"function".equals(tools.get(i).path("type").asText())) {
            throw BodyJson.bad(at + ".type", "'" + at + "' must be a function tool");
          }
          list.addObject()
              .put("type", "function")
              .putObject("function")
              .put("name", BodyJson.requiredString(tools.get(i), "name", at));
        }
      }
      default ->
          throw BodyJson.bad(
              "tool_choice.type",
              "'tool_choice' of type '"
                  + type
                  + "' cannot be bridged to chat completions: only function tools can");
    }
  }

  /** {@code text.format} as response_format and {@code text.verbosity} as verbosity. */
  private static void text(JsonNode root, ObjectNode chat) {
    JsonNode text = BodyJson.present(root, "text");
    if (text == null) {
      return;
    }
    if (!text.isObject()) {
      throw BodyJson.bad("text", "'text' must be an object");
    }
    JsonNode verbosity = text.get("verbosity");
    if (verbosity != null && verbosity.isTextual()) {
      chat.put("verbosity", verbosity.textValue());
    }
    JsonNode format = text.get("format");
    if (format == null || format.isNull()) {
      return;
    }
    String type = format.path("type").asText("");
    switch (type) {
      case "text" -> {}
      case "json_object" -> chat.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema =
            chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", BodyJson.requiredString(format, "name", "text.format"));
        for (String f : new String[] {"description", "schema", "strict"}) {
          JsonNode v = format.get(f);
          if (v != null && !v.isNull()) {
            schema.set(f, v);
          }
        }
      }
      default ->
          throw BodyJson.bad(
              "text.format.type", "'text.format.type' must be text, json_object or json_schema");
    }
  }
}
