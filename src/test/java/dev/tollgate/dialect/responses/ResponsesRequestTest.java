package dev.tollgate.dialect.responses;

import static dev.tollgate.dialect.ChatStreams.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Responses API requests, as in OpenAI's API reference, into OpenAI chat requests. */
class ResponsesRequestTest {
  private final ResponsesDialect dialect = new ResponsesDialect(Clock.systemUTC());

  private JsonNode toChat(String body) {
    return json(dialect.toChat(body.getBytes(StandardCharsets.UTF_8)));
  }

  private GatewayException rejected(String body) {
    Throwable t = catchThrowable(() -> toChat(body));
    assertThat(t).isInstanceOf(GatewayException.class);
    GatewayException e = (GatewayException) t;
    assertThat(e.status()).isEqualTo(400);
    return e;
  }

  @Test
  void toChat_stringInputWithInstructions_isASystemAndAUserMessage() {
    JsonNode chat =
        toChat(
            """
            {"model": "gpt-4.1", "instructions": "Talk like a pirate.",
             "input": "Are semicolons optional in JavaScript?",
             "max_output_tokens": 500, "temperature": 0.2, "top_p": 1, "user": "user-1",
             "store": true, "metadata": {"session": "s1"}, "include": ["reasoning.encrypted_content"],
             "truncation": "disabled", "parallel_tool_calls": false,
             "prompt_cache_key": "k1", "safety_identifier": "h1", "service_tier": "flex"}
            """);
    assertThat(chat)
        .isEqualTo(
            json(
                """
                {"model": "gpt-4.1",
                 "messages": [{"role": "system", "content": "Talk like a pirate."},
                              {"role": "user", "content": "Are semicolons optional in JavaScript?"}],
                 "max_tokens": 500, "temperature": 0.2, "top_p": 1, "user": "user-1",
                 "parallel_tool_calls": false, "prompt_cache_key": "k1",
                 "safety_identifier": "h1", "service_tier": "flex"}
                """));
  }

