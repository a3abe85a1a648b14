package dev.tollgate.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.BodyJson;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@code GenerateContentRequest} in OpenAI chat form, for admission only: what the reservation
 * reads (the texts and tool declarations, for the token bound; the images; {@code maxOutputTokens}
 * and {@code candidateCount}, for the output bound) and what a usage estimate reads when the answer
 * reports none. The request itself goes upstream as the client sent it, so Google checks it; this
 * form refuses only what it cannot read. Field names are accepted in Google's JSON form ({@code
 * inlineData}) and in the proto form ({@code inline_data}) its servers also take. Stateless.
 *
 * <ul>
 *   <li>{@code systemInstruction} is the system message; {@code contents} the messages, role {@code
 *       model} as the assistant's.
 *   <li>Text parts are text; {@code inlineData} and {@code fileData} of an image are image parts,
 *       of anything else file parts; {@code functionCall} is an assistant tool call and {@code
 *       functionResponse} a tool message answering it; {@code executableCode} and {@code
 *       codeExecutionResult} count as text.
 *   <li>{@code tools[].functionDeclarations} are function tools.
 *   <li>{@code generationConfig}: {@code maxOutputTokens} is {@code max_tokens}, {@code
 *       candidateCount} is {@code n}, {@code temperature}, {@code topP} and {@code stopSequences}
 *       are kept.
 * </ul>
 */
final class GeminiChatForm {
  private GeminiChatForm() {}

