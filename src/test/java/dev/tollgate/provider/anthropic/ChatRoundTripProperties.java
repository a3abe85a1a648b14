package dev.tollgate.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.messages.MessagesDialect;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI chat → Anthropic Messages (the upstream translation) → OpenAI chat (the client-side
 * bridge) keeps every field both APIs have: the system prompt, each turn's role and text, tool
 * definitions, tool calls with their ids and arguments, tool results, {@code stop}, {@code
 * temperature}, {@code top_p}, {@code max_tokens} and {@code user}. The two translations were
 * written apart, each from one API's reference, so agreement here is evidence for both.
 */
class ChatRoundTripProperties {
  private static final MessagesDialect MESSAGES = new MessagesDialect();

  /** One exchange of a conversation: a user turn, and either an answer or a tool round trip. */
  record Turn(String user, String answer, boolean toolCall, String city) {}

  @Property(tries = 300)
  void chatToMessagesAndBack_keepsEveryTranslatableField(@ForAll("requests") ObjectNode chat)
      throws Exception {
    byte[] anthropic = AnthropicRequest.fromChat(Requests.chat(chat.toString()));
    JsonNode back = Json.MAPPER.readTree(MESSAGES.toChat(anthropic));

    assertThat(back.path("max_tokens").asLong()).isEqualTo(chat.path("max_tokens").asLong());
    assertThat(back.path("temperature").decimalValue())
        .isEqualByComparingTo(chat.path("temperature").decimalValue());
    assertThat(back.path("top_p").decimalValue())
        .isEqualByComparingTo(chat.path("top_p").decimalValue());
    assertThat(back.path("user").asText()).isEqualTo(chat.path("user").asText());
    assertThat(strings(back.path("stop"))).isEqualTo(strings(chat.path("stop")));
    assertThat(tools(back)).isEqualTo(tools(chat));
    assertThat(turns(back)).isEqualTo(turns(chat));
  }

  @Provide
  Arbitrary<ObjectNode> requests() {
    Arbitrary<String> word = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> text = word.list().ofMinSize(1).ofMaxSize(4).map(w -> String.join(" ", w));
    Arbitrary<Turn> turn =
        Combinators.combine(text, text, Arbitraries.of(true, false), word).as(Turn::new);
    return Combinators.combine(
            text.injectNull(0.3),
            turn.list().ofMinSize(1).ofMaxSize(4),
            word.list().ofMaxSize(3),
            Arbitraries.integers().between(0, 10),
            Arbitraries.integers().between(1, 10),
            Arbitraries.longs().between(1, 8192),
            Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(16))
        .as(ChatRoundTripProperties::request);
  }

  private static ObjectNode request(
      @Nullable String system,
      List<Turn> turns,
      List<String> stop,
      int temp,
      int topP,
      long max,
      String user) {
    ObjectNode r = Json.MAPPER.createObjectNode().put("model", "m");
    ArrayNode messages = r.putArray("messages");
    if (system != null) {
      messages.addObject().put("role", "system").put("content", system);
    }
    boolean tools = false;
    for (int i = 0; i < turns.size(); i++) {
      Turn t = turns.get(i);
      messages.addObject().put("role", "user").put("content", t.user());
      if (t.toolCall()) {
        tools = true;
        ObjectNode call = messages.addObject().put("role", "assistant");
        call.putNull("content");
        ObjectNode c =
            call.putArray("tool_calls").addObject().put("id", "call_" + i).put("type", "function");
        c.putObject("function")
            .put("name", "get_weather")
            .put("arguments", "{\"city\":\"" + t.city() + "\"}");
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", "call_" + i)
            .put("content", t.answer());
        messages.addObject().put("role", "assistant").put("content", "done " + i);
      } else {
        messages.addObject().put("role", "assistant").put("content", t.answer());
      }
    }
    messages.addObject().put("role", "user").put("content", "and now?");
    if (tools) {
      ObjectNode f = r.putArray("tools").addObject().put("type", "function").putObject("function");
      f.put("name", "get_weather").put("description", "Weather by city");
      f.putObject("parameters")
          .put("type", "object")
          .putObject("properties")
          .putObject("city")
          .put("type", "string");
    }
    if (!stop.isEmpty()) {
      ArrayNode s = r.putArray("stop");
      stop.forEach(s::add);
    }
    r.put("temperature", temp / 10.0)
        .put("top_p", topP / 10.0)
        .put("max_tokens", max)
        .put("user", user);
    return r;
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isTextual()) {
      out.add(n.asText());
    }
    n.forEach(v -> out.add(v.asText()));
    return out;
  }

  /** Each tool's name, description and parameters, as JSON text. */
  private static List<String> tools(JsonNode chat) {
    List<String> out = new ArrayList<>();
    for (JsonNode t : chat.path("tools")) {
      JsonNode f = t.path("function");
      out.add(
          f.path("name").asText()
              + "|"
              + f.path("description").asText()
              + "|"
              + f.path("parameters"));
    }
    return out;
  }

  /**
   * The conversation as role, text and tool calls, one line per message: the text of a content
   * array is its text parts joined, and a tool call's arguments are compared as JSON.
   */
  private static List<String> turns(JsonNode chat) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode m : chat.path("messages")) {
      StringBuilder line = new StringBuilder(m.path("role").asText()).append(':');
      JsonNode content = m.path("content");
      if (content.isTextual()) {
        line.append(content.asText());
      } else {
        for (JsonNode part : content) {
          line.append(part.path("text").asText());
        }
      }
      for (JsonNode c : m.path("tool_calls")) {
        line.append(" call ")
            .append(c.path("id").asText())
            .append(' ')
            .append(c.path("function").path("name").asText())
            .append(Json.MAPPER.readTree(c.path("function").path("arguments").asText()));
      }
      if (m.has("tool_call_id")) {
        line.append(" for ").append(m.path("tool_call_id").asText());
      }
      out.add(line.toString());
    }
    return out;
  }
}
