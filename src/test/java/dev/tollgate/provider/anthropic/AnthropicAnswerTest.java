package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.testing.FakeAnthropic;
import dev.tollgate.testing.FakeAnthropic.Reply;
import dev.tollgate.testing.FakeAnthropic.Text;
import dev.tollgate.testing.FakeAnthropic.Thinking;
import dev.tollgate.testing.FakeAnthropic.Tokens;
import dev.tollgate.testing.FakeAnthropic.ToolUse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Messages answers as OpenAI chat completions. */
class AnthropicAnswerTest {
  static UpstreamResponse translate(Reply r, boolean jsonMode) {
    byte[] body =
        FakeAnthropic.message(r, "claude-haiku-4-5").toString().getBytes(StandardCharsets.UTF_8);
    return AnthropicAnswer.toChat(200, body, jsonMode, 1_727_000_000L);
  }

  @Test
  void toChat_text_chatCompletionWithLiteLlmUsage() {
    UpstreamResponse t =
        translate(
            new Reply(
                List.of(new Text("Hello"), new Text(" there")),
                "end_turn",
                null,
                new Tokens(100, 50, 1000, 200, 300)),
            false);

    assertThat(tree(t.body()))
        .isEqualTo(
            tree(
                """
                {"id":"msg_01FakeAnthropicAnswer","object":"chat.completion","created":1727000000,
                 "model":"claude-haiku-4-5",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},
                   "finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1600,"completion_tokens":50,"total_tokens":1650,
                   "prompt_tokens_details":{"cached_tokens":1000},
                   "cache_creation_input_tokens":500,"cache_read_input_tokens":1000}}
                """));
    assertThat(t.usage()).contains(new Usage(100, 50, 1000, 200, 300, 0, 0, 0, 0, 0));
  }

  @Test
  void toChat_toolUse_toolCallsWithJsonArguments() {
    UpstreamResponse t =
        translate(
            new Reply(
                List.of(
                    new Text("Checking."),
                    new ToolUse("toolu_01", "get_weather", "{\"city\":\"Paris\",\"days\":2}")),
                "tool_use",
                null,
                Tokens.of(20, 10)),
            false);

    JsonNode message = tree(t.body()).path("choices").get(0);
    assertThat(message.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(message.path("message"))
        .isEqualTo(
            tree(
                """
                {"role":"assistant","content":"Checking.","tool_calls":[
                  {"id":"toolu_01","type":"function","function":{"name":"get_weather",
                    "arguments":"{\\"city\\":\\"Paris\\",\\"days\\":2}"}}]}
                """));
  }

  @Test
  void toChat_thinking_reasoningContentAndThinkingBlocks() {
    UpstreamResponse t =
        translate(
            new Reply(
                List.of(
                    new Thinking("First, ", "sig-a"),
                    new FakeAnthropic.RedactedThinking("opaque"),
                    new Text("42")),
                "end_turn",
                null,
                Tokens.of(20, 10)),
            false);

    assertThat(tree(t.body()).path("choices").get(0).path("message"))
        .isEqualTo(
            tree(
                """
                {"role":"assistant","content":"42","reasoning_content":"First, ",
                 "thinking_blocks":[{"type":"thinking","thinking":"First, ","signature":"sig-a"},
                                    {"type":"redacted_thinking","data":"opaque"}]}
                """));
  }

  @ParameterizedTest
  @CsvSource({
    "end_turn,stop",
    "stop_sequence,stop",
    "pause_turn,stop",
    "max_tokens,length",
    "tool_use,tool_calls",
    "refusal,content_filter",
    "model_context_window_exceeded,length"
  })
  void toChat_stopReason_finishReason(String stopReason, String finishReason) {
    UpstreamResponse t =
        translate(new Reply(List.of(new Text("x")), stopReason, null, Tokens.of(1, 1)), false);
    assertThat(tree(t.body()).path("choices").get(0).path("finish_reason").asText())
        .isEqualTo(finishReason);
  }

  @Test
  void toChat_jsonModeToolCall_isTheContentAndTheAnswerStops() {
    UpstreamResponse t =
        translate(
            new Reply(
                List.of(new ToolUse("toolu_1", "json_tool_call", "{\"name\":\"Ada\"}")),
                "tool_use",
                null,
                Tokens.of(5, 5)),
            true);

    JsonNode choice = tree(t.body()).path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(choice.path("message"))
        .isEqualTo(tree("{\"role\":\"assistant\",\"content\":\"{\\\"name\\\":\\\"Ada\\\"}\"}"));
  }

  @Test
  void toChat_notAMessage_is502() {
    assertThatThrownBy(
            () ->
                AnthropicAnswer.toChat(
                    200, "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8), false, 0))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(502));
  }

  @Test
  void usageOf_nativeAnswer_readsTopLevelUsageOnly() {
    String body =
        "{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":\"\\\"usage\\\":{\\\"input_tokens\\\":9}\"}],"
            + "\"usage\":{\"input_tokens\":3,\"output_tokens\":4,\"cache_read_input_tokens\":5,"
            + "\"cache_creation_input_tokens\":6}}";
    assertThat(AnthropicAnswer.usageOf(body.getBytes(StandardCharsets.UTF_8)))
        .contains(new Usage(3, 4, 5, 6, 0, 0, 0, 0, 0, 0));
    assertThat(AnthropicAnswer.usageOf("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }
}
