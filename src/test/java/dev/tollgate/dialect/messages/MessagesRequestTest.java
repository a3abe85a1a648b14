package dev.tollgate.dialect.messages;

import static dev.tollgate.dialect.ChatStreams.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Anthropic Messages requests, as in Anthropic's API reference, into OpenAI chat requests. */
class MessagesRequestTest {
  private final MessagesDialect dialect = new MessagesDialect();

  private JsonNode toChat(String body) {
    return json(dialect.toChat(body.getBytes(StandardCharsets.UTF_8)));
  }

  private GatewayException rejected(String body) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> toChat(body));
    assertThat(t).isInstanceOf(GatewayException.class);
    GatewayException e = (GatewayException) t;
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    return e;
  }

  @Test
  void toChat_textWithSystemString_systemMessageFirst() {
    JsonNode chat =
        toChat(
            """
            {"model": "claude-sonnet-4-5", "max_tokens": 1024,
             "system": "You are a helpful assistant.",
             "messages": [{"role": "user", "content": "Hello, Claude"},
                          {"role": "assistant", "content": "Hi, I'm Claude."},
                          {"role": "user", "content": [{"type": "text", "text": "Tell me a joke."}]}],
             "temperature": 0.7, "top_p": 0.9, "top_k": 40,
             "stop_sequences": ["\\n\\nHuman:"], "metadata": {"user_id": "user-1234"}}
            """);
    assertThat(chat)
        .isEqualTo(
            json(
                """
                {"model": "claude-sonnet-4-5",
                 "messages": [{"role": "system", "content": "You are a helpful assistant."},
                              {"role": "user", "content": "Hello, Claude"},
                              {"role": "assistant", "content": "Hi, I'm Claude."},
                              {"role": "user", "content": "Tell me a joke."}],
                 "max_tokens": 1024, "temperature": 0.7, "top_p": 0.9,
                 "stop": ["\\n\\nHuman:"], "user": "user-1234"}
                """));
  }

  @Test
  void toChat_systemBlocksAndImages_becomeTextAndImageUrlParts() {
    JsonNode chat =
        toChat(
            """
            {"model": "claude-sonnet-4-5", "max_tokens": 1024,
             "system": [{"type": "text", "text": "You are a vision assistant.",
                         "cache_control": {"type": "ephemeral"}},
                        {"type": "text", "text": "Answer briefly."}],
             "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": "iVBORw0KGgo="}},
                {"type": "image", "source": {"type": "url",
                                             "url": "https://upload.wikimedia.org/ant.jpg"}},
                {"type": "text", "text": "What is in these images?"}]}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json(
                """
                [{"role": "system", "content": [{"type": "text", "text": "You are a vision assistant."},
                                                {"type": "text", "text": "Answer briefly."}]},
                 {"role": "user", "content": [
                   {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                   {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/ant.jpg"}},
                   {"type": "text", "text": "What is in these images?"}]}]
                """));
  }

  @Test
  void toChat_toolUseAndToolResult_becomeToolCallsAndToolMessagesInOrder() {
    JsonNode chat =
        toChat(
            """
            {"model": "claude-sonnet-4-5", "max_tokens": 1024,
             "tools": [{"name": "get_weather", "description": "Get the current weather",
                        "input_schema": {"type": "object",
                                         "properties": {"location": {"type": "string"}},
                                         "required": ["location"]}}],
             "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
             "messages": [
               {"role": "user", "content": "What's the weather in Paris and London?"},
               {"role": "assistant", "content": [
                 {"type": "thinking", "thinking": "Two cities, two calls.", "signature": "EqQBCgIYAh"},
                 {"type": "text", "text": "Let me check."},
                 {"type": "tool_use", "id": "toolu_01A", "name": "get_weather",
                  "input": {"location": "Paris", "unit": 1.50}},
                 {"type": "tool_use", "id": "toolu_01B", "name": "get_weather",
                  "input": {"location": "London"}}]},
               {"role": "user", "content": [
                 {"type": "text", "text": "Here you go."},
                 {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "15 degrees"},
                 {"type": "tool_result", "tool_use_id": "toolu_01B", "is_error": true,
                  "content": [{"type": "text", "text": "line one"}, {"type": "text", "text": "line two"}]}]}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json(
                """
                [{"role": "user", "content": "What's the weather in Paris and London?"},
                 {"role": "assistant", "content": "Let me check.", "tool_calls": [
                   {"id": "toolu_01A", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Paris\\",\\"unit\\":1.5}"}},
                   {"id": "toolu_01B", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"London\\"}"}}]},
                 {"role": "tool", "tool_call_id": "toolu_01A", "content": "15 degrees"},
                 {"role": "tool", "tool_call_id": "toolu_01B", "content": "line one\\nline two"},
                 {"role": "user", "content": "Here you go."}]
                """));
    assertThat(chat.get("tools"))
        .isEqualTo(
            json(
                """
                [{"type": "function", "function": {"name": "get_weather",
                   "description": "Get the current weather",
                   "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                                  "required": ["location"]}}}]
                """));
    assertThat(chat.get("tool_choice").asText()).isEqualTo("auto");
    assertThat(chat.get("parallel_tool_calls").asBoolean(true)).isFalse();
  }

  @Test
  void toChat_toolResultWithImage_imageGoesIntoTheUserMessageAfterTheToolMessage() {
    JsonNode chat =
        toChat(
            """
            {"model": "m", "max_tokens": 10, "messages": [
              {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "screenshot", "input": {}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [
                 {"type": "text", "text": "the screen"},
                 {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"}}]}]}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json(
                """
                [{"role": "assistant", "content": null, "tool_calls": [
                   {"id": "t1", "type": "function", "function": {"name": "screenshot", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": "t1", "content": "the screen"},
                 {"role": "user", "content": [
                   {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}}]}]
                """));
  }

  @Test
  void toChat_documents_pdfAsFilePartAndTextAsText() {
    JsonNode chat =
        toChat(
            """
            {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": [
              {"type": "document", "title": "report.pdf",
               "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"}},
              {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}}]}]}
            """);
    assertThat(chat.at("/messages/0/content"))
        .isEqualTo(
            json(
                """
                [{"type": "file", "file": {"filename": "report.pdf",
                                           "file_data": "data:application/pdf;base64,JVBERi0x"}},
                 {"type": "text", "text": "plain words"}]
                """));
  }

  @Test
  void toChat_assistantWithOnlyThinking_isDropped() {
    JsonNode chat =
        toChat(
            """
            {"model": "m", "max_tokens": 10, "messages": [
              {"role": "user", "content": "a"},
              {"role": "assistant", "content": [{"type": "redacted_thinking", "data": "EmwKAhgB"}]},
              {"role": "user", "content": "b"}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json("[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"auto\"}|\"auto\"",
        "{\"type\":\"any\"}|\"required\"",
        "{\"type\":\"none\"}|\"none\"",
        "{\"type\":\"tool\",\"name\":\"get_weather\"}|{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"
      })
  void toChat_toolChoice_mapsToChatToolChoice(String anthropic, String chat) {
    JsonNode out =
        toChat(
            "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":"
                + anthropic
                + "}");
    assertThat(out.get("tool_choice")).isEqualTo(json(chat));
    assertThat(out.has("parallel_tool_calls")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "1024, low",
    "2047, low",
    "2048, medium",
    "4095, medium",
    "4096, high",
    "31999, high"
  })
  void toChat_thinkingBudget_bucketsIntoReasoningEffort(long budget, String effort) {
    JsonNode out =
        toChat(
            "{\"model\":\"m\",\"max_tokens\":32000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":"
                + budget
                + "}}");
    assertThat(out.get("reasoning_effort").asText()).isEqualTo(effort);
  }

  @Test
  void toChat_outputConfig_effortWinsAndFormatBecomesResponseFormat() {
    JsonNode out =
        toChat(
            """
            {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "x"}],
             "thinking": {"type": "enabled", "budget_tokens": 1024},
             "output_config": {"effort": "high", "format": {"type": "json_schema",
               "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}}
            """);
    assertThat(out.get("reasoning_effort").asText()).isEqualTo("high");
    assertThat(out.get("response_format"))
        .isEqualTo(
            json(
                """
                {"type": "json_schema", "json_schema": {"name": "structured_output", "strict": true,
                 "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}
                """));
  }

  @Test
  void toChat_disabledThinkingAndNoStream_addNothing() {
    JsonNode out =
        toChat(
            "{\"model\":\"m\",\"max_tokens\":5,\"stream\":false,\"service_tier\":\"auto\","
                + "\"thinking\":{\"type\":\"disabled\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(out)
        .isEqualTo(
            json(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":5}"));
  }

  @Test
  void toChat_stream_asksForUsage() {
    JsonNode out =
        toChat(
            "{\"model\":\"m\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(out.get("stream").asBoolean()).isTrue();
    assertThat(out.get("stream_options")).isEqualTo(json("{\"include_usage\":true}"));
  }

  @Test
  void toChat_missingMaxTokens_isA400NamingIt() {
    assertThat(
            rejected("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .param())
        .isEqualTo("max_tokens");
  }

  @Test
  void countTokensToChat_needsNoMaxTokens_andTheAnswerIsInputTokens() {
    JsonNode out =
        json(
            MessagesDialect.countTokensToChat(
                "{\"model\":\"m\",\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
                    .getBytes(StandardCharsets.UTF_8)));
    assertThat(out.get("messages").size()).isEqualTo(2);
    assertThat(out.has("max_tokens")).isFalse();
    assertThat(new String(MessagesDialect.countTokensAnswer(2095), StandardCharsets.UTF_8))
        .isEqualTo("{\"input_tokens\":2095}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model",
        "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|max_tokens",
        "{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|max_tokens",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}|messages",
        "{\"model\":\"m\",\"max_tokens\":5}|messages",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}|messages[0].role",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}|messages[0].content",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}|messages[0].content[0].type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"b\",\"input\":{}}]}]}|messages[0].content[0].type",
        "{\"model\":\"m\",\"max_tokens\":5,\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|temperature",
        "{\"model\":\"m\",\"max_tokens\":5,\"frequency_penalty\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|frequency_penalty",
        "{\"model\":\"m\",\"max_tokens\":5,\"metadata\":{\"session\":\"1\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|metadata.session",
        "{\"model\":\"m\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"some\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|tool_choice.type",
        "{\"model\":\"m\",\"max_tokens\":5,\"thinking\":{\"type\":\"enabled\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|thinking.budget_tokens"
      })
  void toChat_invalid_isA400NamingTheField(String body, String param) {
    assertThat(rejected(body).param()).isEqualTo(param);
  }

  @Test
  void toChat_duplicateKey_isA400() {
    assertThat(
            rejected(
                    "{\"model\":\"m\",\"model\":\"n\",\"max_tokens\":5,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .param())
        .isEqualTo("model");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"container\":\"container_011CZ\"",
        "\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://mcp.example.com/sse\",\"name\":\"x\"}]",
        "\"context_management\":{\"edits\":[{\"type\":\"clear_tool_uses_20250919\"}]}",
        "\"inference_geo\":\"us\""
      })
  void toChat_fieldsOnlyAnthropicCanHonour_areA400SayingSo(String field) {
    GatewayException e =
        rejected(
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + field
                + "}");
    assertThat(e.param()).isEqualTo(field.substring(1, field.indexOf('"', 1)));
    assertThat(e.getMessage()).contains("cannot be bridged");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}",
        "{\"type\":\"bash_20250124\",\"name\":\"bash\"}",
        "{\"type\":\"code_execution_20250825\",\"name\":\"code_execution\"}"
      })
  void toChat_builtInTools_areA400SayingTheyCannotBeBridged(String tool) {
    GatewayException e =
        rejected(
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":["
                + tool
                + "]}");
    assertThat(e.param()).isEqualTo("tools[0].type");
    assertThat(e.getMessage()).contains("cannot be bridged");
  }

  @Test
  void toChat_imageFromFilesApi_isA400SayingItCannotBeBridged() {
    GatewayException e =
        rejected(
            """
            {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [
              {"type": "image", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}}]}]}
            """);
    assertThat(e.param()).isEqualTo("messages[0].content[0].source.type");
  }

  @Test
  void toChat_notJson_isA400() {
    assertThatThrownBy(() -> toChat("{\"model\": "))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
  }
}
