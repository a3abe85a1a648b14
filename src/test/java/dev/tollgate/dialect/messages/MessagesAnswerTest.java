package dev.tollgate.dialect.messages;

import static dev.tollgate.dialect.ChatStreams.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI chat answers, as in OpenAI's API reference, into Anthropic messages. */
class MessagesAnswerTest {
  private final MessagesDialect dialect = new MessagesDialect();

  static final String USAGE =
      "{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}";

  static String answer(String message, String finishReason, String usage) {
    return "{\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion\","
        + "\"created\":1741570283,\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[{\"index\":0,"
        + "\"message\":"
        + message
        + ",\"logprobs\":null,\"finish_reason\":\""
        + finishReason
        + "\"}],\"usage\":"
        + usage
        + ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_fc9f1d7035\"}";
  }

  private byte[] fromChat(String answer) {
    return dialect.fromChat(answer.getBytes(StandardCharsets.UTF_8), "claude-sonnet-4-5");
  }

  static Message parse(byte[] body) {
    try {
      return ObjectMappers.jsonMapper().readValue(body, Message.class).validate();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fromChat_text_isAMessageTheAnthropicSdkReads() {
    byte[] out =
        fromChat(
            answer(
                "{\"role\":\"assistant\",\"content\":\"Hello! How can I help?\",\"refusal\":null,"
                    + "\"annotations\":[]}",
                "stop",
                USAGE));
    assertThat(json(out))
        .isEqualTo(
            json(
                """
                {"id": "msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "type": "message", "role": "assistant",
                 "model": "claude-sonnet-4-5",
                 "content": [{"type": "text", "text": "Hello! How can I help?"}],
                 "stop_reason": "end_turn", "stop_sequence": null,
                 "usage": {"input_tokens": 86, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 1920, "output_tokens": 300}}
                """));
    Message m = parse(out);
    assertThat(m.content())
        .singleElement()
        .satisfies(b -> assertThat(b.asText().text()).isEqualTo("Hello! How can I help?"));
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isEqualTo(86);
    assertThat(m.usage().cacheReadInputTokens()).contains(1920L);
  }

  @Test
  void fromChat_toolCalls_becomeToolUseBlocksWithParsedInput() {
    byte[] out =
        fromChat(
            answer(
                """
                {"role": "assistant", "content": null, "tool_calls": [
                  {"id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Paris, France\\"}"}},
                  {"id": "call_2", "type": "function",
                   "function": {"name": "get_time", "arguments": "{\\"zone\\":"}}],
                 "refusal": null}
                """,
                "tool_calls",
                USAGE));
    assertThat(json(out).get("content"))
        .isEqualTo(
            json(
                """
                [{"type": "tool_use", "id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "name": "get_weather",
                  "input": {"location": "Paris, France"}},
                 {"type": "tool_use", "id": "call_2", "name": "get_time", "input": {}}]
                """));
    Message m = parse(out);
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(m.content().get(0).asToolUse().name()).isEqualTo("get_weather");
  }

  @Test
  void fromChat_reasoningContent_isAThinkingBlockFirst() {
    byte[] out =
        fromChat(
            answer(
                "{\"role\":\"assistant\",\"reasoning_content\":\"2+2 is 4.\",\"content\":\"4\"}",
                "stop",
                "{\"prompt_tokens\":10,\"completion_tokens\":20}"));
    assertThat(json(out).get("content"))
        .isEqualTo(
            json(
                "[{\"type\":\"thinking\",\"thinking\":\"2+2 is 4.\",\"signature\":\"\"},"
                    + "{\"type\":\"text\",\"text\":\"4\"}]"));
    ContentBlock thinking = parse(out).content().get(0);
    assertThat(thinking.asThinking().thinking()).isEqualTo("2+2 is 4.");
  }

  @ParameterizedTest
  @CsvSource({
    "stop, end_turn",
    "length, max_tokens",
    "tool_calls, tool_use",
    "function_call, tool_use",
    "content_filter, refusal",
    "something_new, end_turn"
  })
  void fromChat_finishReason_mapsToStopReason(String finish, String stop) {
    byte[] out = fromChat(answer("{\"role\":\"assistant\",\"content\":\"x\"}", finish, USAGE));
    assertThat(json(out).get("stop_reason").asText()).isEqualTo(stop);
    parse(out);
  }

  @Test
  void fromChat_refusal_isTextWithStopReasonRefusal() {
    JsonNode out =
        json(
            fromChat(
                answer(
                    "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't help with that.\"}",
                    "stop",
                    USAGE)));
    assertThat(out.get("content"))
        .isEqualTo(json("[{\"type\":\"text\",\"text\":\"I can't help with that.\"}]"));
    assertThat(out.get("stop_reason").asText()).isEqualTo("refusal");
  }

  @Test
  void fromChat_cacheCreation_isTakenOutOfInputTokens() {
    JsonNode out =
        json(
            fromChat(
                answer(
                    "{\"role\":\"assistant\",\"content\":\"x\"}",
                    "stop",
                    "{\"prompt_tokens\":3000,\"completion_tokens\":7,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":1000},"
                        + "\"cache_creation_input_tokens\":1500}")));
    assertThat(out.get("usage"))
        .isEqualTo(
            json(
                "{\"input_tokens\":500,\"cache_creation_input_tokens\":1500,"
                    + "\"cache_read_input_tokens\":1000,\"output_tokens\":7}"));
  }
}
