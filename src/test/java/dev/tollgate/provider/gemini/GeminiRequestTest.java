package dev.tollgate.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiRequestTest {
  static JsonNode translate(String json, String model) throws Exception {
    return Json.MAPPER.readTree(
        GeminiRequest.fromChat(json.getBytes(StandardCharsets.UTF_8), model));
  }

  static JsonNode translate(String json) throws Exception {
    return translate(json, "gemini-2.5-flash");
  }

  @Test
  void fromChat_systemMessagesAnywhere_becomeTheSystemInstruction() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[
              {"role":"system","content":"One."},
              {"role":"user","content":"Hi"},
              {"role":"developer","content":[{"type":"text","text":"Two."}]}]}
            """);

    assertThat(out.path("systemInstruction"))
        .isEqualTo(Json.MAPPER.readTree("{\"parts\":[{\"text\":\"One.\"},{\"text\":\"Two.\"}]}"));
    assertThat(out.path("contents"))
        .isEqualTo(Json.MAPPER.readTree("[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]"));
    assertThat(out.has("generationConfig")).isFalse();
  }

  @Test
  void fromChat_consecutiveTurnsOfOneRole_areMerged() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[
              {"role":"user","content":"a"},{"role":"user","content":"b"},
              {"role":"assistant","content":"c"},{"role":"assistant","content":""},
              {"role":"user","content":"d"}]}
            """);

    assertThat(out.path("contents"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"user","parts":[{"text":"a"},{"text":"b"}]},
                 {"role":"model","parts":[{"text":"c"}]},
                 {"role":"user","parts":[{"text":"d"}]}]
                """));
  }

  @Test
  void fromChat_media_inlineForDataUrlsAndFileDataOtherwise() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"image_url","image_url":{"url":"data:image/webp;base64,AAAA"}},
              {"type":"image_url","image_url":"https://example.com/a.PNG?x=1"},
              {"type":"file","file":{"file_id":"https://generativelanguage.googleapis.com/v1beta/files/abc","format":"application/pdf"}},
              {"type":"input_audio","input_audio":{"data":"UklG","format":"wav"}}]}]}
            """);

    assertThat(out.path("contents").get(0).path("parts"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"inlineData":{"mimeType":"image/webp","data":"AAAA"}},
                 {"fileData":{"mimeType":"image/png","fileUri":"https://example.com/a.PNG?x=1"}},
                 {"fileData":{"mimeType":"application/pdf",
                              "fileUri":"https://generativelanguage.googleapis.com/v1beta/files/abc"}},
                 {"inlineData":{"mimeType":"audio/wav","data":"UklG"}}]
                """));
  }

  @Test
  void fromChat_notBase64DataUrl_isA400NamingThePart() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                        + "\"image_url\":{\"url\":\"data:image/png,raw\"}}]}]}"))
        .isInstanceOf(GatewayException.class)
        .extracting(e -> ((GatewayException) e).param())
        .isEqualTo("messages[0].content[0]");
  }

  @Test
  void fromChat_toolsAndChoice_becomeDeclarationsAndCallingConfig() throws Exception {
    JsonNode out =
        translate(
            """
            {"messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"f","strict":true,
               "parameters":{"type":"object","$schema":"http://json-schema.org/draft-07/schema#",
                 "additionalProperties":false,
                 "properties":{"strict":{"type":"object","additionalProperties":false,
                                         "properties":{"a":{"type":"string"}}}}}}},
               {"type":"function","function":{"name":"g","parameters":{"type":"object","properties":{}}}},
               {"googleSearch":{}}],
             "tool_choice":{"type":"function","function":{"name":"f"}}}
            """);

    assertThat(out.path("tools"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"functionDeclarations":[
                   {"name":"f","parameters":{"type":"object","properties":{
                      "strict":{"type":"object","properties":{"a":{"type":"string"}}}}}},
                   {"name":"g"}]},
                 {"googleSearch":{}}]
                """));
    assertThat(out.path("toolConfig"))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"f\"]}}"));
  }

  @ParameterizedTest
  @CsvSource({"none, NONE", "auto, AUTO", "required, ANY"})
  void fromChat_toolChoiceWords_mapToModes(String choice, String mode) throws Exception {
    JsonNode out =
        translate(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\""
                + choice
                + "\"}");

    assertThat(out.path("toolConfig").path("functionCallingConfig").path("mode").asText())
        .isEqualTo(mode);
  }

  @Test
  void fromChat_toolResult_namedAfterTheCallItAnswers_andSignatureGivenBack() throws Exception {
    JsonNode out =
        translate(
            """
            {"messages":[{"role":"user","content":"Weather?"},
              {"role":"assistant","content":"Let me see.","tool_calls":[
                {"id":"call_1__thought__U0lH","type":"function",
                 "function":{"name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}},
                {"id":"call_2","type":"function","function":{"name":"time","arguments":""}}]},
              {"role":"tool","tool_call_id":"call_2","content":"noon"},
              {"role":"tool","tool_call_id":"call_1__thought__U0lH",
               "content":[{"type":"text","text":"rain"}]}]}
            """);

    assertThat(out.path("contents"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"user","parts":[{"text":"Weather?"}]},
                 {"role":"model","parts":[{"text":"Let me see."},
                   {"functionCall":{"name":"weather","args":{"city":"Oslo"}},
                    "thoughtSignature":"U0lH"},
                   {"functionCall":{"name":"time","args":{}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"time","response":{"content":"noon"}}},
                   {"functionResponse":{"name":"weather","response":{"content":"rain"}}}]}]
                """));
  }

  @Test
  void fromChat_generationConfig_fromOpenAiParameters() throws Exception {
    JsonNode out =
        translate(
            """
            {"messages":[{"role":"user","content":"x"}],"temperature":0,"top_p":0.5,"top_k":3,
             "max_completion_tokens":77,"max_tokens":5,"stop":"END","n":2,"seed":9,
             "presence_penalty":0.1,"frequency_penalty":0.2,"user":"u","stream_options":{},
             "response_format":{"type":"json_object"}}
            """);

    assertThat(out.path("generationConfig"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"temperature":0,"topP":0.5,"topK":3,"seed":9,"presencePenalty":0.1,
                 "frequencyPenalty":0.2,"candidateCount":2,"maxOutputTokens":77,
                 "stopSequences":["END"],"responseMimeType":"application/json"}
                """));
  }

  @ParameterizedTest
  @CsvSource({
    "gemini-2.5-flash, minimal, 1, true",
    "gemini-2.5-flash-lite, minimal, 512, true",
    "gemini-2.5-pro, minimal, 128, true",
    "gemini-2.5-pro, low, 1024, true",
    "gemini-2.5-pro, medium, 2048, true",
    "gemini-2.5-pro, high, 4096, true",
    "gemini-2.5-flash, none, 0, false",
    "gemini-2.5-flash, disable, 0, false"
  })
  void fromChat_reasoningEffort_isLiteLlmsThinkingBudget(
      String model, String effort, long budget, boolean thoughts) throws Exception {
    JsonNode out =
        translate(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\""
                + effort
                + "\"}",
            model);

    JsonNode thinking = out.path("generationConfig").path("thinkingConfig");
    assertThat(thinking.path("thinkingBudget").asLong()).isEqualTo(budget);
    assertThat(thinking.path("includeThoughts").asBoolean()).isEqualTo(thoughts);
  }

  @ParameterizedTest
  @CsvSource({
    "gemini-3-pro-preview, medium, high",
    "gemini-3-flash-preview, medium, medium",
    "gemini-3-flash-preview, minimal, minimal",
    "gemini-3-pro-preview, minimal, low"
  })
  void fromChat_reasoningEffortOnGemini3_isAThinkingLevel(String model, String effort, String level)
      throws Exception {
    JsonNode out =
        translate(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\""
                + effort
                + "\"}",
            model);

    JsonNode thinking = out.path("generationConfig").path("thinkingConfig");
    assertThat(thinking.path("thinkingLevel").asText()).isEqualTo(level);
    assertThat(thinking.has("thinkingBudget")).isFalse();
  }

  @Test
  void fromChat_unknownReasoningEffort_isA400() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"reasoning_effort\":\"extreme\"}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("reasoning_effort");
  }

  @Test
  void fromChat_anthropicThinking_isABudget() throws Exception {
    JsonNode out =
        translate(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":3000}}");

    assertThat(out.path("generationConfig").path("thinkingConfig"))
        .isEqualTo(Json.MAPPER.readTree("{\"includeThoughts\":true,\"thinkingBudget\":3000}"));
  }

  @Test
  void fromChat_unknownRole_isA400NamingTheMessage() {
    assertThatThrownBy(
            () -> translate("{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}"))
        .isInstanceOf(GatewayException.class)
        .extracting(e -> ((GatewayException) e).param())
        .isEqualTo("messages[0].role");
  }

  @Test
  void fromChat_liteLlmsGeminiParameters_passedOnUnderGeminisNames() throws Exception {
    JsonNode out =
        translate(
            """
            {"messages":[{"role":"user","content":"x"}],"cached_content":"cachedContents/abc",
             "safety_settings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
             "labels":{"team":"search"}}
            """);

    assertThat(out.path("cachedContent").asText()).isEqualTo("cachedContents/abc");
    assertThat(out.path("safetySettings").get(0).path("threshold").asText())
        .isEqualTo("BLOCK_NONE");
    assertThat(out.path("labels").path("team").asText()).isEqualTo("search");
  }

  @Test
  void fromChat_historyEndingWithTheAssistant_getsABlankUserTurn() throws Exception {
    JsonNode out =
        translate(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":\"b\"}]}");

    assertThat(out.path("contents").get(2))
        .isEqualTo(Json.MAPPER.readTree("{\"role\":\"user\",\"parts\":[{\"text\":\" \"}]}"));
  }

  @Test
  void fromEmbeddings_eachInputIsARequest() throws Exception {
    JsonNode out =
        Json.MAPPER.readTree(
            GeminiRequest.fromEmbeddings(
                "{\"model\":\"e\",\"input\":\"hello\"}".getBytes(StandardCharsets.UTF_8),
                "text-embedding-004"));

    assertThat(out)
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"requests":[{"model":"models/text-embedding-004",
                              "content":{"parts":[{"text":"hello"}]}}]}
                """));
    assertThatThrownBy(
            () ->
                GeminiRequest.fromEmbeddings(
                    "{\"input\":[1,2]}".getBytes(StandardCharsets.UTF_8), "m"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("input");
  }
}
