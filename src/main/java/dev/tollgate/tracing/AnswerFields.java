package dev.tollgate.tracing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Reads an answer in OpenAI's shape for the span, whole or as the chunks of its stream: its {@code
 * id}, {@code model} and each choice's {@code finish_reason}, skipping everything else. The text is
 * read only when the operator opted in to message recording ({@code
 * litellm_settings.turn_off_message_logging: false}): then each choice's text (and, for a whole
 * answer, its tool calls) goes into {@code gen_ai.output.messages}, in the semantic conventions'
 * JSON. Runs only when tracing is on; event-loop confined.
 */
final class AnswerFields {
  private @Nullable String id;
  private @Nullable String model;
  private final List<String> reasons = new ArrayList<>(1);

  /** By choice index: the finish reason seen last, and the text and tool calls when kept. */
  private final Map<Integer, Choice> choices = new TreeMap<>();

  private final boolean messages;

  private AnswerFields(boolean messages) {
    this.messages = messages;
  }

  private static final class Choice {
    @Nullable String finishReason;
    final StringBuilder text = new StringBuilder();
    final ArrayNode toolCalls = Json.MAPPER.createArrayNode();
  }

  /** Sets what a whole answer names on {@code span}; an answer it cannot read sets nothing. */
  static void read(byte[] answer, Span span, boolean messages) {
    AnswerFields f = new AnswerFields(messages);
    f.object(answer, 0, answer.length);
    f.set(span);
  }

