package dev.tollgate.dialect.messages;

import static dev.tollgate.dialect.ChatStreams.DONE;
import static dev.tollgate.dialect.ChatStreams.chunk;
import static dev.tollgate.dialect.ChatStreams.feed;
import static dev.tollgate.dialect.ChatStreams.json;
import static dev.tollgate.dialect.ChatStreams.parse;
import static dev.tollgate.dialect.ChatStreams.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.dialect.ChatStreams.Event;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The Messages bridge keeps what it is given, however the upstream's bytes are chunked. */
class MessagesProperties {
  /** Pieces of text that stress JSON escaping and multi-byte UTF-8. */
  @Provide
  Arbitrary<String> pieces() {
    return Arbitraries.of("a", "Hello", " ", "é", "漢字", "😀", "\n", "\"", "\\", "{", "}", "\t")
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .map(l -> String.join("", l));
  }

  static String textDelta(String text) {
    return Json.MAPPER.createObjectNode().put("content", text).toString();
  }

  static String argsDelta(int index, String args) {
    ObjectNode delta = Json.MAPPER.createObjectNode();
    ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index);
    call.putObject("function").put("arguments", args);
    return delta.toString();
  }

  /** A chat stream of text pieces, then optionally a tool call whose arguments are split. */
  static String stream(List<String> text, List<String> args) {
    StringBuilder s = new StringBuilder();
    s.append(chunk("chatcmpl-p", "{\"role\":\"assistant\",\"content\":\"\"}", null));
    for (String t : text) {
      s.append(chunk("chatcmpl-p", textDelta(t), null));
    }
    if (!args.isEmpty()) {
      s.append(
          chunk(
              "chatcmpl-p",
              "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                  + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}",
              null));
      for (String a : args) {
        s.append(chunk("chatcmpl-p", argsDelta(0, a), null));
      }
    }
    s.append(chunk("chatcmpl-p", "{}", args.isEmpty() ? "stop" : "tool_calls"));
    s.append(usageChunk("chatcmpl-p", "{\"prompt_tokens\":11,\"completion_tokens\":7}"));
    return s.append(DONE).toString();
  }

  @Property(tries = 200)
  void encode_anySplitOfTheBytes_givesTheSameEvents(
      @ForAll("textPieces") List<String> text,
      @ForAll("argPieces") List<String> args,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 100_000) Integer> cutSeeds) {
    String stream = stream(text, args);
    int length = stream.getBytes(StandardCharsets.UTF_8).length;
    int[] cuts =
        cutSeeds.stream().mapToInt(c -> 1 + c % (length - 1)).sorted().distinct().toArray();
    String whole = feed(new MessagesDialect().encoder("claude"), stream);
    String split = feed(new MessagesDialect().encoder("claude"), stream, cuts);
    assertThat(split).isEqualTo(whole);
  }

  @Property(tries = 200)
  void encode_deltas_concatenateToTheChatTextAndArguments(
      @ForAll("textPieces") List<String> text, @ForAll("argPieces") List<String> args) {
    List<Event> events = parse(feed(new MessagesDialect().encoder("claude"), stream(text, args)));
    String texts =
        events.stream()
            .filter(e -> e.data().at("/delta/type").asText().equals("text_delta"))
            .map(e -> e.data().at("/delta/text").asText())
            .collect(Collectors.joining());
    String json =
        events.stream()
            .filter(e -> e.data().at("/delta/type").asText().equals("input_json_delta"))
            .map(e -> e.data().at("/delta/partial_json").asText())
            .collect(Collectors.joining());
    assertThat(texts).isEqualTo(String.join("", text));
    assertThat(json).isEqualTo(String.join("", args));
    assertThat(events.get(events.size() - 1).name()).isEqualTo("message_stop");
  }

  @Provide
  Arbitrary<List<String>> textPieces() {
    return pieces().list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<List<String>> argPieces() {
    return pieces().list().ofMaxSize(5);
  }

  /** An Anthropic request with every translatable sampling and identity field set. */
  record Request(
      String model,
      long maxTokens,
      BigDecimal temperature,
      BigDecimal topP,
      List<String> stop,
      String user,
      String system,
      List<String> turns,
      String toolName,
      boolean stream) {

    byte[] body() {
      ObjectNode b = Json.MAPPER.createObjectNode();
      b.put("model", model).put("max_tokens", maxTokens);
      b.put("temperature", temperature).put("top_p", topP).put("top_k", 5);
      ArrayNode s = b.putArray("stop_sequences");
      stop.forEach(s::add);
      b.putObject("metadata").put("user_id", user);
      b.put("system", system);
      ArrayNode messages = b.putArray("messages");
      for (int i = 0; i < turns.size(); i++) {
        messages
            .addObject()
            .put("role", i % 2 == 0 ? "user" : "assistant")
            .put("content", turns.get(i));
      }
      ObjectNode tool = b.putArray("tools").addObject().put("name", toolName);
      tool.putObject("input_schema").put("type", "object");
      b.putObject("tool_choice").put("type", "tool").put("name", toolName);
      b.put("stream", stream);
      return b.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<String> words = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12);
    Arbitrary<BigDecimal> unit =
        Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.ONE).ofScale(2);
    return Combinators.combine(
            words,
            Arbitraries.longs().between(1, 128_000),
            unit,
            unit,
            words.list().ofMaxSize(4),
            words,
            pieces(),
            pieces().list().ofMinSize(1).ofMaxSize(6))
        .flatAs(
            (model, max, temperature, topP, stop, user, system, turns) ->
                Combinators.combine(words, Arbitraries.of(true, false))
                    .as(
                        (tool, stream) ->
                            new Request(
                                model,
                                max,
                                temperature,
                                topP,
                                stop,
                                user,
                                system,
                                turns,
                                tool,
                                stream)));
  }

  @Property(tries = 200)
  void toChat_keepsEveryTranslatableField(@ForAll("requests") Request r) {
    JsonNode chat = json(new MessagesDialect().toChat(r.body()));
    assertThat(chat.get("model").asText()).isEqualTo(r.model());
    assertThat(chat.get("max_tokens").asLong()).isEqualTo(r.maxTokens());
    assertThat(chat.get("temperature").decimalValue()).isEqualByComparingTo(r.temperature());
    assertThat(chat.get("top_p").decimalValue()).isEqualByComparingTo(r.topP());
    if (r.stop().isEmpty()) {
      assertThat(chat.has("stop")).isFalse();
    } else {
      assertThat(chat.get("stop")).isEqualTo(Json.MAPPER.valueToTree(r.stop()));
    }
    assertThat(chat.get("user").asText()).isEqualTo(r.user());
    JsonNode messages = chat.get("messages");
    assertThat(messages.size()).isEqualTo(r.turns().size() + 1);
    assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
    assertThat(messages.get(0).get("content").asText()).isEqualTo(r.system());
    for (int i = 0; i < r.turns().size(); i++) {
      assertThat(messages.get(i + 1).get("role").asText())
          .isEqualTo(i % 2 == 0 ? "user" : "assistant");
      assertThat(messages.get(i + 1).get("content").asText()).isEqualTo(r.turns().get(i));
    }
    assertThat(chat.at("/tools/0/function/name").asText()).isEqualTo(r.toolName());
    assertThat(chat.at("/tool_choice/function/name").asText()).isEqualTo(r.toolName());
    assertThat(chat.path("stream").asBoolean(false)).isEqualTo(r.stream());
    assertThat(chat.at("/stream_options/include_usage").asBoolean(false)).isEqualTo(r.stream());
    assertThat(chat.has("top_k")).isFalse();
  }
}
