package dev.tollgate.dialect.messages;

import static dev.tollgate.dialect.ChatStreams.DONE;
import static dev.tollgate.dialect.ChatStreams.chunk;
import static dev.tollgate.dialect.ChatStreams.feed;
import static dev.tollgate.dialect.ChatStreams.json;
import static dev.tollgate.dialect.ChatStreams.parse;
import static dev.tollgate.dialect.ChatStreams.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.ChatStreams.Event;
import dev.tollgate.dialect.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OpenAI chat streams, as OpenAI sends them, into Anthropic's stream events. */
class MessagesStreamTest {
  static final String ID = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT";
  static final String USAGE =
      "{\"prompt_tokens\":2019,\"completion_tokens\":10,\"total_tokens\":2029,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}";

  static final String TEXT_STREAM =
      chunk(ID, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null)
          + chunk(ID, "{\"content\":\"Hello\"}", null)
          + chunk(ID, "{\"content\":\" there\"}", null)
          + chunk(ID, "{}", "stop")
          + usageChunk(ID, USAGE)
          + DONE;

  static final String TOOL_STREAM =
      chunk(ID, "{\"role\":\"assistant\",\"content\":\"Checking.\"}", null)
          + chunk(
              ID,
              "{\"tool_calls\":[{\"index\":0,\"id\":\"call_DdmO9pD3xa9XTPNJ32zg2hcA\","
                  + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
              null)
          + chunk(
              ID,
              "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"loc\"}}]}",
              null)
          + chunk(
              ID,
              "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ation\\\":\\\"Paris\\\"}\"}}]}",
              null)
          + chunk(
              ID,
              "{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\","
                  + "\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}",
              null)
          + chunk(ID, "{}", "tool_calls")
          + usageChunk(ID, USAGE)
          + DONE;

  static List<Event> encode(String stream) {
    return parse(feed(new MessagesDialect().encoder("claude-sonnet-4-5"), stream));
  }

  /** What an Anthropic SDK client makes of the events. */
  static Message accumulate(List<Event> events) {
    MessageAccumulator acc = MessageAccumulator.create();
    for (Event e : events) {
      try {
        RawMessageStreamEvent raw =
            ObjectMappers.jsonMapper()
                .readValue(e.data().toString(), RawMessageStreamEvent.class)
                .validate();
        assertThat(e.name()).isEqualTo(e.type());
        acc.accumulate(raw);
      } catch (IOException x) {
        throw new AssertionError(x);
      }
    }
    return acc.message();
  }