  /**
   * Sets what a stream's relayed events name on {@code span}: the first {@code id} and {@code
   * model}, every finish reason, and the text of the deltas when kept. Events are read from their
   * {@code data:} lines; {@code [DONE]} and what is not JSON are skipped.
   */
  static void readStream(List<Buffer> events, Span span, boolean messages) {
    AnswerFields f = new AnswerFields(messages);
    Buffer all = events.size() == 1 ? events.get(0) : Buffer.buffer();
    if (events.size() != 1) {
      events.forEach(all::appendBuffer);
    }
    byte[] bytes = all.getBytes();
    int line = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        int end = i > line && bytes[i - 1] == '\r' ? i - 1 : i;
        if (startsWith(bytes, line, end, "data:")) {
          int from = line + 5;
          while (from < end && bytes[from] == ' ') {
            from++;
          }
          if (from < end && bytes[from] == '{') {
            f.object(bytes, from, end - from);
          }
        }
        line = i + 1;
      }
    }
    f.set(span);
  }

  private static boolean startsWith(byte[] b, int from, int end, String prefix) {
    if (end - from < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (b[from + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void object(byte[] bytes, int offset, int length) {
    try (JsonParser p = Json.FACTORY.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_STRING && "id".equals(name)) {
          if (id == null) {
            id = p.getText();
          }
        } else if (value == JsonToken.VALUE_STRING && "model".equals(name)) {
          if (model == null) {
            model = p.getText();
          }
        } else if (value == JsonToken.START_ARRAY && "choices".equals(name)) {
          choices(p);
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // Not an answer or chunk in OpenAI's shape: the span goes without what it held.
    }
  }

  private void choices(JsonParser p) throws IOException {
    int position = 0;
    while (p.nextToken() == JsonToken.START_OBJECT) {
      int index = position++;
      @Nullable String reason = null;
      @Nullable JsonNode message = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_STRING && "finish_reason".equals(name)) {
          reason = p.getText();
        } else if (value == JsonToken.VALUE_NUMBER_INT && "index".equals(name)) {
          index = p.getIntValue();
        } else if (messages
            && value == JsonToken.START_OBJECT
            && ("message".equals(name) || "delta".equals(name))) {
          message = Json.MAPPER.readTree(p);
        } else {
          p.skipChildren();
        }
      }
      if (reason != null) {
        reasons.add(reason);
      }
      if (messages) {
        Choice c = choices.computeIfAbsent(index, i -> new Choice());
        if (reason != null) {
          c.finishReason = reason;
        }
        if (message != null) {
          JsonNode content = message.path("content");
          if (content.isTextual()) {
            c.text.append(content.asText());
          }
          for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            if (fn.path("name").isTextual()) {
              ObjectNode part = c.toolCalls.addObject().put("type", "tool_call");
              if (call.path("id").isTextual()) {
                part.put("id", call.path("id").asText());
              }
              part.put("name", fn.path("name").asText());
              part.put("arguments", fn.path("arguments").asText(""));
            }
          }
        }
      }
    }
  }

  private void set(Span span) {
    if (id != null) {
      span.setAttribute(Keys.RESPONSE_ID, id);
    }
    if (model != null) {
      span.setAttribute(Keys.RESPONSE_MODEL, model);
    }
    if (!reasons.isEmpty()) {
      span.setAttribute(Keys.FINISH_REASONS, List.copyOf(reasons));
    }
    if (messages && !choices.isEmpty()) {
      ArrayNode out = Json.MAPPER.createArrayNode();
      for (Choice c : choices.values()) {
        ObjectNode m = out.addObject().put("role", "assistant");
        ArrayNode parts = m.putArray("parts");
        if (!c.text.isEmpty()) {
          parts.addObject().put("type", "text").put("content", c.text.toString());
        }
        parts.addAll(c.toolCalls);
        if (c.finishReason != null) {
          m.put("finish_reason", c.finishReason);
        }
      }
      span.setAttribute(Keys.OUTPUT_MESSAGES, out.toString());
    }
  }

  /**
   * Sets {@code gen_ai.input.messages} from a request body in OpenAI's shape: each of its {@code
   * messages} as a role and parts (text, tool calls, tool results; other parts by their type only),
   * or a completion's {@code prompt} or an embedding's {@code input} as one user message. Called
   * only when the operator opted in.
   */
  static void input(byte[] request, Span span) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(request);
    } catch (IOException e) {
      return;
    }
    if (body == null || !body.isObject()) {
      return;
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    JsonNode list = body.path("messages");
    if (list.isArray()) {
      for (JsonNode m : list) {
        ObjectNode o = out.addObject().put("role", m.path("role").asText("user"));
        ArrayNode parts = o.putArray("parts");
        JsonNode content = m.path("content");
        if (m.path("role").asText().equals("tool")) {
          ObjectNode r = parts.addObject().put("type", "tool_call_response");
          if (m.path("tool_call_id").isTextual()) {
            r.put("id", m.path("tool_call_id").asText());
          }
          r.set("response", content);
          continue;
        }
        if (content.isTextual()) {
          parts.addObject().put("type", "text").put("content", content.asText());
        } else if (content.isArray()) {
          for (JsonNode part : content) {
            String type = part.path("type").asText("unknown");
            if (type.equals("text") && part.path("text").isTextual()) {
              parts.addObject().put("type", "text").put("content", part.path("text").asText());
            } else {
              parts.addObject().put("type", type);
            }
          }
        }
        for (JsonNode call : m.path("tool_calls")) {
          ObjectNode part = parts.addObject().put("type", "tool_call");
          if (call.path("id").isTextual()) {
            part.put("id", call.path("id").asText());
          }
          part.put("name", call.path("function").path("name").asText(""));
          part.put("arguments", call.path("function").path("arguments").asText(""));
        }
      }
    } else {
      JsonNode text = body.has("prompt") ? body.path("prompt") : body.path("input");
      if (text.isMissingNode() || text.isNull()) {
        return;
      }
      ArrayNode parts = out.addObject().put("role", "user").putArray("parts");
      if (text.isArray()) {
        for (JsonNode t : text) {
          parts
              .addObject()
              .put("type", "text")
              .put("content", t.isTextual() ? t.asText() : t.toString());
        }
      } else {
        parts
            .addObject()
            .put("type", "text")
            .put("content", text.isTextual() ? text.asText() : text.toString());
      }
    }
    span.setAttribute(Keys.INPUT_MESSAGES, out.toString());
  }
}
