package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BedrockAnswerTest {
  static final String ANSWER =
      """
      {"output":{"message":{"role":"assistant","content":[
        {"reasoningContent":{"reasoningText":{"text":"Let me think.","signature":"sig-1"}}},
        {"reasoningContent":{"redactedContent":"b3BhcXVl"}},
        {"text":"Paris."},
        {"toolUse":{"toolUseId":"t1","name":"lookup","input":{"q":"paris"}}}]}},
       "stopReason":"tool_use",
       "usage":{"inputTokens":11,"outputTokens":7,"totalTokens":38,
                "cacheReadInputTokens":13,"cacheWriteInputTokens":7},
       "metrics":{"latencyMs":9}}
      """;

  @Test
  void toChat_reasoningTextAndToolUse_asLiteLlmShapesThem() throws Exception {
    UpstreamResponse r =
        BedrockAnswer.toChat(
            200, ANSWER.getBytes(StandardCharsets.UTF_8), null, "chatcmpl-x", "m", 42);

    JsonNode root = Json.MAPPER.readTree(r.body());
    JsonNode message = root.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("Paris.");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Let me think.");
    assertThat(message.path("thinking_blocks"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"type":"thinking","thinking":"Let me think.","signature":"sig-1"},
                 {"type":"redacted_thinking","data":"b3BhcXVl"}]
                """));
    assertThat(message.path("tool_calls").get(0).path("function").path("arguments").asText())
        .isEqualTo("{\"q\":\"paris\"}");
    assertThat(root.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(root.path("usage").path("prompt_tokens").asLong()).isEqualTo(31);
    assertThat(r.usage()).contains(new Usage(11, 7, 13, 7, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void toChat_jsonTool_isTheContent_andTheAnswerStops() throws Exception {
    UpstreamResponse r =
        BedrockAnswer.toChat(
            200, ANSWER.getBytes(StandardCharsets.UTF_8), "lookup", "chatcmpl-x", "m", 42);

    JsonNode choice = Json.MAPPER.readTree(r.body()).path("choices").get(0);
    assertThat(choice.path("message").path("content").asText()).isEqualTo("{\"q\":\"paris\"}");
    assertThat(choice.path("message").has("tool_calls")).isFalse();
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
  }
}
