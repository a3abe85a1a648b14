package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.ChatParams;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.ToolCalls;
import dev.tollgate.provider.UpstreamRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Translates an OpenAI chat request into a Messages request, as LiteLLM's Anthropic adapter does.
 * Reads the body as a JSON tree (a translation needs all of it), on the event loop; nothing here
 * blocks. Stateless.
 *
 * <ul>
 *   <li>{@code system} (and {@code developer}) messages, wherever they are, become the {@code
 *       system} blocks. The others alternate as {@code user} and {@code assistant} turns;
 *       consecutive turns of one role are merged, and {@code tool} messages are {@code tool_result}
 *       blocks of a user turn. An assistant's {@code tool_calls} become {@code tool_use} blocks
 *       (their arguments parsed into {@code input}), and its {@code thinking_blocks} go back as
 *       they came, signatures included.
 *   <li>Image parts become image blocks (an http URL as a {@code url} source, a {@code data:} URL
 *       as a {@code base64} one; a PDF as a document block), and {@code file} parts documents.
 *       {@code cache_control} is kept on parts, tools and system parts; on a message it marks the
 *       message's last block.
 *   <li>{@code tools}, {@code tool_choice} ({@code required} is {@code any}), {@code
 *       parallel_tool_calls: false} ({@code disable_parallel_tool_use}), {@code stop}, {@code
 *       temperature}, {@code top_p}, {@code top_k}, {@code thinking} and {@code stream} are
 *       carried; {@code user} (or {@code metadata.user_id}) is {@code metadata.user_id} unless it
 *       looks like an email address or phone number, which Anthropic refuses.
 *   <li>{@code reasoning_effort} is a thinking budget: {@code minimal} and {@code low} 1,024
 *       (Anthropic's smallest; LiteLLM's {@code low}), {@code medium} 2,048, {@code high} 4,096;
 *       {@code none} is no thinking. An explicit {@code thinking} wins.
 *   <li>{@code max_tokens}, which Anthropic requires: the request's ({@code max_tokens} or {@code
 *       max_completion_tokens}), else the deployment's largest answer when it exceeds the thinking
 *       budget (as Anthropic requires), else {@value #DEFAULT_MAX_TOKENS} (LiteLLM's default), or
 *       with a thinking budget the budget plus {@value #DEFAULT_MAX_TOKENS}, as LiteLLM sets it.
 *   <li>{@code response_format} of type {@code json_object} or {@code json_schema} is LiteLLM's
 *       forced tool: a tool named {@value #JSON_TOOL} whose input schema is the requested schema,
 *       with {@code tool_choice} forcing it unless the request chose a tool itself or enabled
 *       thinking (which forbids forcing one). The answer's call of that tool is its content.
 * </ul>
 *
 * <p>An OpenAI parameter outside {@link #SUPPORTED} ({@code frequency_penalty}, {@code logit_bias},
 * {@code seed}, {@code n} above 1...) is a 400 naming it, or with {@code drop_params} dropped
 * ({@link ChatParams}). Not sent either, having no meaning for Anthropic: {@code stream_options} (a
 * stream always reports usage), a tool's {@code strict}, a message's {@code name}, and the rest of
 * {@code metadata} (LiteLLM's own: tags and the like).
 */
final class AnthropicRequest {
  private AnthropicRequest() {}

  /** The forced tool that carries a {@code response_format} answer, named as LiteLLM names it. */
  static final String JSON_TOOL = "json_tool_call";

  /** {@code max_tokens} when neither the request nor the deployment bounds the answer. */
  static final long DEFAULT_MAX_TOKENS = 4096;

  private static final Map<String, Long> EFFORT_BUDGETS =
      Map.of("minimal", 1024L, "low", 1024L, "medium", 2048L, "high", 4096L);

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final Pattern EMAIL =
      Pattern.compile("^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$");
  private static final Pattern PHONE = Pattern.compile("^\\+?[\\d\\s()-]{7,}$");

  private static final byte[] RESPONSE_FORMAT =
      "\"response_format\"".getBytes(StandardCharsets.US_ASCII);

  /**
   * The OpenAI chat parameters Anthropic serves, from LiteLLM's {@code
   * AnthropicConfig.get_supported_openai_params} ({@code web_search_options} aside: not translated
   * here). The others are a 400, or dropped with {@code drop_params} ({@link ChatParams}).
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
          "parallel_tool_calls",
          "response_format",
          "user",
          "reasoning_effort");

  /** The Messages request body for an OpenAI chat request. */
  static byte[] fromChat(UpstreamRequest up) {
    JsonNode root = tree(up.request().body());
    ChatParams.admit((ObjectNode) root, SUPPORTED, up.params());
    ObjectNode out = NODES.objectNode();
    out.put("model", up.params().providerModel());
    ObjectNode thinking = thinking(root);
    out.put("max_tokens", maxTokens(up.request().maxTokens(), thinking, up.maxOutputTokens()));
    ArrayNode system = NODES.arrayNode();
    ArrayNode messages = messages(root.path("messages"), system);
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    out.set("messages", messages);
    ArrayNode tools = tools(root.path("tools"));
    ObjectNode toolChoice = toolChoice(root.path("tool_choice"), root.path("parallel_tool_calls"));
    if (jsonMode(root)) {
      tools.add(jsonTool(root.path("response_format")));
      boolean thinks = thinking != null && thinking.path("type").asText("").equals("enabled");
      if (toolChoice == null && !thinks) {
        toolChoice = NODES.objectNode().put("type", "tool").put("name", JSON_TOOL);
      }
    }
    if (!tools.isEmpty()) {
      out.set("tools", tools);
    }
    if (toolChoice != null) {
      out.set("tool_choice", toolChoice);
    }
    ArrayNode stop = stopSequences(root.path("stop"));
    if (!stop.isEmpty()) {
      out.set("stop_sequences", stop);
    }
    for (String f : new String[] {"temperature", "top_p", "top_k"}) {
      if (root.path(f).isNumber()) {
        out.set(f, root.get(f));
      }
    }
    String user = userId(root);
    if (user != null) {
      out.putObject("metadata").put("user_id", user);
    }
    if (thinking != null) {
      out.set("thinking", thinking);
    }
    if (up.request().stream()) {
      out.put("stream", true);
    }
    try {
      return Json.MAPPER.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write the Anthropic request", e);
    }
  }

  /**
   * Whether a chat request asks for JSON through {@code response_format}, so that its answer's
   * {@value #JSON_TOOL} call is content. Reads the tree only when the body names the field.
   */
  static boolean jsonMode(byte[] body) {
    return contains(body, RESPONSE_FORMAT) && jsonMode(tree(body));
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean jsonMode(JsonNode root) {
    String type = root.path("response_format").path("type").asText("");
    return type.equals("json_object") || type.equals("json_schema");
  }

  private static JsonNode tree(byte[] body) {
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

  /**
   * The {@code max_tokens} that {@link #fromChat} sends for a chat request that sets none, for a
   * deployment whose largest answer is {@code largest}: admission reserves for exactly this bound.
   */
  static long impliedMaxTokens(ParsedRequest req, OptionalLong largest) {
    return maxTokens(OptionalLong.empty(), thinking(tree(req.body())), largest);
  }

  private static long maxTokens(
      OptionalLong asked, @Nullable ObjectNode thinking, OptionalLong largest) {
    if (asked.isPresent()) {
      return asked.getAsLong();
    }
    JsonNode budget = thinking == null ? null : thinking.get("budget_tokens");
    long thinks = budget != null && budget.canConvertToLong() ? budget.asLong() : -1;
    if (largest.isPresent() && largest.getAsLong() > thinks) {
      return largest.getAsLong();
    }
    return thinks < 0 ? DEFAULT_MAX_TOKENS : thinks + DEFAULT_MAX_TOKENS;
  }

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
          ArrayNode parts = userContent(m.path("content"), at);
          markLast(parts, m.get("cache_control"));
          system.addAll(parts);
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
                    + "' cannot be sent to Anthropic; use system, user, assistant or tool");
      }
      if (!role.equals("tool")) {
        markLast(blocks, m.get("cache_control"));
      }
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

  /** A message-level {@code cache_control} marks the message's last block. */
  private static void markLast(ArrayNode blocks, @Nullable JsonNode cacheControl) {
    if (cacheControl != null && cacheControl.isObject() && !blocks.isEmpty()) {
      ((ObjectNode) blocks.get(blocks.size() - 1)).set("cache_control", cacheControl);
    }
  }

  /** A user's (or system's, or a tool result's) content: a string or an array of parts. */
  private static ArrayNode userContent(JsonNode content, String at) {
    ArrayNode blocks = NODES.arrayNode();
    if (content.isTextual()) {
      blocks.addObject().put("type", "text").put("text", content.asText());
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        blocks.add(part(content.get(j), at + ".content[" + j + "]"));
      }
    } else if (!content.isMissingNode() && !content.isNull()) {
      throw GatewayException.badRequest(
          at + ".content", "content must be a string or an array of parts");
    }
    return blocks;
  }

  private static ObjectNode part(JsonNode part, String at) {
    String type = part.path("type").asText("");
    ObjectNode block =
        switch (type) {
          case "text" ->
              NODES.objectNode().put("type", "text").put("text", part.path("text").asText(""));
          case "image_url" -> image(imageUrl(part), at);
          case "file" -> file(part.path("file"), at);
          case "image", "document" -> (ObjectNode) part.deepCopy();
          default ->
              throw GatewayException.badRequest(
                  at + ".type", "content part of type '" + type + "' cannot be sent to Anthropic");
        };
    JsonNode cache = part.get("cache_control");
    if (cache != null && cache.isObject()) {
      block.set("cache_control", cache);
    }
    return block;
  }

  private static String imageUrl(JsonNode part) {
    JsonNode url = part.path("image_url");
    return url.isTextual() ? url.asText() : url.path("url").asText("");
  }

  /**
   * An image block for an image URL: a {@code data:} URL as a base64 source (a PDF as a document
   * block), any other URL as a URL source that Anthropic fetches.
   */
  private static ObjectNode image(String url, String at) {
    if (!url.startsWith("data:")) {
      ObjectNode block = NODES.objectNode().put("type", "image");
      block.putObject("source").put("type", "url").put("url", url);
      return block;
    }
    DataUrl data = DataUrl.parse(url, at);
    ObjectNode block =
        NODES
            .objectNode()
            .put("type", data.mediaType().equals("application/pdf") ? "document" : "image");
    block
        .putObject("source")
        .put("type", "base64")
        .put("media_type", data.mediaType())
        .put("data", data.data());
    return block;
  }

  /**
   * A {@code file} part: inline {@code file_data}, or a {@code file_id} of Anthropic's Files API.
   */
  private static ObjectNode file(JsonNode file, String at) {
    JsonNode data = file.path("file_data");
    if (data.isTextual()) {
      DataUrl d = DataUrl.parse(data.asText(), at + ".file.file_data");
      ObjectNode block =
          NODES.objectNode().put("type", d.mediaType().startsWith("image/") ? "image" : "document");
      block
          .putObject("source")
          .put("type", "base64")
          .put("media_type", d.mediaType())
          .put("data", d.data());
      return block;
    }
    JsonNode id = file.path("file_id");
    if (id.isTextual()) {
      ObjectNode block = NODES.objectNode().put("type", "document");
      block.putObject("source").put("type", "file").put("file_id", id.asText());
      return block;
    }
    throw GatewayException.badRequest(at + ".file", "a file part needs file_data or file_id");
  }

  /** {@code data:<media type>;base64,<data>}. */
  private record DataUrl(String mediaType, String data) {
    static DataUrl parse(String url, String at) {
      int comma = url.indexOf(',');
      String head = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !head.endsWith(";base64")) {
        throw GatewayException.badRequest(
            at, "an inline file must be a base64 data URL: data:<media type>;base64,<data>");
      }
      return new DataUrl(head.substring(0, head.length() - 7), url.substring(comma + 1));
    }
  }

  private static ObjectNode toolResult(JsonNode m, String at) {
    ObjectNode block = NODES.objectNode().put("type", "tool_result");
    block.put("tool_use_id", m.path("tool_call_id").asText(""));
    JsonNode content = m.path("content");
    if (content.isTextual()) {
      block.put("content", content.asText());
    } else if (content.isArray()) {
      block.set("content", userContent(content, at));
    }
    JsonNode cache = m.get("cache_control");
    if (cache != null && cache.isObject()) {
      block.set("cache_control", cache);
    }
    return block;
  }

  /** Thinking blocks as they were answered, then text, then tool calls. */
  private static ArrayNode assistantContent(JsonNode m, String at) {
    ArrayNode blocks = NODES.arrayNode();
    for (JsonNode b : m.path("thinking_blocks")) {
      String type = b.path("type").asText("");
      if (type.equals("thinking") || type.equals("redacted_thinking")) {
        blocks.add(b.deepCopy());
      }
    }
    JsonNode content = m.path("content");
    if (content.isTextual()) {
      if (!content.asText().isEmpty()) {
        blocks.addObject().put("type", "text").put("text", content.asText());
      }
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String type = part.path("type").asText("");
        String text = type.equals("refusal") ? part.path("refusal").asText("") : null;
        if (type.equals("text")) {
          text = part.path("text").asText("");
        }
        if (text == null) {
          blocks.add(part(part, at + ".content[" + j + "]"));
        } else if (!text.isEmpty()) {
          ObjectNode block = blocks.addObject().put("type", "text").put("text", text);
          JsonNode cache = part.get("cache_control");
          if (cache != null && cache.isObject()) {
            block.set("cache_control", cache);
          }
        }
      }
    }
    JsonNode calls = m.path("tool_calls");
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      ObjectNode block = blocks.addObject().put("type", "tool_use");
      block.put("id", call.path("id").asText(""));
      block.put("name", call.path("function").path("name").asText(""));
      block.set("input", ToolCalls.argumentsObject(call.path("function").path("arguments"), at, j));
    }
    return blocks;
  }

  private static ArrayNode tools(JsonNode tools) {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode tool : tools) {
      JsonNode f = tool.path("function");
      if (!tool.path("type").asText("function").equals("function") || tool.has("input_schema")) {
        // Already Anthropic's: a server tool such as web_search_20250305, or a custom tool.
        out.add(tool.deepCopy());
        continue;
      }
      ObjectNode t = out.addObject();
      t.put("name", f.path("name").asText(""));
      if (f.path("description").isTextual()) {
        t.put("description", f.path("description").asText());
      }
      JsonNode params = f.path("parameters");
      if (params.isObject()) {
        t.set("input_schema", params);
      } else {
        t.putObject("input_schema").put("type", "object").putObject("properties");
      }
      JsonNode cache =
          tool.has("cache_control") ? tool.get("cache_control") : f.get("cache_control");
      if (cache != null && cache.isObject()) {
        t.set("cache_control", cache);
      }
    }
    return out;
  }

  private static @Nullable ObjectNode toolChoice(JsonNode choice, JsonNode parallel) {
    ObjectNode out = null;
    if (choice.isTextual()) {
      out =
          switch (choice.asText()) {
            case "auto" -> NODES.objectNode().put("type", "auto");
            case "none" -> NODES.objectNode().put("type", "none");
            case "required" -> NODES.objectNode().put("type", "any");
            default ->
                throw GatewayException.badRequest(
                    "tool_choice", "tool_choice must be auto, none, required or a function");
          };
    } else if (choice.isObject()) {
      out = NODES.objectNode().put("type", "tool");
      String name = choice.path("function").path("name").asText(choice.path("name").asText(""));
      out.put("name", name);
    }
    if (parallel.isBoolean() && !(out != null && out.path("type").asText().equals("none"))) {
      if (out == null) {
        out = NODES.objectNode().put("type", "auto");
      }
      out.put("disable_parallel_tool_use", !parallel.asBoolean());
    }
    return out;
  }

  /** The forced tool of a {@code response_format}: its schema, or any object for json_object. */
  private static ObjectNode jsonTool(JsonNode format) {
    ObjectNode schema = NODES.objectNode().put("type", "object");
    JsonNode given = format.path("json_schema").path("schema");
    if (given.isObject()) {
      schema.setAll((ObjectNode) given.deepCopy());
    } else {
      schema.put("additionalProperties", true);
      schema.putObject("properties");
    }
    ObjectNode tool = NODES.objectNode().put("name", JSON_TOOL);
    tool.set("input_schema", schema);
    return tool;
  }

  private static ArrayNode stopSequences(JsonNode stop) {
    ArrayNode out = NODES.arrayNode();
    if (stop.isTextual()) {
      out.add(stop.asText());
    } else if (stop.isArray()) {
      for (JsonNode s : stop) {
        if (s.isTextual()) {
          out.add(s.asText());
        }
      }
    }
    return out;
  }

  private static @Nullable String userId(JsonNode root) {
    JsonNode id = root.path("metadata").path("user_id");
    String user =
        id.isTextual()
            ? id.asText()
            : root.path("user").isTextual() ? root.path("user").asText() : null;
    if (user == null
        || user.isEmpty()
        || EMAIL.matcher(user).matches()
        || PHONE.matcher(user).matches()) {
      return null;
    }
    return user;
  }
}