  @Test
  void encode_textStream_isAnthropicsEventSequenceWithTheUsage() {
    List<Event> events = encode(TEXT_STREAM);
    assertThat(events)
        .extracting(Event::name)
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    assertThat(events.get(0).data())
        .isEqualTo(
            json(
                """
                {"type": "message_start", "message": {"id": "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT",
                 "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5",
                 "stop_reason": null, "stop_sequence": null,
                 "usage": {"input_tokens": 0, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 0, "output_tokens": 0}}}
                """));
    assertThat(events.get(1).data())
        .isEqualTo(
            json(
                "{\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    assertThat(events.get(2).data())
        .isEqualTo(
            json(
                "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}"));
    assertThat(events.get(4).data())
        .isEqualTo(json("{\"type\":\"content_block_stop\",\"index\":0}"));
    assertThat(events.get(5).data())
        .isEqualTo(
            json(
                """
                {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                 "usage": {"input_tokens": 99, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 1920, "output_tokens": 10}}
                """));
    Message m = accumulate(events);
    assertThat(m.content().get(0).asText().text()).isEqualTo("Hello there");
    assertThat(m.usage().inputTokens()).isEqualTo(99);
    assertThat(m.usage().outputTokens()).isEqualTo(10);
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
  }

  @Test
  void encode_toolCalls_oneToolUseBlockPerCallWithInputJsonDeltas() {
    List<Event> events = encode(TOOL_STREAM);
    assertThat(events)
        .extracting(e -> e.name() + " " + e.data().path("index").asText("") + " " + deltaOf(e))
        .containsExactly(
            "message_start  ",
            "content_block_start 0 ",
            "content_block_delta 0 Checking.",
            "content_block_stop 0 ",
            "content_block_start 1 ",
            "content_block_delta 1 {\"loc",
            "content_block_delta 1 ation\":\"Paris\"}",
            "content_block_stop 1 ",
            "content_block_start 2 ",
            "content_block_delta 2 ",
            "content_block_stop 2 ",
            "message_delta  ",
            "message_stop  ");
    assertThat(events.get(4).data().get("content_block"))
        .isEqualTo(
            json(
                "{\"type\":\"tool_use\",\"id\":\"call_DdmO9pD3xa9XTPNJ32zg2hcA\","
                    + "\"name\":\"get_weather\",\"input\":{}}"));
    Message m = accumulate(events);
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(m.content()).hasSize(3);
    assertThat(m.content().get(1).asToolUse()._input())
        .isEqualTo(JsonValue.from(Map.of("location", "Paris")));
    assertThat(m.content().get(2).asToolUse().name()).isEqualTo("get_time");
    assertThat(m.content().get(2).asToolUse()._input()).isEqualTo(JsonValue.from(Map.of()));
  }

  @Test
  void encode_reasoningThenText_thinkingBlockThenTextBlock() {
    String stream =
        chunk(ID, "{\"role\":\"assistant\",\"reasoning_content\":\"Let me think\"}", null)
            + chunk(ID, "{\"reasoning_content\":\" hard.\"}", null)
            + chunk(ID, "{\"content\":\"42\"}", null)
            + chunk(ID, "{}", "stop")
            + usageChunk(ID, USAGE)
            + DONE;
    List<Event> events = encode(stream);
    assertThat(events.get(1).data().get("content_block"))
        .isEqualTo(json("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"));
    assertThat(events.get(2).data().get("delta"))
        .isEqualTo(json("{\"type\":\"thinking_delta\",\"thinking\":\"Let me think\"}"));
    Message m = accumulate(events);
    assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("Let me think hard.");
    assertThat(m.content().get(1).asText().text()).isEqualTo("42");
  }

  @Test
  void encode_finishAndUsageInOneChunk_closesAtOnce() {
    String last =
        "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}\n\n";
    StreamEncoder enc = new MessagesDialect().encoder("m");
    String head =
        enc.encode(Buffer.buffer(chunk("x", "{\"content\":\"a\"}", null) + last)).toString();
    List<Event> events = parse(head);
    assertThat(events.get(events.size() - 1).name()).isEqualTo("message_stop");
    assertThat(events.get(events.size() - 2).data().at("/delta/stop_reason").asText())
        .isEqualTo("max_tokens");
    assertThat(enc.encode(Buffer.buffer(DONE)).length()).isZero();
    assertThat(enc.end().length()).isZero();
  }

  @Test
  void encode_doneWithoutUsage_closesWithZeroOutputTokens() {
    List<Event> events =
        encode(chunk(ID, "{\"content\":\"hi\"}", null) + chunk(ID, "{}", "stop") + DONE);
    Event delta = events.get(events.size() - 2);
    assertThat(delta.data())
        .isEqualTo(
            json(
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":0}}"));
    assertThat(accumulate(events).content().get(0).asText().text()).isEqualTo("hi");
  }

  @Test
  void end_withoutDone_emitsTheCloseOnce() {
    StreamEncoder enc = new MessagesDialect().encoder("m");
    enc.encode(Buffer.buffer(chunk(ID, "{\"content\":\"hi\"}", null)));
    List<Event> closing = parse(enc.end().toString());
    assertThat(closing)
        .extracting(Event::name)
        .containsExactly("content_block_stop", "message_delta", "message_stop");
    assertThat(enc.end().length()).isZero();
    assertThat(enc.error(GatewayException.timeout("late")).length()).isZero();
  }

  @Test
  void end_emptyStream_isStillAWholeMessage() {
    List<Event> events = encode(DONE);
    assertThat(events)
        .extracting(Event::name)
        .containsExactly("message_start", "message_delta", "message_stop");
    assertThat(accumulate(events).content()).isEmpty();
  }

  @Test
  void error_midStream_isAnAnthropicErrorEventAndNothingAfter() {
    StreamEncoder enc = new MessagesDialect().encoder("m");
    enc.encode(Buffer.buffer(chunk(ID, "{\"content\":\"hi\"}", null)));
    String out =
        enc.error(GatewayException.badGateway("upstream connection reset", null))
            .toString(StandardCharsets.UTF_8);
    assertThat(out)
        .isEqualTo(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"upstream connection reset\"}}\n\n");
    assertThat(enc.encode(Buffer.buffer(DONE)).length()).isZero();
    assertThat(enc.end().length()).isZero();
  }

  @Test
  void passThrough_relaysBytesAsTheyAre_andReportsErrorsInAnthropicsShape() {
    StreamEncoder pass = new MessagesDialect().passThrough();
    Buffer in = Buffer.buffer("event: ping\ndata: {\"type\": \"ping\"}\n\n");
    assertThat(pass.encode(in)).isSameAs(in);
    assertThat(pass.end().length()).isZero();
    List<Event> error =
        parse(pass.error(GatewayException.of(529, "overloaded", null, null, "busy")).toString());
    assertThat(error)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("error");
              assertThat(e.data().at("/error/type").asText()).isEqualTo("overloaded_error");
            });
  }

  private static String deltaOf(Event e) {
    var d = e.data().path("delta");
    if (d.has("text")) {
      return d.get("text").asText();
    }
    return d.path("partial_json").asText("");
  }
}
