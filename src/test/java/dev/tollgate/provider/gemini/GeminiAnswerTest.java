package dev.tollgate.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiAnswerTest {
  static UpstreamResponse answer(String json) {
    return GeminiAnswer.toChat(200, json.getBytes(StandardCharsets.UTF_8), "gemini-x", 1700000000);
  }

  @Test
  void toChat_candidates_becomeChoicesWithReasoningAndToolCalls() throws Exception {
    UpstreamResponse r =
        answer(
            """
            {"candidates":[
              {"content":{"role":"model","parts":[{"text":"Thinking...","thought":true},
                 {"text":"It is "},{"text":"sunny."}]},"finishReason":"STOP","index":0},
              {"content":{"role":"model","parts":[
                 {"functionCall":{"name":"weather","args":{"city":"Oslo"}},"thoughtSignature":"U0lH"}]},
               "finishReason":"STOP","index":1}],
             "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"thoughtsTokenCount":3,
                              "totalTokenCount":18},
             "modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
            """);

    JsonNode out = Json.MAPPER.readTree(r.body());
    assertThat(out.path("id").asText()).isEqualTo("resp-1");
    assertThat(out.path("model").asText()).isEqualTo("gemini-2.5-flash");
    assertThat(out.path("created").asLong()).isEqualTo(1700000000);
    JsonNode first = out.path("choices").get(0);
    assertThat(first.path("message").path("content").asText()).isEqualTo("It is sunny.");
    assertThat(first.path("message").path("reasoning_content").asText()).isEqualTo("Thinking...");
    assertThat(first.path("finish_reason").asText()).isEqualTo("stop");
    JsonNode second = out.path("choices").get(1);
    assertThat(second.path("index").asInt()).isEqualTo(1);
    assertThat(second.path("message").path("content").isNull()).isTrue();
    JsonNode call = second.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).matches("call_[0-9a-f]{24}__thought__U0lH");
    assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(second.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(out.path("usage"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"prompt_tokens":10,"completion_tokens":8,"total_tokens":18,
                 "prompt_tokens_details":{"cached_tokens":0},
                 "completion_tokens_details":{"reasoning_tokens":3}}
                """));
    assertThat(r.usage()).contains(new Usage(10, 8, 0, 0, 0, 3, 0, 0, 0, 0));
  }

  @Test
  void toChat_blockedPrompt_isOneEmptyChoiceFinishedByContentFilter() throws Exception {
    UpstreamResponse r =
        answer(
            "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},"
                + "\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7}}");

    JsonNode choice = Json.MAPPER.readTree(r.body()).path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("content_filter");
    assertThat(choice.path("message").path("content").isNull()).isTrue();
    assertThat(r.usage()).contains(Usage.tokens(7, 0));
  }

  @Test
  void toChat_notAResponse_isA502() {
    Assertions.assertThatThrownBy(() -> answer("<html>oops</html>"))
        .isInstanceOf(GatewayException.class)
        .extracting(e -> ((GatewayException) e).status())
        .isEqualTo(502);
  }

  @ParameterizedTest
  @CsvSource({
    "STOP, false, stop",
    "STOP, true, tool_calls",
    "MAX_TOKENS, false, length",
    "SAFETY, false, content_filter",
    "RECITATION, false, content_filter",
    "PROHIBITED_CONTENT, false, content_filter",
    "SPII, false, content_filter",
    "BLOCKLIST, false, content_filter",
    "OTHER, false, stop",
    "MALFORMED_FUNCTION_CALL, false, stop"
  })
  void finishReason_mapsAsLiteLlm(String reason, boolean calls, String expected) {
    assertThat(GeminiFinishReason.finishReason(reason, calls)).isEqualTo(expected);
  }

  @Test
  void usage_cachedAndAudioAndToolUse_normalised() throws Exception {
    JsonNode meta =
        Json.MAPPER.readTree(
            """
            {"promptTokenCount":1000,"cachedContentTokenCount":600,"toolUsePromptTokenCount":50,
             "candidatesTokenCount":20,"thoughtsTokenCount":30,
             "promptTokensDetails":[{"modality":"TEXT","tokenCount":800},
                                    {"modality":"AUDIO","tokenCount":200}],
             "cacheTokensDetails":[{"modality":"AUDIO","tokenCount":100}]}
            """);

    Usage u = GeminiUsage.of(meta).orElseThrow();

    assertThat(u).isEqualTo(new Usage(450, 50, 600, 0, 0, 30, 100, 0, 0, 0));
    assertThat(u.totalInputTokens()).isEqualTo(1050);
  }
}
