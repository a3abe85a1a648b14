package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.ChatParams;
import dev.tollgate.provider.ToolCalls;
import dev.tollgate.provider.UpstreamRequest;
import java.io.IOException;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates an OpenAI chat request into a Converse request, as LiteLLM's converse transformation
 * does; one mapping serves every model family Bedrock hosts. Reads the body as a JSON tree, on the
 * event loop; nothing here blocks. Stateless.
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages, wherever they are, become {@code system}
 *       text blocks. The others alternate as {@code user} and {@code assistant} turns; consecutive
 *       turns of one role are merged (Converse refuses two in a row), and {@code tool} messages are
 *       {@code toolResult} blocks of a user turn. An assistant's {@code tool_calls} become {@code
 *       toolUse} blocks, their arguments parsed into {@code input}.
 *   <li>An image part must be a {@code data:} URL (Converse takes image bytes, not links): it
 *       becomes {@code {"image":{"format":...,"source":{"bytes":<base64>}}}}, a PDF a {@code
 *       document} block. A {@code cache_control} on a part or message adds a {@code cachePoint}
 *       after it.
 *   <li>{@code max_tokens} (or {@code max_completion_tokens}), {@code temperature}, {@code top_p}
 *       and {@code stop} are {@code inferenceConfig}'s {@code maxTokens}, {@code temperature},
 *       {@code topP} and {@code stopSequences}; {@code top_k} goes in {@code
 *       additionalModelRequestFields} for Anthropic models and as {@code inferenceConfig.topK}
 *       there for Amazon Nova, as LiteLLM sends it, and is dropped for the others.
 *   <li>{@code thinking}, or {@code reasoning_effort} as a thinking budget ({@code minimal} and
 *       {@code low} 1,024, {@code medium} 2,048, {@code high} 4,096; {@code none} is none), goes in
 *       {@code additionalModelRequestFields.thinking} for Anthropic models; an assistant's {@code
 *       thinking_blocks} go back as {@code reasoningContent} blocks, signatures included.
 *   <li>{@code tools} are {@code toolConfig.tools[].toolSpec} with the parameters as {@code
 *       inputSchema.json}; {@code tool_choice} {@code auto}, {@code required} and a named function
 *       are {@code auto}, {@code any} and {@code tool}. Converse has no {@code none}: the tools are
 *       sent without a choice.
 *   <li>{@code response_format} of type {@code json_object} or {@code json_schema} is LiteLLM's
 *       forced tool: a tool named after the schema (or {@value #JSON_TOOL}) whose input schema is
 *       the requested schema, chosen with {@code toolChoice} unless the request chose a tool itself
 *       or enabled thinking (which forbids forcing one). The answer's call of that tool is its
 *       content ({@link BedrockAnswer}, {@link BedrockStream}).
 * </ul>
 *
 * <p>An OpenAI parameter outside {@link #SUPPORTED} ({@code frequency_penalty}, {@code seed},
 * {@code parallel_tool_calls}, {@code n} above 1...) is a 400 naming it, or with {@code
 * drop_params} dropped ({@link ChatParams}). Not sent either: {@code user}, and {@code
 * stream_options} (a stream always reports usage).
 */
final class BedrockRequest {
  private BedrockRequest() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The forced tool that carries a {@code response_format} answer, named as LiteLLM names it. */
  static final String JSON_TOOL = "json_tool_call";

  private static final byte[] RESPONSE_FORMAT =
      "\"response_format\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * The OpenAI chat parameters Converse serves, from the parameters LiteLLM's {@code
   * AmazonConverseConfig.map_openai_params} maps. The others are a 400, or dropped with {@code
   * drop_params} ({@link ChatParams}).
   */
  static final Set<String> SUPPORTED =
      Set.of(
          "stop",
          "temperature",
          "top_p",
          "max_tokens",
          "max_completion_tokens",
          "tools",
          "tool_choice",
          "response_format",
          "reasoning_effort");

  /** The Converse request body for an OpenAI chat request. */
  static byte[] fromChat(UpstreamRequest up, String modelId) {
    JsonNode root = tree(up.request().body());
    ChatParams.admit((ObjectNode) root, SUPPORTED, up.params());
    boolean anthropic = modelId.contains("anthropic.");
    ObjectNode out = NODES.objectNode();
    ArrayNode system = NODES.arrayNode();
    out.set("messages", messages(root.path("messages"), system));
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    ObjectNode inference = inferenceConfig(root, up.request().maxTokens());
    if (!inference.isEmpty()) {
      out.set("inferenceConfig", inference);
    }
    ObjectNode tools = toolConfig(root.path("tools"), root.path("tool_choice"));
    ObjectNode thinking = anthropic ? thinking(root) : null;
    String json = jsonTool(root);
    if (json != null) {
      if (tools == null) {
        tools = NODES.objectNode();
        tools.putArray("tools");
      }
      ((ArrayNode) tools.get("tools")).add(jsonToolSpec(json, root.path("response_format")));
      boolean thinks = thinking != null && thinking.path("type").asText("").equals("enabled");
      if (!tools.has("toolChoice") && !root.path("tool_choice").isTextual() && !thinks) {
        tools.putObject("toolChoice").putObject("tool").put("name", json);
      }
    }
    if (tools != null) {
      out.set("toolConfig", tools);
    }
    ObjectNode additional = NODES.objectNode();
    if (root.path("top_k").isNumber()) {
      if (anthropic) {
        additional.set("top_k", root.get("top_k"));
      } else if (modelId.contains("amazon.nova")) {
        additional.putObject("inferenceConfig").set("topK", root.get("top_k"));
      }
    }
    if (thinking != null) {
      additional.set("thinking", thinking);
    }
    if (!additional.isEmpty()) {
      out.set("additionalModelRequestFields", additional);
    }
    try {
      return Json.MAPPER.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write the Converse request", e);
    }
  }

  /**
   * The name of the tool that carries the answer of a chat request that asks for JSON through
   * {@code response_format}, so that the answer's call of it is content; null when it does not ask.
   * Reads the tree only when the body names the field.
   */
  static @Nullable String jsonTool(byte[] body) {
    outer:
    for (int i = 0; i <= body.length - RESPONSE_FORMAT.length; i++) {
      for (int j = 0; j < RESPONSE_FORMAT.length; j++) {
        if (body[i + j] != RESPONSE_FORMAT[j]) {
          continue outer;
        }
      }
      return jsonTool(tree(body));
    }
    return null;
  }

  /** The schema's name, as LiteLLM names the tool, else {@value #JSON_TOOL}. */
  private static @Nullable String jsonTool(JsonNode root) {
    JsonNode format = root.path("response_format");
    String type = format.path("type").asText("");
    if (!type.equals("json_object") && !type.equals("json_schema")) {
      return null;
    }
    String name = format.path("json_schema").path("name").asText("");
    return name.isBlank() ? JSON_TOOL : name;
  }

  /** The forced tool of a {@code response_format}: its schema, or any object for json_object. */
  private static ObjectNode jsonToolSpec(String name, JsonNode format) {
    ObjectNode tool = NODES.objectNode();
    ObjectNode spec = tool.putObject("toolSpec");
    spec.put("name", name);
    if (format.path("json_schema").path("description").isTextual()) {
      spec.put("description", format.path("json_schema").path("description").asText());
    }
    JsonNode given = format.path("json_schema").path("schema");
    ObjectNode schema = spec.putObject("inputSchema").putObject("json");
    if (given.isObject()) {
      schema.setAll((ObjectNode) given.deepCopy());
    } else {
      schema.put("type", "object").put("additionalProperties", true).putObject("properties");
    }
    return tool;
  }

  private static final java.util.Map<String, Long> EFFORT_BUDGETS =
      java.util.Map.of("minimal", 1024L, "low", 1024L, "medium", 2048L, "high", 4096L);

  /** Anthropic's {@code thinking}: the request's own, or its {@code reasoning_effort}'s budget. */
  private static @Nullable ObjectNode thinking(JsonNode root) {
    JsonNode t = root.path("thinking");
    if (t.isObject()) {
      return (ObjectNode) t.deepCopy();
    }
    JsonNode effort = root.path("reasoning_effort");
    if (!effort.isTextual() || effort.asText().equals("none")) {
      return null;
    }
    Long budget = EFFORT_BUDGETS.get(effort.asText());
    if (budget == null) {
      throw GatewayException.badRequest(
          "reasoning_effort",
          "reasoning_effort must be none, minimal, low, medium or high; got '"
              + effort.asText()
              + "'");
    }
    return NODES.objectNode().put("type", "enabled").put("budget_tokens", budget);
  }

  static JsonNode tree(byte[] body) {
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      if (root == null || !root.isObject()) {
        throw GatewayException.badRequest(null, "request body must be a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "request body is not valid JSON");
    }
  }

  private static ObjectNode inferenceConfig(JsonNode root, OptionalLong maxTokens) {
    ObjectNode c = NODES.objectNode();
    if (maxTokens.isPresent()) {
      c.put("maxTokens", maxTokens.getAsLong());
    }
    if (root.path("temperature").isNumber()) {
      c.set("temperature", root.get("temperature"));
    }
    if (root.path("top_p").isNumber()) {
      c.set("topP", root.get("top_p"));
    }
    JsonNode stop = root.path("stop");
    ArrayNode stops = NODES.arrayNode();
    if (stop.isTextual()) {
      stops.add(stop.asText());
    } else if (stop.isArray()) {
      for (JsonNode s : stop) {
        if (s.isTextual()) {
          stops.add(s.asText());
        }
      }
    }
    if (!stops.isEmpty()) {
      c.set("stopSequences", stops);
    }
    return c;
  }

  /** The turns, with system messages moved to {@code system}. */
  private static ArrayNode messages(JsonNode messages, ArrayNode system) {
    ArrayNode turns = NODES.arrayNode();
    String lastRole = null;
    ArrayNode current = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      String role = m.path("role").asText("");
      ArrayNode blocks;
      String turnRole;
      switch (role) {
        case "system", "developer" -> {
          JsonNode content = m.path("content");
          if (content.isTextual()) {
            system.addObject().put("text", content.asText());
          } else {
            for (JsonNode part : content) {
              if (part.path("type").asText("").equals("text")) {
                system.addObject().put("text", part.path("text").asText(""));
                cachePoint(system, part);
              }
            }
          }
          cachePoint(system, m);
          continue;
        }
        case "user" -> {
          turnRole = "user";
          blocks = userContent(m.path("content"), at);
        }
        case "tool" -> {
          turnRole = "user";
          blocks = NODES.arrayNode().add(toolResult(m, at));
        }
        case "assistant" -> {
          turnRole = "assistant";
          blocks = assistantContent(m, at);
        }
        default ->
            throw GatewayException.badRequest(
                at + ".role",
                "role '"
                    + role
                    + "' cannot be sent to Bedrock; use system, user, assistant or tool");
      }
      cachePoint(blocks, m);
      if (turnRole.equals(lastRole) && current != null) {
        current.addAll(blocks);
      } else {
        ObjectNode turn = turns.addObject();
        turn.put("role", turnRole);
        current = turn.putArray("content");
        current.addAll(blocks);
        lastRole = turnRole;
      }
    }
    return turns;
  }

  /** A {@code cachePoint} block after the blocks so far, when {@code marked} has cache_control. */
  private static void cachePoint(ArrayNode blocks, JsonNode marked) {
    if (marked.path("cache_control").isObject() && !blocks.isEmpty()) {
      blocks.addObject().putObject("cachePoint").put("type", "default");
    }
  }

  private static ArrayNode userContent(JsonNode content, String at) {
    ArrayNode blocks = NODES.arrayNode();
    if (content.isTextual()) {
      blocks.addObject().put("text", content.asText());
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        blocks.add(part(part, at + ".content[" + j + "]"));
        cachePoint(blocks, part);
      }
    } else if (!content.isMissingNode() && !content.isNull()) {
      throw GatewayException.badRequest(
          at + ".content", "content must be a string or an array of parts");
    }
    return blocks;
  }

  private static ObjectNode part(JsonNode part, String at) {
    String type = part.path("type").asText("");
    return switch (type) {
      case "text" -> NODES.objectNode().put("text", part.path("text").asText(""));
      case "image_url" -> {
        JsonNode url = part.path("image_url");
        yield media(url.isTextual() ? url.asText() : url.path("url").asText(""), at);
      }
      case "file" -> media(part.path("file").path("file_data").asText(""), at + ".file.file_data");
      default ->
          throw GatewayException.badRequest(
              at + ".type", "content part of type '" + type + "' cannot be sent to Bedrock");
    };
  }

  /**
   * An image or document block for a {@code data:<media type>;base64,<data>} URL: the format is the
   * media type's subtype ({@code image/jpg} is {@code jpeg}), and the bytes stay base64, as
   * Converse's JSON carries them.
   */
  private static ObjectNode media(String url, String at) {
    int comma = url.indexOf(',');
    String head = url.startsWith("data:") && comma > 0 ? url.substring(5, comma) : "";
    if (!head.endsWith(";base64")) {
      throw GatewayException.badRequest(
          at,
          "Bedrock takes images and files inline only: a base64 data URL,"
              + " data:<media type>;base64,<data>");
    }
    String mediaType = head.substring(0, head.length() - 7).toLowerCase(Locale.ROOT);
    int slash = mediaType.indexOf('/');
    String format = slash < 0 ? mediaType : mediaType.substring(slash + 1);
    String data = url.substring(comma + 1);
    ObjectNode block = NODES.objectNode();
    if (mediaType.startsWith("image/")) {
      ObjectNode image = block.putObject("image");
      image.put("format", format.equals("jpg") ? "jpeg" : format);
      image.putObject("source").put("bytes", data);
    } else {
      ObjectNode doc = block.putObject("document");
      doc.put("format", format);
      doc.put("name", "document-" + Integer.toHexString(data.hashCode()));
      doc.putObject("source").put("bytes", data);
    }
    return block;
  }

  private static ObjectNode toolResult(JsonNode m, String at) {
    ObjectNode result = NODES.objectNode();
    ObjectNode r = result.putObject("toolResult");
    r.put("toolUseId", m.path("tool_call_id").asText(""));
    ArrayNode content = r.putArray("content");
    JsonNode c = m.path("content");
    if (c.isTextual()) {
      content.addObject().put("text", c.asText());
    } else if (c.isArray()) {
      for (int j = 0; j < c.size(); j++) {
        JsonNode part = c.get(j);
        if (part.path("type").asText("").equals("text")) {
          content.addObject().put("text", part.path("text").asText(""));
        } else {
          content.add(part(part, at + ".content[" + j + "]"));
        }
      }
    }
    if (content.isEmpty()) {
      content.addObject().put("text", "");
    }
    return result;
  }

  /** Thinking blocks as they were answered, then text, then tool calls. */
  private static ArrayNode assistantContent(JsonNode m, String at) {
    ArrayNode blocks = NODES.arrayNode();
    for (JsonNode b : m.path("thinking_blocks")) {
      switch (b.path("type").asText("")) {
        case "thinking" -> {
          ObjectNode text =
              blocks
                  .addObject()
                  .putObject("reasoningContent")
                  .putObject("reasoningText")
                  .put("text", b.path("thinking").asText(""));
          if (b.path("signature").isTextual()) {
            text.put("signature", b.path("signature").asText());
          }
        }
        case "redacted_thinking" ->
            blocks
                .addObject()
                .putObject("reasoningContent")
                .put("redactedContent", b.path("data").asText(""));
        default -> {
          // not a thinking block
        }
      }
    }
    JsonNode content = m.path("content");
    if (content.isTextual()) {
      if (!content.asText().isEmpty()) {
        blocks.addObject().put("text", content.asText());
      }
    } else if (content.isArray()) {
      for (JsonNode part : content) {
        String text =
            part.path("type").asText("").equals("refusal")
                ? part.path("refusal").asText("")
                : part.path("text").asText("");
        if (!text.isEmpty()) {
          blocks.addObject().put("text", text);
        }
        cachePoint(blocks, part);
      }
    }
    JsonNode calls = m.path("tool_calls");
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      ObjectNode use = blocks.addObject().putObject("toolUse");
      use.put("toolUseId", call.path("id").asText(""));
      use.put("name", call.path("function").path("name").asText(""));
      use.set("input", ToolCalls.argumentsObject(call.path("function").path("arguments"), at, j));
    }
    return blocks;
  }

  private static @Nullable ObjectNode toolConfig(JsonNode tools, JsonNode choice) {
    if (!tools.isArray() || tools.isEmpty()) {
      return null;
    }
    ObjectNode config = NODES.objectNode();
    ArrayNode specs = config.putArray("tools");
    for (JsonNode tool : tools) {
      JsonNode f = tool.path("function");
      ObjectNode spec = specs.addObject().putObject("toolSpec");
      spec.put("name", f.path("name").asText(""));
      if (f.path("description").isTextual()) {
        spec.put("description", f.path("description").asText());
      }
      JsonNode params = f.path("parameters");
      ObjectNode schema = spec.putObject("inputSchema");
      if (params.isObject()) {
        schema.set("json", params);
      } else {
        schema.putObject("json").put("type", "object").putObject("properties");
      }
    }
    if (choice.isTextual()) {
      switch (choice.asText()) {
        case "auto" -> config.putObject("toolChoice").putObject("auto");
        case "required" -> config.putObject("toolChoice").putObject("any");
        case "none" -> {
          // Converse has no "none"
        }
        default ->
            throw GatewayException.badRequest(
                "tool_choice", "tool_choice must be auto, none, required or a function");
      }
    } else if (choice.isObject()) {
      String name = choice.path("function").path("name").asText(choice.path("name").asText(""));
      config.putObject("toolChoice").putObject("tool").put("name", name);
    }
    return config;
  }
}
