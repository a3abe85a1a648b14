package dev.tollgate.provider.gemini;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates an OpenAI chat request into a Gemini {@code GenerateContentRequest}, as LiteLLM's
 * Gemini adapter does. Reads the body as a JSON tree (a translation needs all of it), on the event
 * loop; nothing here blocks. Stateless.
 *
 * <ul>
 *   <li>{@code system} (and {@code developer}) messages, wherever they are, become {@code
 *       systemInstruction}. The others are {@code contents} of role {@code user} or {@code model}
 *       (the assistant); consecutive contents of one role are merged, as Gemini wants turns to
 *       alternate.
 *   <li>Text parts are {@code text}; an image (or {@code file}, or {@code input_audio}) given as a
 *       base64 {@code data:} URL is {@code inlineData}, any other URL {@code fileData} with the
 *       media type its extension names. An assistant's {@code tool_calls} are {@code functionCall}
 *       parts (their arguments parsed into {@code args}), and a {@code tool} message is a {@code
 *       functionResponse} of the user, named after the call it answers, with its text as {@code
 *       response.content}. A tool call id that carries a thought signature ({@value
 *       #SIGNATURE_SEPARATOR}, see {@link GeminiAnswer}) gives the signature back on its part, as
 *       Gemini requires of a thinking model.
 *   <li>{@code tools} of type function are {@code functionDeclarations} (their schemas without the
 *       keys Gemini refuses: {@code additionalProperties}, {@code $schema}, {@code strict}); {@code
 *       tool_choice} is {@code toolConfig.functionCallingConfig}: {@code none} NONE, {@code auto}
 *       AUTO, {@code required} ANY, a named function ANY limited to it.
 *   <li>{@code generationConfig}: {@code temperature}, {@code top_p} (topP), {@code top_k}, {@code
 *       max_tokens} or {@code max_completion_tokens} (maxOutputTokens), {@code stop}
 *       (stopSequences), {@code n} (candidateCount), {@code seed}, {@code presence_penalty} and
 *       {@code frequency_penalty}; {@code response_format} {@code json_object} is {@code
 *       responseMimeType: application/json}, and {@code json_schema} adds its schema as {@code
 *       responseSchema}.
 *   <li>{@code reasoning_effort} is {@code thinkingConfig} as LiteLLM maps it: for Gemini 2.5 a
 *       {@code thinkingBudget} ({@code minimal} the model's smallest: 512 for flash-lite, 1 for
 *       flash, 128 otherwise; {@code low} 1,024, {@code medium} 2,048, {@code high} 4,096; {@code
 *       none} and {@code disable} 0), for Gemini 3 a {@code thinkingLevel}; {@code includeThoughts}
 *       unless thinking is off. Anthropic's {@code thinking} parameter is a budget likewise.
 * </ul>
 *
 * LiteLLM's Gemini parameters {@code safety_settings}, {@code cached_content} (a context cache,
 * whose tokens are billed at the cache rate) and {@code labels} are sent as {@code safetySettings},
 * {@code cachedContent} and {@code labels}. A history that ends with the assistant gets a blank
 * user turn, as LiteLLM sends it. An OpenAI parameter outside {@link #SUPPORTED} ({@code
 * logit_bias}, {@code parallel_tool_calls}...) is a 400 naming it, or with {@code drop_params}
 * dropped ({@link ChatParams}). Not sent either: {@code user}, {@code metadata}, {@code
 * stream_options} (a Gemini stream always reports usage), a message's {@code name}.
 */
final class GeminiRequest {
  private GeminiRequest() {}

  /** Joins a tool call id and the thought signature of its call, as LiteLLM joins them. */
  static final String SIGNATURE_SEPARATOR = "__thought__";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Schema keys Gemini's OpenAPI subset refuses. */
  private static final Set<String> SCHEMA_DROPPED =
      Set.of("additionalProperties", "$schema", "strict");

  private static final Map<String, Long> EFFORT_BUDGETS =
      Map.of("low", 1024L, "medium", 2048L, "high", 4096L, "none", 0L, "disable", 0L);

