package dev.tollgate.dialect.converse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import org.jspecify.annotations.Nullable;

/**
 * A Bedrock Converse request in OpenAI chat form, for admission only: what the reservation reads
 * (texts and tool specs for the token bound, images, {@code inferenceConfig.maxTokens} for the
 * output bound) and what a usage estimate reads when the answer reports none. The request itself
 * goes upstream as the client sent it, so Bedrock checks it; this form refuses only what it cannot
 * read. Stateless.
 *
 * <ul>
 *   <li>{@code system} text blocks are the system message; {@code messages} the messages.
 *   <li>Text blocks are text; {@code image} blocks with inline bytes are image parts ({@code
 *       data:image/{format};base64,...}), from S3 image parts by their URI; {@code document} and
 *       {@code video} blocks are file parts; {@code toolUse} is an assistant tool call and {@code
 *       toolResult} a tool message; {@code reasoningContent} counts as text; {@code cachePoint} and
 *       {@code guardContent} markers add nothing.
 *   <li>{@code toolConfig.tools[].toolSpec} are function tools.
 *   <li>{@code inferenceConfig}: {@code maxTokens} is {@code max_tokens}; {@code temperature},
 *       {@code topP} and {@code stopSequences} are kept.
 * </ul>
 */
final class ConverseChatForm {
  private ConverseChatForm() {}

  static byte[] of(byte[] body, boolean stream) {
    JsonNode root = BodyJson.parse(body);
    if (!root.isObject()) {
      throw BodyJson.bad(null, "request body must be a JSON object");
    }
    ObjectNode chat = Json.MAPPER.createObjectNode();
    ArrayNode messages = chat.putArray("messages");
    JsonNode system = BodyJson.present(root, "system");
    if (system != null) {
      if (!system.isArray()) {
        throw BodyJson.bad("system", "'system' must be an array of SystemContentBlock");
      }
      StringBuilder text = new StringBuilder();
      for (JsonNode b : system) {
        if (b.path("text").isTextual()) {
          text.append(text.length() == 0 ? "" : "\n").append(b.path("text").textValue());
        }
      }
      if (text.length() > 0) {
        messages.addObject().put("role", "system").put("content", text.toString());
      }
    }
    JsonNode in = root.get("messages");
    if (in == null || !in.isArray()) {
      throw BodyJson.bad("messages", "'messages' is required and must be an array of Message");
    }
    for (int i = 0; i < in.size(); i++) {
      message(in.get(i), "messages[" + i + "]", messages);
    }
    tools(root.path("toolConfig"), chat);
    JsonNode config = BodyJson.present(root, "inferenceConfig");
    if (config != null) {
      if (!config.isObject()) {
        throw BodyJson.bad("inferenceConfig", "'inferenceConfig' must be an object");
      }
      JsonNode max = BodyJson.present(config, "maxTokens");
      if (max != null) {
        if (!max.isIntegralNumber() || max.asLong() < 1) {
          throw BodyJson.bad(
              "inferenceConfig.maxTokens",
              "'inferenceConfig.maxTokens' must be a positive integer");
        }
        chat.put("max_tokens", max.asLong());
      }
      if (config.path("temperature").isNumber()) {
        chat.set("temperature", config.get("temperature"));
      }
      if (config.path("topP").isNumber()) {
        chat.set("top_p", config.get("topP"));
      }
      if (config.path("stopSequences").isArray()) {
        chat.set("stop", config.get("stopSequences"));
      }
    }
    if (stream) {
      chat.put("stream", true);
      chat.putObject("stream_options").put("include_usage", true);
    }
    return BodyJson.write(chat);
  }

  private static void message(JsonNode message, String at, ArrayNode messages) {
    if (!message.isObject()) {
      throw BodyJson.bad(at, "'" + at + "' must be a Message object");
    }
    String role = BodyJson.requiredString(message, "role", at);
    JsonNode content = message.get("content");
    if (content == null || !content.isArray()) {
      throw BodyJson.bad(at + ".content", "'" + at + ".content' is required and must be an array");
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (int i = 0; i < content.size(); i++) {
      String b = at + ".content[" + i + "]";
      JsonNode block = content.get(i);
      if (!block.isObject()) {
        throw BodyJson.bad(b, "'" + b + "' must be a ContentBlock object");
      }
      JsonNode use = BodyJson.present(block, "toolUse");
      JsonNode result = BodyJson.present(block, "toolResult");
      if (use != null) {
        ObjectNode c =
            calls.addObject().put("id", use.path("toolUseId").asText("")).put("type", "function");
        c.putObject("function")
            .put("name", use.path("name").asText(""))
            .put("arguments", BodyJson.string(use.path("input")));
      } else if (result != null) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (JsonNode r : result.path("content")) {
          if (r.path("json").isContainerNode()) {
            parts.addObject().put("type", "text").put("text", BodyJson.string(r.get("json")));
          } else {
            block(r, parts);
          }
        }
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", result.path("toolUseId").asText(""))
            .set("content", parts);
      } else {
        block(block, out);
      }
    }
    if (out.isEmpty() && calls.isEmpty()) {
      return;
    }
    ObjectNode m =
        messages.addObject().put("role", role.equals("assistant") ? "assistant" : "user");
    m.set("content", out);
    if (!calls.isEmpty()) {
      m.set("tool_calls", calls);
    }
  }

  /** A block that is neither a tool use nor a result, as chat content parts. */
  private static void block(JsonNode block, ArrayNode out) {
    if (block.path("text").isTextual()) {
      out.addObject().put("type", "text").put("text", block.path("text").textValue());
      return;
    }
    JsonNode image = BodyJson.present(block, "image");
    if (image != null) {
      out.addObject()
          .put("type", "image_url")
          .putObject("image_url")
          .put("url", url(image, "image/" + image.path("format").asText("png")));
      return;
    }
    for (String file : new String[] {"document", "video"}) {
      JsonNode f = BodyJson.present(block, file);
      if (f != null) {
        JsonNode text = f.path("source").path("text");
        if (text.isTextual()) {
          out.addObject().put("type", "text").put("text", text.textValue());
        } else {
          out.addObject()
              .put("type", "file")
              .putObject("file")
              .put("file_data", url(f, "application/" + f.path("format").asText("octet-stream")));
        }
        return;
      }
    }
    JsonNode reasoning = block.path("reasoningContent").path("reasoningText").path("text");
    if (reasoning.isTextual()) {
      out.addObject().put("type", "text").put("text", reasoning.textValue());
    }
  }

  /** Where a media block's bytes are: inline as a data URL, or its S3 URI. */
  private static String url(JsonNode media, String mime) {
    JsonNode source = media.path("source");
    JsonNode bytes = source.path("bytes");
    if (bytes.isTextual()) {
      return "data:" + mime + ";base64," + bytes.textValue();
    }
    return source.path("s3Location").path("uri").asText("s3://unknown");
  }

  private static void tools(JsonNode toolConfig, ObjectNode chat) {
    JsonNode tools = toolConfig.path("tools");
    if (!tools.isArray()) {
      return;
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode t : tools) {
      JsonNode spec = t.path("toolSpec");
      if (!spec.isObject()) {
        continue;
      }
      ObjectNode f = out.addObject().put("type", "function").putObject("function");
      f.put("name", spec.path("name").asText(""));
      if (spec.path("description").isTextual()) {
        f.put("description", spec.path("description").textValue());
      }
      @Nullable JsonNode schema = spec.path("inputSchema").get("json");
      if (schema != null) {
        f.set("parameters", schema);
      }
    }
    if (!out.isEmpty()) {
      chat.set("tools", out);
    }
  }
}