  static byte[] of(byte[] body, boolean stream) {
    JsonNode root = BodyJson.parse(body);
    if (!root.isObject()) {
      throw BodyJson.bad(null, "request body must be a JSON object");
    }
    ObjectNode chat = Json.MAPPER.createObjectNode();
    ArrayNode messages = chat.putArray("messages");
    JsonNode system = field(root, "systemInstruction", "system_instruction");
    if (system != null) {
      String text = texts(system, "systemInstruction");
      if (!text.isEmpty()) {
        messages.addObject().put("role", "system").put("content", text);
      }
    }
    JsonNode contents = root.get("contents");
    if (contents == null || !contents.isArray()) {
      throw BodyJson.bad("contents", "'contents' is required and must be an array of Content");
    }
    Map<String, Deque<String>> calls = new HashMap<>();
    for (int i = 0; i < contents.size(); i++) {
      content(contents.get(i), "contents[" + i + "]", messages, calls);
    }
    tools(root.get("tools"), chat);
    JsonNode config = field(root, "generationConfig", "generation_config");
    if (config != null) {
      if (!config.isObject()) {
        throw BodyJson.bad("generationConfig", "'generationConfig' must be an object");
      }
      JsonNode max = field(config, "maxOutputTokens", "max_output_tokens");
      if (max != null) {
        if (!max.isIntegralNumber() || max.asLong() < 1) {
          throw BodyJson.bad(
              "generationConfig.maxOutputTokens",
              "'generationConfig.maxOutputTokens' must be a positive integer");
        }
        chat.put("max_tokens", max.asLong());
      }
      JsonNode n = field(config, "candidateCount", "candidate_count");
      if (n != null) {
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > 128) {
          throw BodyJson.bad(
              "generationConfig.candidateCount",
              "'generationConfig.candidateCount' must be an integer from 1 to 128");
        }
        chat.put("n", n.asInt());
      }
      JsonNode temperature = config.get("temperature");
      if (temperature != null && temperature.isNumber()) {
        chat.set("temperature", temperature);
      }
      JsonNode topP = field(config, "topP", "top_p");
      if (topP != null && topP.isNumber()) {
        chat.set("top_p", topP);
      }
      JsonNode stop = field(config, "stopSequences", "stop_sequences");
      if (stop != null && stop.isArray()) {
        chat.set("stop", stop);
      }
    }
    if (stream) {
      chat.put("stream", true);
      chat.putObject("stream_options").put("include_usage", true);
    }
    return BodyJson.write(chat);
  }

  /** The field under its JSON name or its proto name; null when absent or JSON null. */
  static @Nullable JsonNode field(JsonNode node, String json, String proto) {
    JsonNode v = BodyJson.present(node, json);
    return v != null ? v : BodyJson.present(node, proto);
  }

  private static void content(
      JsonNode content, String at, ArrayNode messages, Map<String, Deque<String>> calls) {
    if (!content.isObject()) {
      throw BodyJson.bad(at, "'" + at + "' must be a Content object");
    }
    String role = content.path("role").asText("user");
    boolean model = role.equals("model");
    JsonNode parts = content.get("parts");
    if (parts == null || !parts.isArray()) {
      throw BodyJson.bad(at + ".parts", "'" + at + ".parts' is required and must be an array");
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    ArrayNode toolCalls = Json.MAPPER.createArrayNode();
    for (int i = 0; i < parts.size(); i++) {
      String p = at + ".parts[" + i + "]";
      JsonNode part = parts.get(i);
      if (!part.isObject()) {
        throw BodyJson.bad(p, "'" + p + "' must be a Part object");
      }
      JsonNode call = field(part, "functionCall", "function_call");
      JsonNode response = field(part, "functionResponse", "function_response");
      if (call != null) {
        String name = call.path("name").asText("");
        String id = "call_" + messages.size() + "_" + i;
        calls.computeIfAbsent(name, k -> new ArrayDeque<>()).add(id);
        ObjectNode c = toolCalls.addObject().put("id", id).put("type", "function");
        c.putObject("function")
            .put("name", name)
            .put("arguments", BodyJson.string(call.path("args")));
      } else if (response != null) {
        String name = response.path("name").asText("");
        Deque<String> pending = calls.get(name);
        String id = pending == null || pending.isEmpty() ? "call_" + name : pending.poll();
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", id)
            .put("content", BodyJson.string(response.path("response")));
      } else {
        part(part, p, out);
      }
    }
    if (out.isEmpty() && toolCalls.isEmpty()) {
      return;
    }
    ObjectNode m = messages.addObject().put("role", model ? "assistant" : "user");
    m.set("content", out);
    if (!toolCalls.isEmpty()) {
      m.set("tool_calls", toolCalls);
    }
  }

  /** A part that is neither a call nor a response, as chat content parts. */
  private static void part(JsonNode part, String at, ArrayNode out) {
    JsonNode text = part.get("text");
    if (text != null && text.isTextual()) {
      out.addObject().put("type", "text").put("text", text.textValue());
      return;
    }
    JsonNode inline = field(part, "inlineData", "inline_data");
    if (inline != null) {
      String mime = mime(inline);
      String url = "data:" + mime + ";base64," + inline.path("data").asText("");
      media(mime, url, out);
      return;
    }
    JsonNode file = field(part, "fileData", "file_data");
    if (file != null) {
      JsonNode uri = field(file, "fileUri", "file_uri");
      if (uri == null || !uri.isTextual()) {
        throw BodyJson.bad(at + ".fileData.fileUri", "'" + at + ".fileData.fileUri' is required");
      }
      media(mime(file), uri.textValue(), out);
      return;
    }
    for (String counted :
        new String[] {
          "executableCode", "executable_code", "codeExecutionResult", "code_execution_result"
        }) {
      JsonNode v = part.get(counted);
      if (v != null) {
        out.addObject().put("type", "text").put("text", BodyJson.string(v));
        return;
      }
    }
  }

  private static String mime(JsonNode data) {
    JsonNode m = field(data, "mimeType", "mime_type");
    return m == null ? "application/octet-stream" : m.asText();
  }

  private static void media(String mime, String url, ArrayNode out) {
    if (mime.startsWith("image/")) {
      out.addObject().put("type", "image_url").putObject("image_url").put("url", url);
    } else {
      out.addObject().put("type", "file").putObject("file").put("file_data", url);
    }
  }

  private static void tools(@Nullable JsonNode tools, ObjectNode chat) {
    if (tools == null || tools.isNull()) {
      return;
    }
    if (!tools.isArray()) {
      throw BodyJson.bad("tools", "'tools' must be an array of Tool");
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode tool : tools) {
      JsonNode declarations = field(tool, "functionDeclarations", "function_declarations");
      if (declarations == null || !declarations.isArray()) {
        continue;
      }
      for (JsonNode d : declarations) {
        ObjectNode f = out.addObject().put("type", "function").putObject("function");
        f.put("name", d.path("name").asText(""));
        if (d.path("description").isTextual()) {
          f.put("description", d.path("description").textValue());
        }
        JsonNode parameters = field(d, "parameters", "parametersJsonSchema");
        if (parameters != null) {
          f.set("parameters", parameters);
        }
      }
    }
    if (!out.isEmpty()) {
      chat.set("tools", out);
    }
  }

  /** The text parts of a system instruction, joined. */
  private static String texts(JsonNode content, String at) {
    if (content.isTextual()) {
      return content.textValue();
    }
    JsonNode parts = content.get("parts");
    if (parts == null || !parts.isArray()) {
      throw BodyJson.bad(at + ".parts", "'" + at + ".parts' must be an array");
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode p : parts) {
      if (p.path("text").isTextual()) {
        if (text.length() > 0) {
          text.append('\n');
        }
        text.append(p.path("text").textValue());
      }
    }
    return text.toString();
  }
}
