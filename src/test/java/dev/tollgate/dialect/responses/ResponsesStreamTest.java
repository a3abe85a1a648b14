package dev.tollgate.dialect.responses;

import static dev.tollgate.dialect.ChatStreams.DONE;
import static dev.tollgate.dialect.ChatStreams.chunk;
import static dev.tollgate.dialect.ChatStreams.feed;
import static dev.tollgate.dialect.ChatStreams.json;
import static dev.tollgate.dialect.ChatStreams.parse;
import static dev.tollgate.dialect.ChatStreams.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.ObjectMappers;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.ChatStreams.Event;
import dev.tollgate.dialect.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** OpenAI chat streams, as OpenAI sends them, into the Responses API's stream events. */
class ResponsesStreamTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);
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

  static List<Event> encode(String stream) {
    return parse(feed(new ResponsesDialect(CLOCK).encoder("gpt-4.1"), stream));
  }

  /**
   * What the official OpenAI SDK makes of the events: each parsed and checked, then the final
   * response.
   */
  static Response accumulate(List<Event> events) {
    ResponseAccumulator acc = ResponseAccumulator.create();
    for (Event e : events) {
      assertThat(e.name()).isEqualTo(e.type());
      try {
        acc.accumulate(
            ObjectMappers.jsonMapper()
                .readValue(e.data().toString(), ResponseStreamEvent.class)
                .validate());
      } catch (IOException x) {
        throw new AssertionError(x);
      }
    }
    return acc.response().validate();
  }

  @Test
  void encode_textStream_isTheResponsesEventSequenceWithTheUsage() {
    List<Event> events = encode(TEXT_STREAM);
    assertThat(events)
        .extracting(Event::name)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    assertThat(events)
        .extracting(e -> e.data().get("sequence_number").asInt())
        .containsExactlyElementsOf(IntStream.range(0, events.size()).boxed().toList());
    JsonNode created = events.get(0).data().get("response");
    assertThat(created.get("id").asText()).isEqualTo("resp_B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assertThat(created.get("status").asText()).isEqualTo("in_progress");
    assertThat(created.get("created_at").asLong()).isEqualTo(1741569952L);
    assertThat(events.get(2).data())
        .isEqualTo(
            json(
                """
                {"type": "response.output_item.added", "output_index": 0, "sequence_number": 2,
                 "item": {"type": "message", "id": "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT",
                          "status": "in_progress", "role": "assistant", "content": []}}
                """));
    assertThat(events.get(4).data())
        .isEqualTo(
            json(
                """
                {"type": "response.output_text.delta", "item_id": "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT",
                 "output_index": 0, "content_index": 0, "delta": "Hello", "logprobs": [],
                 "sequence_number": 4}
                """));
    assertThat(events.get(6).data().get("text").asText()).isEqualTo("Hello there");
    JsonNode done = events.get(9).data().get("response");
    assertThat(done.get("status").asText()).isEqualTo("completed");
    assertThat(done.get("usage"))
        .isEqualTo(
            json(
                """
                {"input_tokens": 2019, "input_tokens_details": {"cached_tokens": 1920, "cache_write_tokens": 0},
                 "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 2029}
                """));
    Response r = accumulate(events);
    assertThat(r.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Hello there");
    assertThat(r.usage().orElseThrow().outputTokens()).isEqualTo(10);
  }

  @Test
  void encode_reasoningTextAndToolCalls_oneItemEachInOrder() {
    String stream =
        chunk(ID, "{\"role\":\"assistant\",\"reasoning_content\":\"Weather\"}", null)
            + chunk(ID, "{\"reasoning_content\":\" needed.\"}", null)
            + chunk(ID, "{\"content\":\"Checking.\"}", null)
            + chunk(
                ID,
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
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
                    + "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}",
                null)
            + chunk(ID, "{}", "tool_calls")
            + usageChunk(ID, USAGE)
            + DONE;
    List<Event> events = encode(stream);
    assertThat(events)
        .extracting(e -> e.name() + " " + e.data().path("output_index").asText(""))
        .containsExactly(
            "response.created ",
            "response.in_progress ",
            "response.output_item.added 0",
            "response.reasoning_summary_part.added 0",
            "response.reasoning_summary_text.delta 0",
            "response.reasoning_summary_text.delta 0",
            "response.reasoning_summary_text.done 0",
            "response.reasoning_summary_part.done 0",
            "response.output_item.done 0",
            "response.output_item.added 1",
            "response.content_part.added 1",
            "response.output_text.delta 1",
            "response.output_text.done 1",
            "response.content_part.done 1",
            "response.output_item.done 1",
            "response.output_item.added 2",
            "response.function_call_arguments.delta 2",
            "response.function_call_arguments.delta 2",
            "response.function_call_arguments.done 2",
            "response.output_item.done 2",
            "response.output_item.added 3",
            "response.function_call_arguments.delta 3",
            "response.function_call_arguments.done 3",
            "response.output_item.done 3",
            "response.completed ");
    assertThat(events.get(18).data())
        .isEqualTo(
            json(
                """
                {"type": "response.function_call_arguments.done", "item_id": "fc_call_1",
                 "output_index": 2, "name": "get_weather", "arguments": "{\\"location\\":\\"Paris\\"}",
                 "sequence_number": 18}
                """));
    Response r = accumulate(events);
    assertThat(r.output()).hasSize(4);
    assertThat(r.output().get(0).asReasoning().summary().get(0).text())
        .isEqualTo("Weather needed.");
    assertThat(r.output().get(2).asFunctionCall().arguments())
        .isEqualTo("{\"location\":\"Paris\"}");
    assertThat(r.output().get(3).asFunctionCall().name()).isEqualTo("get_time");
  }

  @Test
  void encode_length_endsWithResponseIncomplete() {
    List<Event> events =
        encode(
            chunk(ID, "{\"content\":\"Once upon\"}", null)
                + chunk(ID, "{}", "length")
                + usageChunk(ID, USAGE)
                + DONE);
    Event last = events.get(events.size() - 1);
    assertThat(last.name()).isEqualTo("response.incomplete");
    assertThat(last.data().at("/response/incomplete_details/reason").asText())
        .isEqualTo("max_output_tokens");
    assertThat(last.data().at("/response/output/0/status").asText()).isEqualTo("incomplete");
    assertThat(accumulate(events).status()).contains(ResponseStatus.INCOMPLETE);
  }

  @Test
  void encode_refusal_isARefusalPart() {
    List<Event> events =
        encode(
            chunk(ID, "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't\"}", null)
                + chunk(ID, "{\"refusal\":\" help.\"}", null)
                + chunk(ID, "{}", "stop")
                + usageChunk(ID, USAGE)
                + DONE);
    assertThat(events)
        .extracting(Event::name)
        .contains("response.refusal.delta", "response.refusal.done");
    assertThat(
            accumulate(events).output().get(0).asMessage().content().get(0).asRefusal().refusal())
        .isEqualTo("I can't help.");
  }

  @Test
  void end_withoutDoneOrUsage_completesOnce() {
    StreamEncoder enc = new ResponsesDialect(CLOCK).encoder("gpt-4.1");
    enc.encode(Buffer.buffer(chunk(ID, "{\"content\":\"hi\"}", null) + chunk(ID, "{}", "stop")));
    List<Event> closing = parse(enc.end().toString());
    assertThat(closing).extracting(Event::name).containsExactly("response.completed");
    assertThat(closing.get(0).data().at("/response/usage").isNull()).isTrue();
    assertThat(enc.end().length()).isZero();
    assertThat(enc.error(GatewayException.timeout("late")).length()).isZero();
  }

  @Test
  void end_emptyStream_isStillACompletedResponseDatedByTheClock() {
    List<Event> events = encode(DONE);
    assertThat(events)
        .extracting(Event::name)
        .containsExactly("response.created", "response.in_progress", "response.completed");
    assertThat(events.get(0).data().at("/response/created_at").asLong()).isEqualTo(1_800_000_000L);
    assertThat(accumulate(events).output()).isEmpty();
  }

  @Test
  void error_midStream_isResponseFailedWithTheItemsDoneSoFar() {
    StreamEncoder enc = new ResponsesDialect(CLOCK).encoder("gpt-4.1");
    String head = enc.encode(Buffer.buffer(chunk(ID, "{\"content\":\"hi\"}", null))).toString();
    List<Event> failed =
        parse(
            enc.error(GatewayException.of(429, "rate_limit_error", null, null, "slow down"))
                .toString());
    assertThat(failed).extracting(Event::name).containsExactly("response.failed");
    JsonNode response = failed.get(0).data().get("response");
    assertThat(response.get("status").asText()).isEqualTo("failed");
    assertThat(response.get("error"))
        .isEqualTo(json("{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}"));
    List<Event> all = new ArrayList<>(parse(head));
    all.addAll(failed);
    Response r = accumulate(all);
    assertThat(r.status()).contains(ResponseStatus.FAILED);
    assertThat(r.output()).isEmpty();
  }

  @Test
  void error_beforeAnyChunk_isCreatedThenFailed() {
    StreamEncoder enc = new ResponsesDialect(CLOCK).encoder("gpt-4.1");
    List<Event> events =
        parse(enc.error(GatewayException.badGateway("upstream reset", null)).toString());
    assertThat(events)
        .extracting(Event::name)
        .containsExactly("response.created", "response.in_progress", "response.failed");
    assertThat(accumulate(events).error().orElseThrow().message()).isEqualTo("upstream reset");
    assertThat(enc.end().length()).isZero();
  }

  @Test
  void passThrough_relaysBytes_andItsErrorEventCarriesTheNextSequenceNumber() {
    StreamEncoder pass = new ResponsesDialect(CLOCK).passThrough();
    String upstream =
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0}\n\n"
            + "event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":1}\n\n";
    Buffer in = Buffer.buffer(upstream.substring(0, 30));
    assertThat(pass.encode(in)).isSameAs(in);
    pass.encode(Buffer.buffer(upstream.substring(30)));
    assertThat(pass.end().length()).isZero();
    List<Event> error =
        parse(
            pass.error(GatewayException.of(500, "api_error", null, "server_error", "boom"))
                .toString());
    assertThat(error.get(0).data())
        .isEqualTo(
            json(
                "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\","
                    + "\"param\":null,\"sequence_number\":2}"));
    try {
      ObjectMappers.jsonMapper()
          .readValue(error.get(0).data().toString(), ResponseStreamEvent.class)
          .validate();
    } catch (IOException x) {
      throw new AssertionError(x);
    }
  }
}
