package dev.tollgate.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What the estimator reads as generated text: OpenAI's chunks and answers, and the native events
 * and answers of Anthropic's Messages API and OpenAI's Responses API that a pass-through relays.
 */
class OpenAiContentTest {
  @Test
  void readsChatChunks() {
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    OpenAiContent.streamed(
        Buffer.buffer(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\",\"reasoning_content\":\"hm\"}}]}\n\n"
                + "data: [DONE]\n\n"),
        out,
        reasoning);
    assertThat(out.toString()).isEqualTo("Hello");
    assertThat(reasoning.toString()).isEqualTo("hm");
  }

  @Test
  void readsAnthropicsNativeEvents() {
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    OpenAiContent.streamed(
        Buffer.buffer(
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me see\"}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Paris\"}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,"
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"get_weather\","
                + "\"input\":{}}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\"\"}}\n\n"),
        out,
        reasoning);
    assertThat(out.toString()).isEqualTo("Parisget_weather{\"city\"");
    assertThat(reasoning.toString()).isEqualTo("Let me see");
  }

  @Test
  void readsTheResponsesApisNativeEvents() {
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    OpenAiContent.streamed(
        Buffer.buffer(
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                + "\"delta\":\"Hi\"}\n\nevent: response.reasoning_summary_text.delta\n"
                + "data: {\"type\":\"response.reasoning_summary_text.delta\",\"delta\":\"think\"}\n\n"),
        out,
        reasoning);
    assertThat(out.toString()).isEqualTo("Hi");
    assertThat(reasoning.toString()).isEqualTo("think");
  }

  @Test
  void readsNativeAnswers() {
    StringBuilder out = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    OpenAiContent.answer(
        ("{\"type\":\"message\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\"},"
                + "{\"type\":\"text\",\"text\":\"Sunny\"}]}")
            .getBytes(StandardCharsets.UTF_8),
        out,
        reasoning);
    OpenAiContent.answer(
        ("{\"object\":\"response\",\"output\":[{\"type\":\"message\",\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\" and warm\"}]}]}")
            .getBytes(StandardCharsets.UTF_8),
        out,
        reasoning);
    assertThat(out.toString()).isEqualTo("Sunny and warm");
    assertThat(reasoning.toString()).isEqualTo("hmm");
  }
}
