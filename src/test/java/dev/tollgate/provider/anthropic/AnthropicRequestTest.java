package dev.tollgate.provider.anthropic;

import static dev.tollgate.provider.anthropic.Requests.chat;
import static dev.tollgate.provider.anthropic.Requests.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI chat requests as the Messages requests Anthropic receives. */
class AnthropicRequestTest {
  static JsonNode translate(String json) {
    return tree(AnthropicRequest.fromChat(chat(json)));
  }

  static JsonNode translate(String json, OptionalLong maxOutput) {
    return tree(AnthropicRequest.fromChat(chat(json, Optional.empty(), maxOutput)));
  }

  @Test
  void fromChat_textWithSystemPrompts_systemBlocksAndAlternatingTurns() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"Hi"},
              {"role":"assistant","content":"Hello!"},
              {"role":"developer","content":[{"type":"text","text":"Answer in French.",
                "cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":"How are you?"}]}
            """);

    assertThat(out)
        .isEqualTo(
            tree(
                """
                {"model":"claude-haiku-4-5","max_tokens":4096,
                 "system":[{"type":"text","text":"Be brief."},
                           {"type":"text","text":"Answer in French.",
                            "cache_control":{"type":"ephemeral"}}],
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"Hi"}]},
                   {"role":"assistant","content":[{"type":"text","text":"Hello!"}]},
                   {"role":"user","content":[{"type":"text","text":"How are you?"}]}]}
                """));
  }

  @Test
  void fromChat_consecutiveSameRoleTurns_areMerged() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[
              {"role":"user","content":"one"},
              {"role":"user","content":[{"type":"text","text":"two"}]},
              {"role":"assistant","content":"three"},
              {"role":"assistant","content":"four","cache_control":{"type":"ephemeral"}}]}
            """);

    assertThat(out.path("messages"))
        .isEqualTo(
            tree(
                """
                [{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
                 {"role":"assistant","content":[{"type":"text","text":"three"},
                   {"type":"text","text":"four","cache_control":{"type":"ephemeral"}}]}]
                """));
  }

  @Test
  void fromChat_imageParts_urlAndBase64SourcesAndPdfDocuments() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
              {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
              {"type":"image_url","image_url":"data:application/pdf;base64,JVBERi0x"},
              {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0y","filename":"a.pdf"}}]}]}
            """);

    assertThat(out.path("messages").get(0).path("content"))
        .isEqualTo(
            tree(
                """
                [{"type":"text","text":"What is this?"},
                 {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
                 {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
                 {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}},
                 {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0y"}}]
                """));
  }

  @Test
  void fromChat_dataUrlNotBase64_is400NamingThePart() {
    assertThatThrownBy(
            () ->
                translate(
                    """
                    {"model":"claude","messages":[{"role":"user","content":[
                      {"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}
                    """))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.param()).isEqualTo("messages[0].content[0]");
            });
  }

  @Test
  void fromChat_toolsAndChoice_anthropicToolsAndForcedTool() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
               "strict":true}},
               {"type":"function","function":{"name":"now"}},
               {"type":"web_search_20250305","name":"web_search","max_uses":3}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "parallel_tool_calls":false}
            """);

    assertThat(out.path("tools"))
        .isEqualTo(
            tree(
                """
                [{"name":"get_weather","description":"Current weather",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"now","input_schema":{"type":"object","properties":{}}},
                 {"type":"web_search_20250305","name":"web_search","max_uses":3}]
                """));
    assertThat(out.path("tool_choice"))
        .isEqualTo(
            tree(
                "{\"type\":\"tool\",\"name\":\"get_weather\",\"disable_parallel_tool_use\":true}"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"auto\"     | {\"type\":\"auto\"}",
        "\"none\"     | {\"type\":\"none\"}",
        "\"required\" | {\"type\":\"any\"}",
      })
  void fromChat_toolChoiceStrings_mapToAnthropicTypes(String choice, String expected) {
    JsonNode out =
        translate(
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"tool_choice\":"
                + choice
                + "}");
    assertThat(out.path("tool_choice")).isEqualTo(tree(expected));
  }

  @Test
  void fromChat_parallelToolCallsFalseWithoutChoice_autoWithParallelDisabled() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}
            """);
    assertThat(out.path("tool_choice"))
        .isEqualTo(tree("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
  }

  @Test
  void fromChat_toolCallRoundTrip_toolUseThenToolResultsInOneUserTurn() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":"Let me check.","tool_calls":[
                {"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                {"id":"toolu_02","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
              {"role":"tool","tool_call_id":"toolu_01","content":"18C"},
              {"role":"tool","tool_call_id":"toolu_02","content":[{"type":"text","text":"21C"}]},
              {"role":"user","content":"Which is warmer?"}],
             "tools":[{"type":"function","function":{"name":"get_weather"}}]}
            """);

    assertThat(out.path("messages"))
        .isEqualTo(
            tree(
                """
                [{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
                 {"role":"assistant","content":[
                   {"type":"text","text":"Let me check."},
                   {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}},
                   {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"city":"Rome"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01","content":"18C"},
                   {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"21C"}]},
                   {"type":"text","text":"Which is warmer?"}]}]
                """));
  }

  @Test
  void fromChat_assistantWithThinkingBlocksAndEmptyContent_sendsThemBackFirst() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[
              {"role":"user","content":"x"},
              {"role":"assistant","content":"","thinking_blocks":[
                {"type":"thinking","thinking":"Let me think.","signature":"sig1"},
                {"type":"redacted_thinking","data":"opaque"}],
               "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"f","arguments":""}}]}]}
            """);

    assertThat(out.path("messages").get(1).path("content"))
        .isEqualTo(
            tree(
                """
                [{"type":"thinking","thinking":"Let me think.","signature":"sig1"},
                 {"type":"redacted_thinking","data":"opaque"},
                 {"type":"tool_use","id":"toolu_1","name":"f","input":{}}]
                """));
  }

  @Test
  void fromChat_toolArgumentsNotAnObject_is400NamingThem() {
    assertThatThrownBy(
            () ->
                translate(
                    """
                    {"model":"claude","messages":[{"role":"assistant","tool_calls":[
                      {"id":"t","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]}
                    """))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> assertThat(e.param()).isEqualTo("messages[0].tool_calls[0].function.arguments"));
  }

  @Test
  void fromChat_samplingStopAndUser_carried() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],
             "temperature":0.7,"top_p":0.9,"top_k":40,"stop":"END","user":"user-42",
             "stream_options":{"include_usage":true},"metadata":{"tags":["a"]}}
            """);

    assertThat(out)
        .isEqualTo(
            tree(
                """
                {"model":"claude-haiku-4-5","max_tokens":4096,
                 "messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],
                 "stop_sequences":["END"],"temperature":0.7,"top_p":0.9,"top_k":40,
                 "metadata":{"user_id":"user-42"}}
                """));
    assertThat(out.path("temperature").decimalValue()).isEqualByComparingTo("0.7");
  }

  @Test
  void fromChat_stopListAndMetadataUserId_metadataUserIdWins() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],
             "stop":["a","b"],"user":"u1","metadata":{"user_id":"u2"}}
            """);
    assertThat(out.path("stop_sequences")).isEqualTo(tree("[\"a\",\"b\"]"));
    assertThat(out.path("metadata")).isEqualTo(tree("{\"user_id\":\"u2\"}"));
  }

  @ParameterizedTest
  @CsvSource({"someone@example.com", "+1 (555) 123-4567"})
  void fromChat_userLooksLikeEmailOrPhone_notSent(String user) {
    JsonNode out =
        translate(
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"user\":\""
                + user
                + "\"}");
    assertThat(out.has("metadata")).isFalse();
  }

  @Test
  void fromChat_maxTokens_requestThenDeploymentThenDefault() {
    String base = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    assertThat(
            translate(base + ",\"max_completion_tokens\":300}", OptionalLong.of(64000))
                .path("max_tokens")
                .asLong())
        .isEqualTo(300);
    assertThat(translate(base + ",\"max_tokens\":200}").path("max_tokens").asLong()).isEqualTo(200);
    assertThat(translate(base + "}", OptionalLong.of(64000)).path("max_tokens").asLong())
        .isEqualTo(64000);
    assertThat(translate(base + "}").path("max_tokens").asLong()).isEqualTo(4096);
  }

  @ParameterizedTest
  @CsvSource({"minimal,1024", "low,1024", "medium,2048", "high,4096"})
  void fromChat_reasoningEffort_thinkingBudgetAndRoomToAnswer(String effort, long budget) {
    JsonNode out =
        translate(
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"reasoning_effort\":\""
                + effort
                + "\"}");
    assertThat(out.path("thinking"))
        .isEqualTo(tree("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
    assertThat(out.path("max_tokens").asLong()).isEqualTo(budget + 4096);
  }

  @Test
  void fromChat_thinkingWithDeploymentBound_boundWhenItExceedsTheBudget() {
    String json =
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}}";
    assertThat(translate(json, OptionalLong.of(64000)).path("max_tokens").asLong())
        .isEqualTo(64000);
    assertThat(translate(json, OptionalLong.of(8192)).path("max_tokens").asLong()).isEqualTo(14096);
  }

  @Test
  void fromChat_thinkingGiven_passedAsIsAndWinsOverEffort() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],"max_tokens":20000,
             "reasoning_effort":"low","thinking":{"type":"enabled","budget_tokens":10000}}
            """);
    assertThat(out.path("thinking"))
        .isEqualTo(tree("{\"type\":\"enabled\",\"budget_tokens\":10000}"));
    assertThat(out.path("max_tokens").asLong()).isEqualTo(20000);
  }

  @Test
  void fromChat_reasoningEffortUnknown_is400() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"reasoning_effort\":\"extreme\"}"))
        .isInstanceOfSatisfying(
            GatewayException.class, e -> assertThat(e.param()).isEqualTo("reasoning_effort"));
  }

  @Test
  void fromChat_responseFormatJsonSchema_forcedJsonTool() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"person",
               "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}
            """);
    assertThat(out.path("tools"))
        .isEqualTo(
            tree(
                """
                [{"name":"json_tool_call","input_schema":{"type":"object",
                  "properties":{"name":{"type":"string"}},"required":["name"]}}]
                """));
    assertThat(out.path("tool_choice"))
        .isEqualTo(tree("{\"type\":\"tool\",\"name\":\"json_tool_call\"}"));
  }

  @Test
  void fromChat_responseFormatJsonObjectWithThinking_toolNotForced() {
    JsonNode out =
        translate(
            """
            {"model":"claude","messages":[{"role":"user","content":"x"}],
             "response_format":{"type":"json_object"},"reasoning_effort":"low"}
            """);
    assertThat(out.path("tools"))
        .isEqualTo(
            tree(
                """
                [{"name":"json_tool_call","input_schema":{"type":"object",
                  "additionalProperties":true,"properties":{}}}]
                """));
    assertThat(out.has("tool_choice")).isFalse();
  }

  @Test
  void fromChat_stream_streamTrueWithoutStreamOptions() {
    JsonNode out =
        translate(
            "{\"model\":\"claude\",\"stream\":true,\"stream_options\":{\"include_usage\":false},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(out.path("stream").asBoolean()).isTrue();
    assertThat(out.has("stream_options")).isFalse();
  }

  @Test
  void fromChat_moreThanOneChoice_is400() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"claude\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.param()).isEqualTo("n");
            });
  }

  @Test
  void jsonMode_onlyForJsonResponseFormats() {
    assertThat(AnthropicRequest.jsonMode("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)))
        .isFalse();
    assertThat(
            AnthropicRequest.jsonMode(
                "{\"response_format\":{\"type\":\"text\"}}".getBytes(StandardCharsets.UTF_8)))
        .isFalse();
    assertThat(
            AnthropicRequest.jsonMode(
                "{\"response_format\":{\"type\":\"json_object\"}}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isTrue();
  }
}