  /** Media types by file extension, for a URL sent as {@code fileData}. */
  private static final Map<String, String> MEDIA_TYPES =
      Map.ofEntries(
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("webp", "image/webp"),
          Map.entry("gif", "image/gif"),
          Map.entry("heic", "image/heic"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("mp3", "audio/mp3"),
          Map.entry("wav", "audio/wav"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("txt", "text/plain"));

  /**
   * The OpenAI chat parameters Gemini serves, from LiteLLM's {@code
   * VertexGeminiConfig.get_supported_openai_params}, less those not translated here ({@code
   * logprobs}, {@code top_logprobs}, {@code modalities}, {@code audio}, {@code
   * parallel_tool_calls}, {@code web_search_options}, the legacy {@code functions}). The others are
   * a 400, or dropped with {@code drop_params} ({@link ChatParams}).
   */
  static final Set<String> SUPPORTED =
      Set.of(
          "temperature",
          "top_p",
          "max_tokens",
          "max_completion_tokens",
          "tools",
          "tool_choice",
          "response_format",
          "n",
          "stop",
          "frequency_penalty",
          "presence_penalty",
          "seed",
          "reasoning_effort");

  /**
   * The {@code GenerateContentRequest} body for the chat request of {@code up}, to {@code model},
   * its parameters admitted first.
   */
  static byte[] fromChat(UpstreamRequest up, String model) {
    JsonNode root = tree(up.request().body());
    ChatParams.admit((ObjectNode) root, SUPPORTED, up.params());
    return fromChat(root, model);
  }

  /** The {@code GenerateContentRequest} body for an OpenAI chat request to {@code model}. */
  static byte[] fromChat(byte[] body, String model) {
    return fromChat(tree(body), model);
  }

  private static byte[] fromChat(JsonNode root, String model) {
    ObjectNode out = NODES.objectNode();
    ArrayNode system = NODES.arrayNode();
    out.set("contents", contents(root.path("messages"), system));
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").set("parts", system);
    }
    ArrayNode tools = tools(root.path("tools"));
    if (!tools.isEmpty()) {
      out.set("tools", tools);
    }
    ObjectNode toolConfig = toolConfig(root.path("tool_choice"));
    if (toolConfig != null) {
      out.set("toolConfig", toolConfig);
    }
    ObjectNode config = generationConfig(root, model);
    if (!config.isEmpty()) {
      out.set("generationConfig", config);
    }
    // LiteLLM's Gemini-only parameters, passed on under Gemini's names.
    JsonNode safety = root.path("safety_settings");
    if (safety.isArray()) {
      out.set("safetySettings", safety);
    }
    JsonNode cached = root.path("cached_content");
    if (cached.isTextual()) {
      out.put("cachedContent", cached.asText());
    }
    JsonNode labels = root.path("labels");
    if (labels.isObject()) {
      out.set("labels", labels);
    }
    try {
      return Json.MAPPER.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write the Gemini request", e);
    }
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

  /** The contents, with system messages moved to {@code system}. */
  private static ArrayNode contents(JsonNode messages, ArrayNode system) {
    // A tool message names only its call's id; Gemini wants the function's name.
    Map<String, String> callNames = new HashMap<>();
    for (JsonNode m : messages) {
      for (JsonNode call : m.path("tool_calls")) {
        callNames.put(call.path("id").asText(""), call.path("function").path("name").asText(""));
      }
    }
    ArrayNode contents = NODES.arrayNode();
    String lastRole = null;
    ArrayNode current = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      String role = m.path("role").asText("");
      String turnRole;
      ArrayNode parts;
      switch (role) {
        case "system", "developer" -> {
          system.addAll(userParts(m.path("content"), at));
          continue;
        }
        case "user" -> {
          turnRole = "user";
          parts = userParts(m.path("content"), at);
        }
        case "tool" -> {
          turnRole = "user";
          parts = NODES.arrayNode().add(functionResponse(m, callNames));
        }
        case "assistant" -> {
          turnRole = "model";
          parts = modelParts(m, at);
        }
        default ->
            throw GatewayException.badRequest(
                at + ".role",
                "role '"
                    + role
                    + "' cannot be sent to Gemini; use system, user, assistant or tool");
      }
      if (parts.isEmpty()) {
        continue;
      }
      if (turnRole.equals(lastRole) && current != null) {
        current.addAll(parts);
      } else {
        ObjectNode content = contents.addObject();
        content.put("role", turnRole);
        current = content.putArray("parts");
        current.addAll(parts);
        lastRole = turnRole;
      }
    }
    if ("model".equals(lastRole)) {
      // Gemini does not continue a model turn: LiteLLM ends such a history with a blank user turn.
      contents.addObject().put("role", "user").putArray("parts").addObject().put("text", " ");
    }
    return contents;
  }

  /** A user's (or system's) content: a string or an array of parts. */
  private static ArrayNode userParts(JsonNode content, String at) {
    ArrayNode parts = NODES.arrayNode();
    if (content.isTextual()) {
      parts.addObject().put("text", content.asText());
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        parts.add(part(content.get(j), at + ".content[" + j + "]"));
      }
    } else if (!content.isMissingNode() && !content.isNull()) {
      throw GatewayException.badRequest(
          at + ".content", "content must be a string or an array of parts");
    }
    return parts;
  }

