package dev.tollgate.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.proxy.ParsedRequests;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BedrockRequestTest {
  static JsonNode translate(String chat) throws Exception {
    UpstreamRequest up =
        new UpstreamRequest(
            ParsedRequests.parse(Endpoint.CHAT, chat),
            "d1",
            Params.of("anthropic.claude-3-5-sonnet-20240620-v1:0", null, "k", Map.of()),
            5_000,
            new Cancellation(),
            OptionalLong.empty());
    return Json.MAPPER.readTree(
        BedrockRequest.fromChat(up, "anthropic.claude-3-5-sonnet-20240620-v1:0"));
  }

  static JsonNode json(String s) throws Exception {
    return Json.MAPPER.readTree(s);
  }

  @Test
  void fromChat_systemAnywhere_movesToSystem_consecutiveTurnsMerged() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"One"},
              {"role":"developer","content":[{"type":"text","text":"Be kind."}]},
              {"role":"user","content":[{"type":"text","text":"Two"}]},
              {"role":"assistant","content":"Ok"}]}
            """);
    assertThat(out)
        .isEqualTo(
            json(
                """
                {"messages":[
                  {"role":"user","content":[{"text":"One"},{"text":"Two"}]},
                  {"role":"assistant","content":[{"text":"Ok"}]}],
                 "system":[{"text":"Be brief."},{"text":"Be kind."}]}
                """));
  }

  @Test
  void fromChat_samplingFields_becomeInferenceConfig_topKAdditional() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[{"role":"user","content":"Hi"}],
             "max_completion_tokens":77,"temperature":0,"top_p":0.5,"stop":"STOP","top_k":40}
            """);
    assertThat(out.path("inferenceConfig"))
        .isEqualTo(
            json("{\"maxTokens\":77,\"temperature\":0,\"topP\":0.5,\"stopSequences\":[\"STOP\"]}"));
    assertThat(out.path("additionalModelRequestFields")).isEqualTo(json("{\"top_k\":40}"));
  }

  @Test
  void fromChat_cacheControl_addsCachePoints() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[
              {"role":"system","content":[{"type":"text","text":"Long rules","cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":[{"type":"text","text":"Doc","cache_control":{"type":"ephemeral"}},
                                        {"type":"text","text":"Question"}]}]}
            """);
    assertThat(out.path("system"))
        .isEqualTo(json("[{\"text\":\"Long rules\"},{\"cachePoint\":{\"type\":\"default\"}}]"));
    assertThat(out.path("messages").get(0).path("content"))
        .isEqualTo(
            json(
                "[{\"text\":\"Doc\"},{\"cachePoint\":{\"type\":\"default\"}},{\"text\":\"Question\"}]"));
  }

  @Test
  void fromChat_jpgAndPdf_becomeImageAndDocumentBlocks() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"image_url","image_url":"data:image/jpg;base64,AAAA"},
              {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0="}}]}]}
            """);
    JsonNode content = out.path("messages").get(0).path("content");
    assertThat(content.get(0))
        .isEqualTo(json("{\"image\":{\"format\":\"jpeg\",\"source\":{\"bytes\":\"AAAA\"}}}"));
    assertThat(content.get(1).path("document").path("format").asText()).isEqualTo("pdf");
    assertThat(content.get(1).path("document").path("source").path("bytes").asText())
        .isEqualTo("JVBERi0=");
    assertThat(content.get(1).path("document").path("name").asText()).startsWith("document-");
  }

  @Test
  void fromChat_toolChoice_autoRequiredNamedNone() throws Exception {
    String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
    String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],";
    assertThat(translate(base + tools + ",\"tool_choice\":\"auto\"}").path("toolConfig"))
        .isEqualTo(
            json(
                "{\"tools\":[{\"toolSpec\":{\"name\":\"f\",\"inputSchema\":{\"json\":{\"type\":\"object\",\"properties\":{}}}}}],"
                    + "\"toolChoice\":{\"auto\":{}}}"));
    assertThat(
            translate(
                    base
                        + tools
                        + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}")
                .path("toolConfig")
                .path("toolChoice"))
        .isEqualTo(json("{\"tool\":{\"name\":\"f\"}}"));
    JsonNode none = translate(base + tools + ",\"tool_choice\":\"none\"}").path("toolConfig");
    assertThat(none.has("toolChoice")).isFalse();
    assertThat(none.path("tools")).hasSize(1);
    assertThat(translate(base + "\"tools\":[]}").has("toolConfig")).isFalse();
  }

  @Test
  void fromChat_toolResultsAfterToolResults_mergeIntoOneUserTurn() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"a","type":"function","function":{"name":"w","arguments":"{\\"city\\":\\"Paris\\"}"}},
                {"id":"b","type":"function","function":{"name":"w","arguments":""}}]},
              {"role":"tool","tool_call_id":"a","content":"18C"},
              {"role":"tool","tool_call_id":"b","content":[{"type":"text","text":"21C"}]}]}
            """);
    assertThat(out.path("messages"))
        .isEqualTo(
            json(
                """
                [{"role":"user","content":[{"text":"Weather in Paris and Rome?"}]},
                 {"role":"assistant","content":[{"text":"Checking."},
                   {"toolUse":{"toolUseId":"a","name":"w","input":{"city":"Paris"}}},
                   {"toolUse":{"toolUseId":"b","name":"w","input":{}}}]},
                 {"role":"user","content":[
                   {"toolResult":{"toolUseId":"a","content":[{"text":"18C"}]}},
                   {"toolResult":{"toolUseId":"b","content":[{"text":"21C"}]}}]}]
                """));
  }

  @Test
  void fromChat_refusals_nameTheField() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.param()).isEqualTo("n"));
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}"))
        .isInstanceOfSatisfying(
            GatewayException.class, e -> assertThat(e.param()).isEqualTo("messages[0].role"));
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":\"\","
                        + "\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\","
                        + "\"arguments\":\"[1]\"}}]}]}"))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> assertThat(e.param()).isEqualTo("messages[0].tool_calls[0].function.arguments"));
  }

  @Test
  void fromChat_responseFormatJsonSchema_isAForcedJsonTool() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","messages":[{"role":"user","content":"x"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"r",
               "schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}}
            """);
    assertThat(out.path("toolConfig"))
        .isEqualTo(
            json(
                """
                {"tools":[{"toolSpec":{"name":"r","inputSchema":{"json":
                  {"type":"object","properties":{"a":{"type":"integer"}}}}}}],
                 "toolChoice":{"tool":{"name":"r"}}}
                """));
    assertThat(BedrockRequest.jsonTool("{\"response_format\":{\"type\":\"text\"}}".getBytes()))
        .isNull();
    assertThat(
            BedrockRequest.jsonTool("{\"response_format\":{\"type\":\"json_object\"}}".getBytes()))
        .isEqualTo("json_tool_call");
  }

  @Test
  void fromChat_reasoningEffortAndThinkingBlocks_forAnAnthropicModel() throws Exception {
    JsonNode out =
        translate(
            """
            {"model":"m","reasoning_effort":"medium","top_k":5,
             "response_format":{"type":"json_object"},
             "messages":[{"role":"user","content":"x"},
              {"role":"assistant","content":"y","thinking_blocks":[
                {"type":"thinking","thinking":"Hmm","signature":"sig1"},
                {"type":"redacted_thinking","data":"opaque"}]},
              {"role":"user","content":"z"}]}
            """);
    assertThat(out.path("additionalModelRequestFields"))
        .isEqualTo(
            json("{\"top_k\":5,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}}"));
    assertThat(out.path("messages").get(1).path("content"))
        .isEqualTo(
            json(
                """
                [{"reasoningContent":{"reasoningText":{"text":"Hmm","signature":"sig1"}}},
                 {"reasoningContent":{"redactedContent":"opaque"}},
                 {"text":"y"}]
                """));
    // Thinking forbids forcing a tool: the JSON tool is offered, not chosen.
    assertThat(out.path("toolConfig").path("tools").get(0).path("toolSpec").path("name").asText())
        .isEqualTo("json_tool_call");
    assertThat(out.path("toolConfig").has("toolChoice")).isFalse();
  }
}
