package dev.tollgate.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GeminiStreamTest {
  static final String E1 =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Let me think\",\"thought\":true}],"
          + "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,"
          + "\"thoughtsTokenCount\":4,\"totalTokenCount\":14},\"modelVersion\":\"gemini-2.5-flash\","
          + "\"responseId\":\"r1\"}\r\n\r\n";
  static final String E2 =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"},"
          + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":1,"
          + "\"thoughtsTokenCount\":4},\"responseId\":\"r1\"}\r\n\r\n";
  static final String E3 =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"},"
          + "{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}}}],\"role\":\"model\"},"
          + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,"
          + "\"candidatesTokenCount\":6,\"thoughtsTokenCount\":4,\"cachedContentTokenCount\":8},"
          + "\"responseId\":\"r1\"}\r\n\r\n";

  static List<JsonNode> chunks(String text) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String event : text.split("\n\n")) {
      String data = event.substring("data: ".length());
      if (!data.equals("[DONE]")) {
        out.add(Json.MAPPER.readTree(data));
      }
    }
    return out;
  }

  @Test
  void relay_anyChunking_translatesEachEventAndEndsWithUsageAndDone() throws Exception {
    String all = E1 + E2 + E3;
    for (int cut = 1; cut < all.length(); cut += 37) {
      RecordingSink sink = new RecordingSink();
      GeminiStream s = new GeminiStream(sink, true, 1700000000, "gemini-2.5-flash");
      s.relay(Buffer.buffer(all.substring(0, cut)));
      s.relay(Buffer.buffer(all.substring(cut)));

      assertThat(s.end()).isEmpty();
      String text = sink.text();
      assertThat(text).endsWith("data: [DONE]\n\n");
      List<JsonNode> chunks = chunks(text);
      assertThat(chunks).hasSize(6);
      JsonNode first = chunks.get(0);
      assertThat(first.path("id").asText()).isEqualTo("r1");
      assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
      JsonNode d0 = first.path("choices").get(0).path("delta");
      assertThat(d0.path("role").asText()).isEqualTo("assistant");
      assertThat(d0.path("reasoning_content").asText()).isEqualTo("Let me think");
      assertThat(chunks.get(1).path("choices").get(0).path("delta").has("role")).isFalse();
      assertThat(chunks.get(1).path("choices").get(0).path("delta").path("content").asText())
          .isEqualTo("Hel");
      assertThat(chunks.get(2).path("choices").get(0).path("delta").path("content").asText())
          .isEqualTo("lo");
      JsonNode call = chunks.get(3).path("choices").get(0).path("delta").path("tool_calls").get(0);
      assertThat(call.path("index").asInt()).isZero();
      assertThat(call.path("id").asText()).startsWith("call_");
      assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"a\":1}");
      assertThat(chunks.get(4).path("choices").get(0).path("finish_reason").asText())
          .isEqualTo("tool_calls");
      JsonNode usage = chunks.get(5);
      assertThat(usage.path("choices").isEmpty()).isTrue();
      assertThat(usage.path("usage").path("completion_tokens").asLong()).isEqualTo(10);
      assertThat(usage.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
          .isEqualTo(8);
      assertThat(sink.lastUsage()).contains(new Usage(2, 10, 8, 0, 0, 4, 0, 0, 0, 0));
    }
  }

  @Test
  void relay_clientDidNotAskForUsage_reportsItButSendsNoUsageChunk() throws Exception {
    RecordingSink sink = new RecordingSink();
    GeminiStream s = new GeminiStream(sink, false, 1, "m");
    s.relay(Buffer.buffer(E2 + E3));

    assertThat(s.end()).isEmpty();
    assertThat(sink.text()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    assertThat(sink.usages).hasSize(2);
  }

  @Test
  void relay_errorEvent_failsWithTheMappedError() {
    RecordingSink sink = new RecordingSink();
    GeminiStream s = new GeminiStream(sink, true, 1, "m");
    s.relay(
        Buffer.buffer(
            E2
                + "data: {\"error\":{\"code\":429,\"message\":\"quota\","
                + "\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n"
                + E3));

    Optional<GatewayException> end = s.end();
    assertThat(end).isPresent();
    assertThat(end.get().status()).isEqualTo(429);
    assertThat(sink.text()).contains("Hel").doesNotContain("lo\"");
  }

  @Test
  void end_beforeAnyFinishReason_isA502() {
    RecordingSink sink = new RecordingSink();
    GeminiStream s = new GeminiStream(sink, true, 1, "m");
    s.relay(Buffer.buffer(E1 + E2));

    Optional<GatewayException> end = s.end();
    assertThat(end).isPresent();
    assertThat(end.get().status()).isEqualTo(502);
    assertThat(sink.lastUsage()).contains(new Usage(10, 5, 0, 0, 0, 4, 0, 0, 0, 0));
  }

  @Test
  void end_lastEventWithoutItsBlankLine_isStillRelayed() throws Exception {
    RecordingSink sink = new RecordingSink();
    GeminiStream s = new GeminiStream(sink, false, 1, "m");
    s.relay(Buffer.buffer(E3.strip()));

    assertThat(s.end()).isEmpty();
    assertThat(sink.text()).contains("\"finish_reason\":\"tool_calls\"").endsWith("[DONE]\n\n");
  }
}
