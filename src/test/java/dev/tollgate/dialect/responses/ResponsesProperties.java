package dev.tollgate.dialect.responses;

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
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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

/** The Responses bridge keeps what it is given, however the upstream's bytes are chunked. */
class ResponsesProperties {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

  @Provide
  Arbitrary<String> pieces() {
    return Arbitraries.of("a", "Hello", " ", "é", "漢字", "😀", "\n", "\"", "\\", "{", "}", "\t")
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<List<String>> textPieces() {
    return pieces().list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<List<String>> argPieces() {
    return pieces().list().ofMaxSize(5);
  }

  /**
   * A chat stream of reasoning and text pieces, then optionally a tool call with split arguments.
   */
  static String stream(List<String> text, List<String> args) {
    StringBuilder s = new StringBuilder();
    s.append(chunk("chatcmpl-p", "{\"role\":\"assistant\",\"reasoning_content\":\"hm\"}", null));
    for (String t : text) {
      s.append(
          chunk("chatcmpl-p", Json.MAPPER.createObjectNode().put("content", t).toString(), null));
    }
    if (!args.isEmpty()) {
      s.append(
          chunk(
              "chatcmpl-p",
              "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                  + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}",
              null));
      for (String a : args) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta
            .putArray("tool_calls")
            .addObject()
            .put("index", 0)
            .putObject("function")
            .put("arguments", a);
        s.append(chunk("chatcmpl-p", delta.toString(), null));
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
    String whole = feed(new ResponsesDialect(CLOCK).encoder("gpt"), stream);
    String split = feed(new ResponsesDialect(CLOCK).encoder("gpt"), stream, cuts);
    assertThat(split).isEqualTo(whole);
  }

  @Property(tries = 200)
  void encode_deltasAndFinalResponse_holdTheChatTextAndArguments(
      @ForAll("textPieces") List<String> text, @ForAll("argPieces") List<String> args) {
    List<Event> events =
        parse(feed(new ResponsesDialect(CLOCK).encoder("gpt"), stream(text, args)));
    String deltas =
        events.stream()
            .filter(e -> e.name().equals("response.output_text.delta"))
            .map(e -> e.data().get("delta").asText())
            .collect(Collectors.joining());
    String argDeltas =
        events.stream()
            .filter(e -> e.name().equals("response.function_call_arguments.delta"))
            .map(e -> e.data().get("delta").asText())
            .collect(Collectors.joining());
    assertThat(deltas).isEqualTo(String.join("", text));
    assertThat(argDeltas).isEqualTo(String.join("", args));
    Event last = events.get(events.size() - 1);
    assertThat(last.name()).isEqualTo("response.completed");
    JsonNode output = last.data().at("/response/output");
    assertThat(output.at("/1/content/0/text").asText()).isEqualTo(String.join("", text));
    if (!args.isEmpty()) {
      assertThat(output.at("/2/arguments").asText()).isEqualTo(String.join("", args));
    }
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).data().get("sequence_number").asInt()).isEqualTo(i);
    }
  }

  /** A Responses request with every translatable field set. */
  record Request(
      String model,
      String instructions,
      List<String> turns,
      long maxOutputTokens,
      BigDecimal temperature,
      BigDecimal topP,
      String user,
      String toolName,
      boolean stream) {

    byte[] body() {
      ObjectNode b = Json.MAPPER.createObjectNode();
      b.put("model", model).put("instructions", instructions);
      ArrayNode input = b.putArray("input");
      for (int i = 0; i < turns.size(); i++) {
        ObjectNode item = input.addObject().put("role", i % 2 == 0 ? "user" : "assistant");
        item.putArray("content")
            .addObject()
            .put("type", i % 2 == 0 ? "input_text" : "output_text")
            .put("text", turns.get(i));
      }
      b.put("max_output_tokens", maxOutputTokens);
      b.put("temperature", temperature).put("top_p", topP).put("user", user);
      ObjectNode tool = b.putArray("tools").addObject().put("type", "function");
      tool.put("name", toolName).putObject("parameters").put("type", "object");
      b.put("tool_choice", "required");
      b.put("stream", stream).put("store", true);
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
            pieces(),
            pieces().list().ofMinSize(1).ofMaxSize(6),
            Arbitraries.longs().between(16, 128_000),
            unit,
            unit,
            words,
            words)
        .flatAs(
            (model, instructions, turns, max, temperature, topP, user, tool) ->
                Arbitraries.of(true, false)
                    .map(
                        stream ->
                            new Request(
                                model,
                                instructions,
                                turns,
                                max,
                                temperature,
                                topP,
                                user,
                                tool,
                                stream)));
  }

  @Property(tries = 200)
  void toChat_keepsEveryTranslatableField(@ForAll("requests") Request r) {
    JsonNode chat = json(new ResponsesDialect(CLOCK).toChat(r.body()));
    assertThat(chat.get("model").asText()).isEqualTo(r.model());
    JsonNode messages = chat.get("messages");
    assertThat(messages.size()).isEqualTo(r.turns().size() + 1);
    assertThat(messages.at("/0/role").asText()).isEqualTo("system");
    assertThat(messages.at("/0/content").asText()).isEqualTo(r.instructions());
    for (int i = 0; i < r.turns().size(); i++) {
      assertThat(messages.get(i + 1).get("role").asText())
          .isEqualTo(i % 2 == 0 ? "user" : "assistant");
      assertThat(messages.get(i + 1).get("content").asText()).isEqualTo(r.turns().get(i));
    }
    assertThat(chat.get("max_tokens").asLong()).isEqualTo(r.maxOutputTokens());
    assertThat(chat.get("temperature").decimalValue()).isEqualByComparingTo(r.temperature());
    assertThat(chat.get("top_p").decimalValue()).isEqualByComparingTo(r.topP());
    assertThat(chat.get("user").asText()).isEqualTo(r.user());
    assertThat(chat.at("/tools/0/function/name").asText()).isEqualTo(r.toolName());
    assertThat(chat.get("tool_choice").asText()).isEqualTo("required");
    assertThat(chat.path("stream").asBoolean(false)).isEqualTo(r.stream());
    assertThat(chat.at("/stream_options/include_usage").asBoolean(false)).isEqualTo(r.stream());
    assertThat(chat.has("store")).isFalse();
  }
}