  @Test
  void toChat_inputItems_becomeChatMessagesWithImagesAndAToolRoundTrip() {
    JsonNode chat =
        toChat(
            """
            {"model": "gpt-4.1", "input": [
              {"role": "developer", "content": "Be brief."},
              {"role": "user", "content": [
                {"type": "input_text", "text": "What is in this image, and the weather there?"},
                {"type": "input_image", "image_url": "https://example.com/paris.jpg", "detail": "low"}]},
              {"type": "reasoning", "id": "rs_1", "summary": []},
              {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
               "content": [{"type": "output_text", "text": "The Eiffel Tower. Checking.", "annotations": []}]},
              {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
               "arguments": "{\\"location\\":\\"Paris\\"}", "status": "completed"},
              {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "get_time",
               "arguments": "{}"},
              {"type": "function_call_output", "call_id": "call_1", "output": "15 degrees"},
              {"type": "function_call_output", "call_id": "call_2",
               "output": [{"type": "input_text", "text": "10:00"}]}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json(
                """
                [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [
                   {"type": "text", "text": "What is in this image, and the weather there?"},
                   {"type": "image_url", "image_url": {"url": "https://example.com/paris.jpg", "detail": "low"}}]},
                 {"role": "assistant", "content": "The Eiffel Tower. Checking.", "tool_calls": [
                   {"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Paris\\"}"}},
                   {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": "call_1", "content": "15 degrees"},
                 {"role": "tool", "tool_call_id": "call_2", "content": "10:00"}]
                """));
  }

  @Test
  void toChat_functionCallWithoutAssistantText_isAnAssistantMessageWithNullContent() {
    JsonNode chat =
        toChat(
            """
            {"model": "m", "input": [
              {"role": "user", "content": "weather?"},
              {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"}]}
            """);
    assertThat(chat.at("/messages/1"))
        .isEqualTo(
            json(
                """
                {"role": "assistant", "content": null, "tool_calls": [
                  {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}
                """));
  }

  @Test
  void toChat_toolsTextFormatReasoningAndStream() {
    JsonNode chat =
        toChat(
            """
            {"model": "o4-mini", "input": "hi", "stream": true,
             "tools": [{"type": "function", "name": "get_weather", "description": "Weather",
                        "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                                       "required": ["location"], "additionalProperties": false},
                        "strict": true}],
             "tool_choice": {"type": "function", "name": "get_weather"},
             "text": {"format": {"type": "json_schema", "name": "answer", "strict": true,
                                 "schema": {"type": "object", "properties": {}}},
                      "verbosity": "low"},
             "reasoning": {"effort": "high", "summary": "auto"}}
            """);
    assertThat(chat.get("tools"))
        .isEqualTo(
            json(
                """
                [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                  "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                                 "required": ["location"], "additionalProperties": false},
                  "strict": true}}]
                """));
    assertThat(chat.get("tool_choice"))
        .isEqualTo(json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"));
    assertThat(chat.get("response_format"))
        .isEqualTo(
            json(
                """
                {"type": "json_schema", "json_schema": {"name": "answer",
                 "schema": {"type": "object", "properties": {}}, "strict": true}}
                """));
    assertThat(chat.get("verbosity").asText()).isEqualTo("low");
    assertThat(chat.get("reasoning_effort").asText()).isEqualTo("high");
    assertThat(chat.get("stream").asBoolean()).isTrue();
    assertThat(chat.get("stream_options")).isEqualTo(json("{\"include_usage\":true}"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"auto\"|\"auto\"",
        "\"required\"|\"required\"",
        "\"none\"|\"none\"",
        "{\"type\":\"allowed_tools\",\"mode\":\"required\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"}]}"
            + "|{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"required\","
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}}"
      })
  void toChat_toolChoice_mapsToChat(String responses, String chat) {
    JsonNode out = toChat("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":" + responses + "}");
    assertThat(out.get("tool_choice")).isEqualTo(json(chat));
  }

  @Test
  void toChat_jsonObjectFormat_isJsonObjectResponseFormat() {
    assertThat(
            toChat(
                    "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}")
                .get("response_format"))
        .isEqualTo(json("{\"type\":\"json_object\"}"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"previous_response_id\":\"resp_123\"",
        "\"conversation\":\"conv_123\"",
        "\"background\":true",
        "\"prompt\":{\"id\":\"pmpt_123\"}",
        "\"context_management\":[{\"type\":\"compaction\"}]"
      })
  void toChat_statefulFields_areA400SayingTheyCannotBeBridged(String field) {
    GatewayException e = rejected("{\"model\":\"m\",\"input\":\"x\"," + field + "}");
    assertThat(e.param()).isEqualTo(field.substring(1, field.indexOf('"', 1)));
    assertThat(e.getMessage()).contains("cannot be bridged");
  }

  @Test
  void toChat_nullOrFalseStatefulFields_areFine() {
    JsonNode chat =
        toChat(
            "{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":null,\"background\":false}");
    assertThat(chat.get("messages").size()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"web_search\"}",
        "{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_1\"]}",
        "{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\"}}",
        "{\"type\":\"computer_use_preview\",\"display_width\":1024,\"display_height\":768,\"environment\":\"browser\"}",
        "{\"type\":\"image_generation\"}",
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"https://x\"}"
      })
  void toChat_builtInTools_areA400SayingTheyCannotBeBridged(String tool) {
    GatewayException e = rejected("{\"model\":\"m\",\"input\":\"x\",\"tools\":[" + tool + "]}");
    assertThat(e.param()).isEqualTo("tools[0].type");
    assertThat(e.getMessage()).contains("cannot be bridged");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"input\":\"x\"}|model",
        "{\"model\":\"m\"}|input",
        "{\"model\":\"m\",\"input\":5}|input",
        "{\"model\":\"m\",\"input\":\"x\",\"frequency_penalty\":1}|frequency_penalty",
        "{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}|max_output_tokens",
        "{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}|input[0].type",
        "{\"model\":\"m\",\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]}|input[0].type",
        "{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}|input[0].role",
        "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"file-1\"}]}]}|input[0].content[0].type",
        "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}|input[0].content[0].type",
        "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file-1\"}]}]}|input[0].content[0].image_url",
        "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[{\"type\":\"input_image\",\"image_url\":\"https://x\"}]}]}|input[0].output[0].type",
        "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":\"{}\"}]}|input[0].call_id",
        "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"file_search\"}}|tool_choice.type",
        "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"xml\"}}}|text.format.type"
      })
  void toChat_invalid_isA400NamingTheField(String body, String param) {
    assertThat(rejected(body).param()).isEqualTo(param);
  }
}