  private static ObjectNode part(JsonNode part, String at) {
    String type = part.path("type").asText("");
    return switch (type) {
      case "text" -> NODES.objectNode().put("text", part.path("text").asText(""));
      case "image_url" -> {
        JsonNode url = part.path("image_url");
        yield media(url.isTextual() ? url.asText() : url.path("url").asText(""), null, at);
      }
      case "input_audio" -> {
        JsonNode audio = part.path("input_audio");
        ObjectNode p = NODES.objectNode();
        p.putObject("inlineData")
            .put("mimeType", "audio/" + audio.path("format").asText("wav"))
            .put("data", audio.path("data").asText(""));
        yield p;
      }
      case "file" -> {
        JsonNode file = part.path("file");
        if (file.path("file_data").isTextual()) {
          yield media(file.path("file_data").asText(), null, at + ".file.file_data");
        }
        if (file.path("file_id").isTextual()) {
          String format = file.path("format").isTextual() ? file.path("format").asText() : null;
          yield media(file.path("file_id").asText(), format, at + ".file.file_id");
        }
        throw GatewayException.badRequest(at + ".file", "a file part needs file_data or file_id");
      }
      default ->
          throw GatewayException.badRequest(
              at + ".type", "content part of type '" + type + "' cannot be sent to Gemini");
    };
  }

