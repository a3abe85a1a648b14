package dev.tollgate.dialect.responses;

import static dev.tollgate.dialect.ChatStreams.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.ObjectMappers;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStatus;
import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** OpenAI chat answers, as in OpenAI's API reference, into Responses API responses. */
class ResponsesAnswerTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);
  private final ResponsesDialect dialect = new ResponsesDialect(CLOCK);

  static final String USAGE =
      "{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":128,\"audio_tokens\":0}}";

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
    return dialect.fromChat(answer.getBytes(StandardCharsets.UTF_8), "gpt-4.1");
  }

  /** What the official OpenAI SDK makes of a response, every required field checked. */
  static Response parse(byte[] body) {
    try {
      return ObjectMappers.jsonMapper().readValue(body, Response.class).validate();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fromChat_text_isAResponseTheOpenAiSdkReads() {
    byte[] out =
        fromChat(
            answer(
                "{\"role\":\"assistant\",\"content\":\"Hello! How can I help?\",\"refusal\":null,"
                    + "\"annotations\":[]}",
                "stop",
                USAGE));
    JsonNode r = json(out);
    assertThat(r.get("id").asText()).isEqualTo("resp_B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    assertThat(r.get("object").asText()).isEqualTo("response");
    assertThat(r.get("created_at").asLong()).isEqualTo(1741570283L);
    assertThat(r.get("status").asText()).isEqualTo("completed");
    assertThat(r.get("output"))
        .isEqualTo(
            json(
                """
                [{"type": "message", "id": "msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "status": "completed",
                  "role": "assistant", "content": [{"type": "output_text",
                  "text": "Hello! How can I help?", "annotations": [], "logprobs": []}]}]
                """));
    assertThat(r.get("usage"))
        .isEqualTo(
            json(
                """
                {"input_tokens": 2006, "input_tokens_details": {"cached_tokens": 1920, "cache_write_tokens": 0},
                 "output_tokens": 300, "output_tokens_details": {"reasoning_tokens": 128},
                 "total_tokens": 2306}
                """));
    Response parsed = parse(out);
    assertThat(parsed.status()).contains(ResponseStatus.COMPLETED);
    assertThat(parsed.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Hello! How can I help?");
    assertThat(parsed.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(1920);
  }

  @Test
  void fromChat_toolCallsAndReasoning_areReasoningThenFunctionCallItems() {
    byte[] out =
        fromChat(
            answer(
                """
                {"role": "assistant", "content": null, "reasoning_content": "Need the weather.",
                 "tool_calls": [{"id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Paris\\"}"}}]}
                """,
                "tool_calls",
                USAGE));
    assertThat(json(out).get("output"))
        .isEqualTo(
            json(
                """
                [{"type": "reasoning", "id": "rs_B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
                  "summary": [{"type": "summary_text", "text": "Need the weather."}]},
                 {"type": "function_call", "id": "fc_call_DdmO9pD3xa9XTPNJ32zg2hcA",
                  "call_id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "name": "get_weather",
                  "arguments": "{\\"location\\":\\"Paris\\"}", "status": "completed"}]
                """));
    Response parsed = parse(out);
    assertThat(parsed.output().get(1).asFunctionCall().callId())
        .isEqualTo("call_DdmO9pD3xa9XTPNJ32zg2hcA");
  }

  @Test
  void fromChat_length_isIncompleteForMaxOutputTokens() {
    byte[] out =
        fromChat(answer("{\"role\":\"assistant\",\"content\":\"Once upon\"}", "length", USAGE));
    JsonNode r = json(out);
    assertThat(r.get("status").asText()).isEqualTo("incomplete");
    assertThat(r.get("incomplete_details")).isEqualTo(json("{\"reason\":\"max_output_tokens\"}"));
    assertThat(r.at("/output/0/status").asText()).isEqualTo("incomplete");
    assertThat(parse(out).status()).contains(ResponseStatus.INCOMPLETE);
  }

  @Test
  void fromChat_contentFilter_isIncompleteForContentFilter() {
    JsonNode r =
        json(
            fromChat(answer("{\"role\":\"assistant\",\"content\":\"\"}", "content_filter", USAGE)));
    assertThat(r.get("incomplete_details")).isEqualTo(json("{\"reason\":\"content_filter\"}"));
  }

  @Test
  void fromChat_refusal_isARefusalPart() {
    byte[] out =
        fromChat(
            answer(
                "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't help with that.\"}",
                "stop",
                USAGE));
    assertThat(json(out).at("/output/0/content"))
        .isEqualTo(json("[{\"type\":\"refusal\",\"refusal\":\"I can't help with that.\"}]"));
    assertThat(parse(out).output().get(0).asMessage().content().get(0).asRefusal().refusal())
        .isEqualTo("I can't help with that.");
  }

  @Test
  void fromChat_noCreated_isDatedByTheClock() {
    String answer =
        "{\"id\":\"x\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"a\"},"
            + "\"finish_reason\":\"stop\"}]}";
    JsonNode r = json(fromChat(answer));
    assertThat(r.get("created_at").asLong()).isEqualTo(1_800_000_000L);
    assertThat(r.get("usage").isNull()).isTrue();
    parse(fromChat(answer));
  }

  @Test
  void errorBody_isOpenAisErrorShape() {
    GatewayException e =
        GatewayException.of(
            429, "budget_exceeded", null, "budget_exceeded", "Budget exceeded: $10.02 of $10.00");
    assertThat(dialect.errorBody(e)).isEqualTo(Errors.body(e));
  }
}
