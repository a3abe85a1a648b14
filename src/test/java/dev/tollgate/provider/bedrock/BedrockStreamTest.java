package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseSink;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link BedrockStream} fed event-stream bytes framed by AWS's codec, in uneven pieces. */
class BedrockStreamTest {
  static final class Sink implements SseSink {
    final StringBuilder written = new StringBuilder();
    final List<Usage> usages = new ArrayList<>();
    int writes;

    @Override
    public void begin() {}

    @Override
    public void write(Buffer events) {
      writes++;
      written.append(events.toString(StandardCharsets.UTF_8));
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {}

    @Override
    public void usage(Usage usage) {
      usages.add(usage);
    }

    @Override
    public void end() {}

    @Override
    public void failRelayed(GatewayException error) {

      fail(error);
    }

    @Override
    public void fail(GatewayException error) {}
  }

  static byte[] events(String... typeAndPayload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < typeAndPayload.length; i += 2) {
      out.writeBytes(EventStreamDecoderTest.event(typeAndPayload[i], typeAndPayload[i + 1]));
    }
    return out.toByteArray();
  }

  static Optional<GatewayException> run(BedrockStream s, byte[] bytes) {
    for (int at = 0, step = 0; at < bytes.length; step++) {
      int n = Math.min(bytes.length - at, 1 + (step * 29) % 53);
      s.relay(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, at, at + n)));
      at += n;
    }
    return s.end();
  }

  static List<JsonNode> chunks(String sse) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String e : sse.split("\n\n")) {
      String data = e.substring(6);
      if (!data.equals("[DONE]")) {
        out.add(Json.MAPPER.readTree(data));
      }
    }
    return out;
  }

  static final String[] TOOLS = {
    "messageStart", "{\"role\":\"assistant\"}",
    "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Let me check.\"}}",
    "contentBlockStop", "{\"contentBlockIndex\":0}",
    "contentBlockStart",
        "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"a\"}}}",
    "contentBlockDelta",
        "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"{\\\"x\\\":\"}}}",
    "contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"1}\"}}}",
    "contentBlockStop", "{\"contentBlockIndex\":1}",
    "contentBlockStart",
        "{\"contentBlockIndex\":2,\"start\":{\"toolUse\":{\"toolUseId\":\"t2\",\"name\":\"b\"}}}",
    "contentBlockDelta", "{\"contentBlockIndex\":2,\"delta\":{\"toolUse\":{\"input\":\"{}\"}}}",
    "contentBlockStop", "{\"contentBlockIndex\":2}",
    "messageStop", "{\"stopReason\":\"tool_use\"}",
    "metadata",
        "{\"usage\":{\"inputTokens\":10,\"outputTokens\":20,\"totalTokens\":30},\"metrics\":{\"latencyMs\":5}}"
  };

  @Test
  void relay_toolCalls_indexedAmongToolCalls_usageReportedOnce() throws Exception {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, false, null, "chatcmpl-1", 1700000000L, "m");

    assertThat(run(s, events(TOOLS))).isEmpty();

    assertThat(sink.written.toString()).endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(sink.written.toString());
    List<String> calls = new ArrayList<>();
    for (JsonNode c : chunks) {
      assertThat(c.path("id").asText()).isEqualTo("chatcmpl-1");
      assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
      for (JsonNode call : c.path("choices").path(0).path("delta").path("tool_calls")) {
        calls.add(
            call.path("index").asInt()
                + ":"
                + call.path("id").asText("")
                + ":"
                + call.path("function").path("arguments").asText());
      }
    }
    assertThat(calls).containsExactly("0:t1:", "0::{\"x\":", "0::1}", "1:t2:", "1::{}");
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    // Not asked for: no usage chunk, but the usage is reported for billing.
    assertThat(last.has("usage")).isFalse();
    assertThat(sink.usages).containsExactly(Usage.tokens(10, 20));
  }

  @Test
  void end_afterMessageStopWithoutMetadata_finishesWithDone_noUsage() {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, true, null, "c", 1, "m");

    Optional<GatewayException> end =
        run(
            s,
            events(
                "messageStart", "{\"role\":\"assistant\"}",
                "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}",
                "messageStop", "{\"stopReason\":\"end_turn\"}"));

    assertThat(end).isEmpty();
    assertThat(sink.written.toString()).endsWith("data: [DONE]\n\n");
    assertThat(sink.usages).isEmpty();
  }

  @Test
  void end_beforeMessageStop_isA502() {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, true, null, "c", 1, "m");

    Optional<GatewayException> end =
        run(
            s,
            events(
                "messageStart", "{\"role\":\"assistant\"}",
                "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}"));

    assertThat(end).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(502));
    assertThat(sink.written.toString()).doesNotContain("[DONE]");
  }

  @Test
  void relay_reasoningDeltas_becomeReasoningContent() throws Exception {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, true, null, "c", 1, "m");

    run(
        s,
        events(
            "messageStart", "{\"role\":\"assistant\"}",
            "contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"text\":\"Hmm\"}}}",
            "contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"signature\":\"sig\"}}}",
            "messageStop", "{\"stopReason\":\"end_turn\"}",
            "metadata",
                "{\"usage\":{\"inputTokens\":3,\"outputTokens\":4,\"cacheReadInputTokens\":5,"
                    + "\"cacheWriteInputTokens\":6}}"));

    List<JsonNode> chunks = chunks(sink.written.toString());
    assertThat(
            chunks.get(1).path("choices").path(0).path("delta").path("reasoning_content").asText())
        .isEqualTo("Hmm");
    JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(14);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(5);
    assertThat(sink.usages).containsExactly(new Usage(3, 4, 5, 6, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void relay_eachReadWritesOnce() {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, false, null, "c", 1, "m");
    byte[] all = events(TOOLS);

    s.relay(Buffer.buffer(all));

    assertThat(sink.writes).isEqualTo(1);
  }

  @Test
  void relay_jsonMode_theJsonToolsInputIsContent_andTheAnswerStops() throws Exception {
    Sink sink = new Sink();
    BedrockStream s = new BedrockStream(sink, false, "json_tool_call", "c", 1, "m");

    run(
        s,
        events(
            "messageStart", "{\"role\":\"assistant\"}",
            "contentBlockStart",
                "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":{\"toolUseId\":\"j\","
                    + "\"name\":\"json_tool_call\"}}}",
            "contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":\"{\\\"a\\\":\"}}}",
            "contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":\"1}\"}}}",
            "messageStop", "{\"stopReason\":\"tool_use\"}",
            "metadata", "{\"usage\":{\"inputTokens\":1,\"outputTokens\":2}}"));

    List<JsonNode> chunks = chunks(sink.written.toString());
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks) {
      JsonNode delta = c.path("choices").path(0).path("delta");
      assertThat(delta.has("tool_calls")).isFalse();
      content.append(delta.path("content").asText(""));
    }
    assertThat(content.toString()).isEqualTo("{\"a\":1}");
    assertThat(chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText())
        .isEqualTo("stop");
  }
}