  /**
   * A part for a media URL: a base64 {@code data:} URL inline, any other (a {@code gs://} or Files
   * API URI, an https URL) as {@code fileData}, of the media type given or its extension's.
   */
  private static ObjectNode media(String url, @Nullable String mediaType, String at) {
    ObjectNode p = NODES.objectNode();
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String head = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !head.endsWith(";base64")) {
        throw GatewayException.badRequest(
            at, "an inline file must be a base64 data URL: data:<media type>;base64,<data>");
      }
      p.putObject("inlineData")
          .put("mimeType", head.substring(0, head.length() - 7))
          .put("data", url.substring(comma + 1));
      return p;
    }
    p.putObject("fileData")
        .put("mimeType", mediaType != null ? mediaType : mediaTypeOf(url))
        .put("fileUri", url);
    return p;
  }

  private static String mediaTypeOf(String url) {
    String path = url;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    int dot = path.lastIndexOf('.');
    String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    return MEDIA_TYPES.getOrDefault(ext, "image/jpeg");
  }

  /** An assistant's text, then its tool calls. */
  private static ArrayNode modelParts(JsonNode m, String at) {
    ArrayNode parts = NODES.arrayNode();
    JsonNode content = m.path("content");
    if (content.isTextual()) {
      if (!content.asText().isEmpty()) {
        parts.addObject().put("text", content.asText());
      }
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String type = part.path("type").asText("");
        if (type.equals("text") || type.equals("refusal")) {
          String text = part.path(type).asText("");
          if (!text.isEmpty()) {
            parts.addObject().put("text", text);
          }
        } else {
          parts.add(part(part, at + ".content[" + j + "]"));
        }
      }
    }
    JsonNode calls = m.path("tool_calls");
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      ObjectNode p = parts.addObject();
      ObjectNode fc = p.putObject("functionCall");
      fc.put("name", call.path("function").path("name").asText(""));
      fc.set("args", ToolCalls.argumentsObject(call.path("function").path("arguments"), at, j));
      String id = call.path("id").asText("");
      int sep = id.indexOf(SIGNATURE_SEPARATOR);
      if (sep >= 0) {
        p.put("thoughtSignature", id.substring(sep + SIGNATURE_SEPARATOR.length()));
      }
    }
    return parts;
  }

  private static ObjectNode functionResponse(JsonNode m, Map<String, String> callNames) {
    String id = m.path("tool_call_id").asText("");
    String name = callNames.getOrDefault(id, "");
    JsonNode content = m.path("content");
    String text;
    if (content.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : content) {
        sb.append(part.path("text").asText(""));
      }
      text = sb.toString();
    } else {
      text = content.asText("");
    }
    ObjectNode p = NODES.objectNode();
    ObjectNode fr = p.putObject("functionResponse");
    fr.put("name", name);
    fr.putObject("response").put("content", text);
    return p;
  }

  private static ArrayNode tools(JsonNode tools) {
    ArrayNode out = NODES.arrayNode();
    ArrayNode declarations = NODES.arrayNode();
    for (JsonNode tool : tools) {
      if (!tool.path("type").asText("").equals("function")) {
        // Already Gemini's: googleSearch, codeExecution, urlContext and the like.
        ObjectNode own = tool.deepCopy();
        own.remove("type");
        if (!own.isEmpty()) {
          out.add(own);
        }
        continue;
      }
      JsonNode f = tool.path("function");
      ObjectNode d = declarations.addObject();
      d.put("name", f.path("name").asText(""));
      if (f.path("description").isTextual()) {
        d.put("description", f.path("description").asText());
      }
      JsonNode params = f.path("parameters");
      if (params.isObject() && params.path("properties").size() > 0) {
        d.set("parameters", schema(params));
      }
    }
    if (!declarations.isEmpty()) {
      out.insertObject(0).set("functionDeclarations", declarations);
    }
    return out;
  }

  /** A JSON schema without the keys Gemini refuses, at any depth. */
  static JsonNode schema(JsonNode schema) {
    JsonNode copy = schema.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode o) {
      o.remove(SCHEMA_DROPPED);
      for (Map.Entry<String, JsonNode> e : o.properties()) {
        if (e.getKey().equals("properties") && e.getValue().isObject()) {
          // Property names are not schema keys: a property may be called "strict".
          for (JsonNode property : e.getValue()) {
            strip(property);
          }
        } else {
          strip(e.getValue());
        }
      }
    } else if (node.isArray()) {
      for (JsonNode n : node) {
        strip(n);
      }
    }
  }

  private static @Nullable ObjectNode toolConfig(JsonNode choice) {
    String mode;
    String only = null;
    if (choice.isTextual()) {
      mode =
          switch (choice.asText()) {
            case "none" -> "NONE";
            case "auto" -> "AUTO";
            case "required" -> "ANY";
            default ->
                throw GatewayException.badRequest(
                    "tool_choice",
                    "tool_choice must be none, auto, required or a function; got '"
                        + choice.asText()
                        + "'");
          };
    } else if (choice.isObject()) {
      mode = "ANY";
      only = choice.path("function").path("name").asText("");
    } else {
      return null;
    }
    ObjectNode config = NODES.objectNode();
    ObjectNode calling = config.putObject("functionCallingConfig").put("mode", mode);
    if (only != null) {
      calling.putArray("allowedFunctionNames").add(only);
    }
    return config;
  }

  private static ObjectNode generationConfig(JsonNode root, String model) {
    ObjectNode c = NODES.objectNode();
    copyNumber(root, "temperature", c, "temperature");
    copyNumber(root, "top_p", c, "topP");
    copyNumber(root, "top_k", c, "topK");
    copyNumber(root, "seed", c, "seed");
    copyNumber(root, "presence_penalty", c, "presencePenalty");
    copyNumber(root, "frequency_penalty", c, "frequencyPenalty");
    copyNumber(root, "n", c, "candidateCount");
    JsonNode max = root.path("max_completion_tokens");
    if (!max.isNumber()) {
      max = root.path("max_tokens");
    }
    if (max.isNumber()) {
      c.set("maxOutputTokens", max);
    }
    JsonNode stop = root.path("stop");
    if (stop.isTextual()) {
      c.putArray("stopSequences").add(stop.asText());
    } else if (stop.isArray() && !stop.isEmpty()) {
      c.set("stopSequences", stop);
    }
    JsonNode format = root.path("response_format");
    switch (format.path("type").asText("")) {
      case "json_object" -> c.put("responseMimeType", "application/json");
      case "json_schema" -> {
        c.put("responseMimeType", "application/json");
        JsonNode schema = format.path("json_schema").path("schema");
        if (schema.isObject()) {
          c.set("responseSchema", schema(schema));
        }
      }
      default -> {
        // "text", or none
      }
    }
    ObjectNode thinking = thinking(root, model);
    if (thinking != null) {
      c.set("thinkingConfig", thinking);
    }
    return c;
  }

  private static void copyNumber(JsonNode root, String from, ObjectNode to, String field) {
    JsonNode v = root.path(from);
    if (v.isNumber()) {
      to.set(field, v);
    }
  }

  /** {@code thinkingConfig} for {@code reasoning_effort}, or for Anthropic's {@code thinking}. */
  static @Nullable ObjectNode thinking(JsonNode root, String model) {
    JsonNode effortNode = root.path("reasoning_effort");
    if (effortNode.isObject()) {
      effortNode = effortNode.path("effort");
    }
    String m = model.toLowerCase(Locale.ROOT);
    if (effortNode.isTextual()) {
      String effort = effortNode.asText();
      boolean off = effort.equals("none") || effort.equals("disable");
      if (m.contains("gemini-3")) {
        return NODES
            .objectNode()
            .put("thinkingLevel", thinkingLevel(effort, m))
            .put("includeThoughts", !off);
      }
      long budget;
      if (effort.equals("minimal")) {
        budget =
            m.contains("gemini-2.5-flash-lite") ? 512 : m.contains("gemini-2.5-flash") ? 1 : 128;
      } else {
        Long b = EFFORT_BUDGETS.get(effort);
        if (b == null) {
          throw GatewayException.badRequest(
              "reasoning_effort",
              "reasoning_effort must be none, minimal, low, medium or high; got '" + effort + "'");
        }
        budget = b;
      }
      return NODES.objectNode().put("thinkingBudget", budget).put("includeThoughts", !off);
    }
    JsonNode t = root.path("thinking");
    if (t.isObject()) {
      ObjectNode out = NODES.objectNode();
      JsonNode budget = t.path("budget_tokens");
      boolean enabled = t.path("type").asText("").equals("enabled");
      if (enabled && !(budget.canConvertToLong() && budget.asLong() == 0)) {
        out.put("includeThoughts", true);
      }
      if (budget.canConvertToLong()) {
        out.put("thinkingBudget", budget.asLong());
      }
      return out.isEmpty() ? null : out;
    }
    return null;
  }

  /** Gemini 3's thinking levels, as LiteLLM picks them; flash has a minimal and a medium level. */
  private static String thinkingLevel(String effort, String model) {
    boolean flash = model.contains("gemini-3-flash") || model.contains("gemini-3.1-flash");
    boolean medium = flash || model.contains("gemini-3.1-pro");
    return switch (effort) {
      case "minimal", "none", "disable" -> flash ? "minimal" : "low";
      case "low" -> "low";
      case "medium" -> medium ? "medium" : "high";
      case "high" -> "high";
      default ->
          throw GatewayException.badRequest(
              "reasoning_effort",
              "reasoning_effort must be none, minimal, low, medium or high; got '" + effort + "'");
    };
  }

  /** The {@code batchEmbedContents} body for an OpenAI embeddings request to {@code model}. */
  static byte[] fromEmbeddings(byte[] body, String model) {
    JsonNode root = tree(body);
    JsonNode input = root.path("input");
    List<String> texts;
    if (input.isTextual()) {
      texts = List.of(input.asText());
    } else if (input.isArray() && !input.isEmpty() && allText(input)) {
      texts = new ArrayList<>();
      for (JsonNode t : input) {
        texts.add(t.asText());
      }
    } else {
      throw GatewayException.badRequest(
          "input", "Gemini embeds text: input must be a string or an array of strings");
    }
    ObjectNode out = NODES.objectNode();
    ArrayNode requests = out.putArray("requests");
    for (String t : texts) {
      ObjectNode r = requests.addObject();
      r.put("model", "models/" + model);
      r.putObject("content").putArray("parts").addObject().put("text", t);
      if (root.path("dimensions").isNumber()) {
        r.set("outputDimensionality", root.path("dimensions"));
      }
    }
    try {
      return Json.MAPPER.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw GatewayException.internal("could not write the Gemini request", e);
    }
  }

  private static boolean allText(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isTextual()) {
        return false;
      }
    }
    return true;
  }
}
