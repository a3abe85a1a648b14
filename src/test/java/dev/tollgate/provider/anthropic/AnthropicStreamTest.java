package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.RedactedThinking;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Text;
import dev.tollgate.testing.FakeAnthropic.Thinking;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.FakeAnthropic.ToolUse;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Messages streams relayed as OpenAI chunks, and passed through as they are. */
class AnthropicStreamTest {
  static final String MODEL = "claude-haiku-4-5";

  static AnthropicStream relay(RecordingSink sink, boolean includeUsage, boolean jsonMode) {
    return new AnthropicStream(sink, includeUsage, jsonMode, 1_727_000_000L, MODEL);
  }

  /** Feeds {@code events} in reads of {@code size} bytes, as the network may cut them. */
  static void feed(AnthropicStream relay, List<String> events, int size) {
    byte[] all = String.join("", events).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < all.length; i += size) {
      relay.relay(Buffer.buffer().appendBytes(all, i, Math.min(size, all.length - i)));
    }
  }

  /** The JSON of each {@code data:} event written, {@code [DONE]} as null. */
  static List<JsonNode> chunks(String text) {
    List<JsonNode> out = new ArrayList<>();
    for (String event : text.split("\n\n")) {
      assertThat(event).startsWith("data: ");
      String data = event.substring(6);
      out.add(data.equals("[DONE]") ? null : tree(data));
    }
    return out;
  }

  static JsonNode delta(JsonNode chunk) {
    return chunk.path("choices").get(0).path("delta");
  }

  @Test
  void relay_text_roleContentFinishThenDone() throws Exception {
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = relay(sink, false, false);
    Reply reply = Reply.text("Hello there, friend", new Tokens(100, 50, 1000, 200, 300));

    feed(relay, FakeAnthropic.events(reply, MODEL), 1 << 16);

    assertThat(relay.end()).isEmpty();
    assertThat(sink.writes).hasSize(1);
    List<JsonNode> chunks = chunks(sink.text());
    assertThat(chunks.get(0))
        .isEqualTo(
            tree(
                """
                {"id":"msg_01FakeAnthropicAnswer","object":"chat.completion.chunk",
                 "created":1727000000,"model":"claude-haiku-4-5",
                 "choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
                """));
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
      content.append(delta(c).path("content").asText());
    }
    assertThat(content.toString()).isEqualTo("Hello there, friend");
    JsonNode finish = chunks.get(chunks.size() - 2);
    assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(delta(finish).isEmpty()).isTrue();
    assertThat(chunks.get(chunks.size() - 1)).isNull();
    assertThat(sink.lastUsage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void relay_includeUsage_usageOnlyChunkBeforeDone() {
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = relay(sink, true, false);

    feed(
        relay,
        FakeAnthropic.events(Reply.text("Hi", new Tokens(100, 50, 1000, 200, 300)), MODEL),
        7);

    List<JsonNode> chunks = chunks(sink.text());
    JsonNode usage = chunks.get(chunks.size() - 2);
    assertThat(usage.path("choices").isEmpty()).isTrue();
    assertThat(usage.path("usage"))
        .isEqualTo(
            tree(
                """
                {"prompt_tokens":1600,"completion_tokens":50,"total_tokens":1650,
                 "prompt_tokens_details":{"cached_tokens":1000},
                 "cache_creation_input_tokens":500,"cache_read_input_tokens":1000}
                """));
  }

  @Test
  void relay_readsCutAnywhere_sameChunksAsWhole() {
    Reply reply =
        new Reply(
            List.of(new Text("Sure, "), new ToolUse("toolu_1", "f", "{\"a\":[1,2,3],\"b\":\"ü\"}")),
            "tool_use",
            null,
            Tokens.of(10, 20));
    RecordingSink whole = new RecordingSink();
    feed(relay(whole, true, false), FakeAnthropic.events(reply, MODEL), 1 << 16);
    for (int size : new int[] {1, 2, 3, 13, 64}) {
      RecordingSink cut = new RecordingSink();
      feed(relay(cut, true, false), FakeAnthropic.events(reply, MODEL), size);
      assertThat(cut.text()).as("reads of %d bytes", size).isEqualTo(whole.text());
    }
  }

  @Test
  void relay_toolUse_toolCallDeltasIndexedAmongToolCalls() {
    RecordingSink sink = new RecordingSink();
    Reply reply =
        new Reply(
            List.of(
                new Text("Checking both."),
                new ToolUse("toolu_1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolUse("toolu_2", "get_weather", "{\"city\":\"Rome\"}")),
            "tool_use",
            null,
            Tokens.of(10, 20));

    feed(relay(sink, false, false), FakeAnthropic.events(reply, MODEL), 1 << 16);

    List<JsonNode> chunks = chunks(sink.text());
    StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
    List<String> starts = new ArrayList<>();
    for (JsonNode c : chunks) {
      if (c == null) {
        continue;
      }
      for (JsonNode call : delta(c).path("tool_calls")) {
        int i = call.path("index").asInt();
        if (call.has("id")) {
          starts.add(
              i
                  + ":"
                  + call.path("id").asText()
                  + ":"
                  + call.path("function").path("name").asText());
          assertThat(call.path("type").asText()).isEqualTo("function");
        }
        args[i].append(call.path("function").path("arguments").asText());
      }
    }
    assertThat(starts).containsExactly("0:toolu_1:get_weather", "1:toolu_2:get_weather");
    assertThat(tree(args[0].toString())).isEqualTo(tree("{\"city\":\"Paris\"}"));
    assertThat(tree(args[1].toString())).isEqualTo(tree("{\"city\":\"Rome\"}"));
    assertThat(chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("tool_calls");
  }

  @Test
  void relay_thinking_reasoningDeltasThenSignatureAndRedactedBlocks() {
    RecordingSink sink = new RecordingSink();
    Reply reply =
        new Reply(
            List.of(
                new Thinking("Let me think about it.", "sig-1"),
                new RedactedThinking("opaque"),
                new Text("42")),
            "end_turn",
            null,
            Tokens.of(10, 20));

    feed(relay(sink, false, false), FakeAnthropic.events(reply, MODEL), 1 << 16);

    StringBuilder reasoning = new StringBuilder();
    List<JsonNode> blocks = new ArrayList<>();
    for (JsonNode c : chunks(sink.text())) {
      if (c != null) {
        reasoning.append(delta(c).path("reasoning_content").asText(""));
        delta(c).path("thinking_blocks").forEach(blocks::add);
      }
    }
    assertThat(reasoning.toString()).isEqualTo("Let me think about it.");
    assertThat(blocks)
        .containsExactly(
            tree("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"sig-1\"}"),
            tree("{\"type\":\"redacted_thinking\",\"data\":\"opaque\"}"));
  }

  @Test
  void relay_jsonMode_toolInputIsContentAndFinishIsStop() {
    RecordingSink sink = new RecordingSink();
    Reply reply =
        new Reply(
            List.of(new ToolUse("toolu_1", "json_tool_call", "{\"name\":\"Ada\"}")),
            "tool_use",
            null,
            Tokens.of(10, 20));

    feed(relay(sink, false, true), FakeAnthropic.events(reply, MODEL), 1 << 16);

    StringBuilder content = new StringBuilder();
    List<JsonNode> chunks = chunks(sink.text());
    for (JsonNode c : chunks) {
      if (c != null) {
        content.append(delta(c).path("content").asText(""));
        assertThat(delta(c).has("tool_calls")).isFalse();
      }
    }
    assertThat(tree(content.toString())).isEqualTo(tree("{\"name\":\"Ada\"}"));
    assertThat(chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("stop");
  }

  @Test
  void relay_outputOnlyMessageDelta_keepsInputAndCacheFromMessageStart() {
    RecordingSink sink = new RecordingSink();
    List<String> events =
        new ArrayList<>(
            FakeAnthropic.events(Reply.text("Hi", new Tokens(100, 50, 1000, 200, 300)), MODEL));
    // Older API versions: message_delta reports output_tokens only.
    events.set(
        events.size() - 2,
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":50}}\n\n");

    feed(relay(sink, false, false), events, 1 << 16);

    assertThat(sink.usages).containsExactly(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void relay_errorEvent_endFailsWithTheMappedError() {
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = relay(sink, false, false);
    List<String> events =
        new ArrayList<>(
            FakeAnthropic.events(Reply.text("Hello", Tokens.of(1, 1)), MODEL).subList(0, 4));
    events.add(
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");

    feed(relay, events, 1 << 16);

    Optional<GatewayException> end = relay.end();
    assertThat(end).isPresent();
    assertThat(end.get().status()).isEqualTo(529);
    assertThat(end.get().code()).isEqualTo("overloaded_error");
    assertThat(sink.text()).doesNotContain("[DONE]").doesNotContain("overloaded");
    assertThat(sink.usages).isEmpty();
  }

  @Test
  void relay_endsWithoutMessageStop_endFailsWith502AndReportsNoUsage() {
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = relay(sink, false, false);
    List<String> events = FakeAnthropic.events(Reply.text("Hello", Tokens.of(1, 1)), MODEL);

    feed(relay, events.subList(0, events.size() - 2), 1 << 16);

    assertThat(relay.end())
        .hasValueSatisfying(
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.getMessage()).contains("message_stop");
            });
    assertThat(sink.usages).isEmpty();
  }

  @Test
  void relay_eachWrite_aNewBuffer() {
    RecordingSink sink = new RecordingSink();
    AnthropicStream relay = relay(sink, false, false);
    List<String> events = FakeAnthropic.events(Reply.text("Hello there", Tokens.of(1, 1)), MODEL);

    for (String e : events) {
      relay.relay(Buffer.buffer(e));
    }

    for (int i = 0; i < sink.buffers.size(); i++) {
      for (int j = i + 1; j < sink.buffers.size(); j++) {
        assertThat(sink.buffers.get(i)).isNotSameAs(sink.buffers.get(j));
      }
      assertThat(sink.buffers.get(i).toString()).isEqualTo(sink.writes.get(i));
    }
  }

  @Test
  void passThrough_eventsByteForByte_usageReported() {
    RecordingSink sink = new RecordingSink();
    AnthropicPassThrough relay = new AnthropicPassThrough(sink);
    List<String> events =
        FakeAnthropic.events(Reply.text("Hello there", new Tokens(100, 50, 1000, 200, 300)), MODEL);
    byte[] all = String.join("", events).getBytes(java.nio.charset.StandardCharsets.UTF_8);

    for (int i = 0; i < all.length; i += 11) {
      relay.relay(Buffer.buffer().appendBytes(all, i, Math.min(11, all.length - i)));
    }

    assertThat(relay.end()).isEmpty();
    assertThat(sink.text()).isEqualTo(String.join("", events));
    assertThat(sink.lastUsage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void passThrough_errorEventOrCut_endFails() {
    RecordingSink sink = new RecordingSink();
    AnthropicPassThrough relay = new AnthropicPassThrough(sink);
    String error =
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}\n\n";
    relay.relay(Buffer.buffer(error));
    assertThat(sink.text()).isEqualTo(error);
    assertThat(relay.end()).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(502));

    AnthropicPassThrough cut = new AnthropicPassThrough(new RecordingSink());
    cut.relay(Buffer.buffer(FakeAnthropic.events(Reply.text("x", Tokens.of(1, 1)), MODEL).get(0)));
    assertThat(cut.end())
        .hasValueSatisfying(e -> assertThat(e.getMessage()).contains("message_stop"));
  }
}
