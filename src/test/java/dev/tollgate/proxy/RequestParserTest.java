package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.RequestMocks;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {
  static final String MESSAGES = "[{\"role\":\"user\",\"content\":\"hi\"}]";

  static ParsedRequest parse(String body) {
    return RequestParser.parse(Endpoint.CHAT, body.getBytes(StandardCharsets.UTF_8));
  }

  static String upstream(String body, String model, boolean forceUsage) {
    return new String(parse(body).forUpstream(model, forceUsage), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"model\":\"g\",\"num_retries\":3,\"messages\":[]}|{\"model\":\"g\",\"messages\":[]}",
        "{\"model\":\"g\",\"messages\":[], \"num_retries\" : 3 }|{\"model\":\"g\",\"messages\":[] }",
        "{\"num_retries\":3,\t \"model\":\"g\",\"messages\":[]}|{\t \"model\":\"g\",\"messages\":[]}"
      })
  void parse_numRetries_readAndCutFromTheBody(String template, String sentTemplate) {
    String body = template.replace("[]", MESSAGES);
    String sent = sentTemplate.replace("[]", MESSAGES);
    ParsedRequest r = parse(body);
    assertThat(r.numRetries()).hasValue(3);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(sent);
    assertThat(upstream(body, "gpt-x", false)).isEqualTo(sent.replace("\"g\"", "\"gpt-x\""));
  }

  @Test
  void parse_noNumRetries_bodyUntouched() {
    String body = "{\"model\":\"g\",\"messages\":" + MESSAGES + "}";
    ParsedRequest r = parse(body);
    assertThat(r.numRetries()).isEmpty();
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void parse_withoutLiteLlmFields_keepsTheVeryBytesReceived() {
    byte[] body =
        ("{\"model\":\"g\",\"metadata\":{\"trace\":\"t\"},\"messages\":" + MESSAGES + "}")
            .getBytes(StandardCharsets.UTF_8);
    ParsedRequest r = RequestParser.parse(Endpoint.CHAT, body);
    // The plain path copies nothing: the same array goes on.
    assertThat(r.body()).isSameAs(body);
    assertThat(r.mocks()).isSameAs(RequestMocks.NONE);
  }

  @Test
  void parse_liteLlmFields_cutFromTheBody_metadataKeepsTheClientsKeys() throws Exception {
    String body =
        "{\"model\":\"g\", \"caching\": {\"ttl\": 5}, \"messages\":"
            + MESSAGES
            + ", \"metadata\": {\"tags\": [\"a\", \"b\"], \"user_api_key_alias\": \"k\","
            + " \"trace\": \"t\"}, \"mock_response\": \"hi \\\"there\\\"\","
            + " \"mock_testing_fallbacks\": true, \"guardrails\": [\"g\"], \"temperature\": 1}";
    ParsedRequest r = parse(body);
    assertThat(Json.MAPPER.readTree(r.body()))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"model\":\"g\", \"messages\":"
                    + MESSAGES
                    + ", \"metadata\":{\"trace\":\"t\"}, \"temperature\": 1}"));
    assertThat(r.tags()).containsExactly("a", "b");
    assertThat(r.mocks().response()).hasValue("hi \"there\"");
    assertThat(r.mocks().fallbacks()).isTrue();
    assertThat(r.mocks().timeout()).isFalse();
    assertThat(r.testingFields()).containsExactly("mock_testing_fallbacks");
  }

  @Test
  void parse_metadataOfLiteLlmKeysOnly_isCutWhole() {
    ParsedRequest r =
        parse("{\"metadata\":{\"tags\":[\"x\"]},\"model\":\"g\",\"messages\":" + MESSAGES + "}");
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"model\":\"g\",\"messages\":" + MESSAGES + "}");
    assertThat(r.tags()).containsExactly("x");
  }

  @Test
  void parse_mockFlagNotABoolean_400NamingIt() {
    assertThatThrownBy(
            () -> parse("{\"model\":\"g\",\"mock_timeout\":\"yes\",\"messages\":" + MESSAGES + "}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("mock_timeout");
  }

  @Test
  void parse_numRetriesNotACount_400() {
    assertThatThrownBy(() -> parse("{\"model\":\"g\",\"num_retries\":-1,\"messages\":[]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("num_retries");
    assertThatThrownBy(() -> parse("{\"model\":\"g\",\"num_retries\":\"2\",\"messages\":[]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("num_retries");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"model\":\"g\",\"cache\":{\"no-cache\":true,\"ttl\":5},\"messages\":[]}|{\"model\":\"g\",\"messages\":[]}",
        "{\"model\":\"g\",\"messages\":[], \"cache\" : null }|{\"model\":\"g\",\"messages\":[] }"
      })
  void parse_cache_cutFromTheBody_neverForwarded(String template, String sentTemplate) {
    String body = template.replace("[]", MESSAGES);
    String sent = sentTemplate.replace("[]", MESSAGES);
    assertThat(new String(parse(body).body(), StandardCharsets.UTF_8)).isEqualTo(sent);
    assertThat(upstream(body, "gpt-x", false)).isEqualTo(sent.replace("\"g\"", "\"gpt-x\""));
  }

  @Test
  void parse_cacheNotAnObject_400() {
    assertThatThrownBy(() -> parse("{\"model\":\"g\",\"cache\":true,\"messages\":[]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("cache");
  }

  @Test
  void forUpstream_rewritesOnlyTheModelValue() {
    String body =
        "{ \"messages\":[{\"role\":\"user\",\"content\":\"model \\\"x\\\"\"}],\n  \"model\" : \"my-group\", \"n\":1}";
    assertThat(upstream(body, "gpt-4o-mini-2024-07-18", true))
        .isEqualTo(body.replace("\"my-group\"", "\"gpt-4o-mini-2024-07-18\""));
  }

  @Test
  void forUpstream_modelWithQuotesAndUnicode_isEscaped() throws Exception {
    String out =
        upstream("{\"model\":\"g\",\"messages\":[{\"role\":\"user\"}]}", "we\"ird/é\\model", false);
    assertThat(Json.MAPPER.readTree(out).path("model").asText()).isEqualTo("we\"ird/é\\model");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // no stream_options at all: inserted at the start of the object
        "{\"model\":\"g\",\"stream\":true,\"messages\":[{\"role\":\"user\"}]}|{\"stream_options\":{\"include_usage\":true},\"model\":\"up\",\"stream\":true,\"messages\":[{\"role\":\"user\"}]}",
        // stream_options without include_usage
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"x\":1},\"messages\":[{\"role\":\"user\"}]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true,\"x\":1},\"messages\":[{\"role\":\"user\"}]}",
        // empty stream_options
        "{\"stream\":true,\"stream_options\":{},\"model\":\"g\",\"messages\":[{\"role\":\"user\"}]}|{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\":\"up\",\"messages\":[{\"role\":\"user\"}]}",
        // include_usage false is turned on
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"include_usage\":false},\"messages\":[{\"role\":\"user\"}]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\"}]}",
        // already on: untouched
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\"}]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\"}]}",
        // not streaming: untouched
        "{\"model\":\"g\",\"messages\":[{\"role\":\"user\"}]}|{\"model\":\"up\",\"messages\":[{\"role\":\"user\"}]}"
      })
  void forUpstream_forcesIncludeUsageOnStreams(String in, String expected) throws Exception {
    String out = upstream(in, "up", true);
    assertThat(out).isEqualTo(expected);
    Json.MAPPER.readTree(out);
  }

  @Test
  void parse_readsStreamUserAndMaxTokens() {
    ParsedRequest r =
        parse(
            "{\"model\":\"g\",\"stream\":true,\"user\":\"u-1\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"a\":[1,{\"b\":2}]}]}");
    assertThat(r.stream()).isTrue();
    assertThat(r.includeUsage()).isFalse();
    assertThat(r.user()).contains("u-1");
    assertThat(r.maxTokens()).hasValue(64);
  }

  @Test
  void parse_negativeMaxTokens_isRejected() {
    assertThatThrownBy(
            () -> parse("{\"model\":\"g\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\"}]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("max_tokens must not be negative");
  }

  @Test
  void parse_completionsNeedPrompt_embeddingsNeedInput() {
    assertThatThrownBy(
            () ->
                RequestParser.parse(
                    Endpoint.COMPLETIONS, "{\"model\":\"g\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("missing required field: prompt");
    assertThatThrownBy(
            () ->
                RequestParser.parse(
                    Endpoint.EMBEDDINGS,
                    "{\"model\":\"g\",\"input\":5}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("input must be a string or an array, got a number");
  }

  @Test
  void parse_countsImagePartsAndTheBytesOfInlineOnes() {
    String png = "data:image/png;base64," + "A".repeat(30_000);
    String escaped = "data:image\\/jpeg;base64," + "B".repeat(6_000);
    String body =
        "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":["
            + "{\"type\":\"text\",\"text\":\"what is in these? data:image/ in text is text\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\""
            + png
            + "\",\"detail\":\"high\"}},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}},"
            + "{\"type\":\"image_url\",\"image_url\": \""
            + escaped
            + "\" }]},{\"role\":\"assistant\",\"content\":\"ok\"}],\"max_tokens\":5}";

    ParsedRequest r = parse(body);

    assertThat(r.imageParts()).isEqualTo(3);
    assertThat(r.inlineImages()).isEqualTo(2);
    // Each inline URL with its quotes, up to where the next token starts: the comma after the
    // first, the space after the second.
    long expected = (png.length() + 2L + 1) + (escaped.length() + 2L + 1);
    assertThat(r.inlineImageBytes()).isEqualTo(expected);
    // The images' 36,000 bytes are left out of the text's token bound.
    assertThat(RequestParser.textTokenBound(r))
        .isBetween(1L, (long) (body.length() - expected) / 2);
    assertThat(r.maxTokens()).hasValue(5);
  }

  @Test
  void parse_messagesWithoutImages_countNone() {
    ParsedRequest r =
        parse(
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"tool\",\"x\":[1,{\"a\":[]}]}]}");
    assertThat(r.imageParts()).isZero();
    assertThat(r.inlineImageBytes()).isZero();
    assertThat(RequestParser.textTokenBound(r))
        .isEqualTo(TokenBound.of(r.body(), 0, r.body().length));
  }

  @Test
  void parse_bodyCutOffInsideAnInlineImage_is400() {
    String cut =
        "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
            + "\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA";
    assertThatThrownBy(() -> parse(cut))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> parse(cut + "\"}}]}]"))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  private static GatewayException refused(String body) {
    return refused(Endpoint.CHAT, body.getBytes(StandardCharsets.UTF_8));
  }

  private static GatewayException refused(Endpoint endpoint, byte[] body) {
    try {
      RequestParser.parse(endpoint, body);
    } catch (GatewayException e) {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.type()).isEqualTo("invalid_request_error");
      return e;
    }
    throw new AssertionError("accepted: " + new String(body, StandardCharsets.UTF_8));
  }

  private static final String MSGS = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"model\":\"a\"," + MSGS + ",\"model\":\"b\"}|model",
        "{\"model\":\"a\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + MSGS
            + ",\"stream_options\":{\"include_usage\":false}}|stream_options",
        "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"role\":\"system\"}]}|role",
        "{\"model\":\"a\"," + MSGS + ",\"metadata\":{\"x\":{\"y\":1,\"y\":2}}}|y",
        "{\"model\":\"a\","
            + MSGS
            + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"name\":\"g\"}}]}|name",
        // the same name written with an escape is the same key
        "{\"model\":\"a\"," + MSGS + ",\"mod\\u0065l\":\"b\"}|model",
        "{\"model\":\"a\"," + MSGS + ",\"n\":1,\"n\":128}|n",
      })
  void parse_duplicateKeyAtAnyDepth_is400NamingIt(String body, String key) {
    GatewayException e = refused(body);
    assertThat(e.param()).isEqualTo(key);
    assertThat(e.getMessage()).contains("'" + key + "' twice");
  }

  @Test
  void forUpstream_streamOptionsNull_becomesIncludeUsageTrue_notASecondKey() throws Exception {
    String out =
        upstream(
            "{\"model\":\"g\",\"stream\":true,\"stream_options\":null," + MSGS + "}", "up", true);
    assertThat(out)
        .isEqualTo(
            "{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + MSGS
                + "}");
    // and the strict parser accepts what goes upstream
    RequestParser.parse(Endpoint.CHAT, out.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void forUpstream_includeUsageNull_becomesTrue() {
    String in =
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"include_usage\":null},"
            + MSGS
            + "}";
    assertThat(parse(in).includeUsage()).isFalse();
    assertThat(upstream(in, "up", true)).contains("\"stream_options\":{\"include_usage\":true}");
  }

  @Test
  void parse_nAndBestOf_giveTheChoicesTheUpstreamGenerates() {
    assertThat(parse("{\"model\":\"g\"," + MSGS + "}").choices()).isEqualTo(1);
    assertThat(parse("{\"model\":\"g\"," + MSGS + ",\"n\":128}").choices()).isEqualTo(128);
    assertThat(parse("{\"model\":\"g\"," + MSGS + ",\"n\":null}").choices()).isEqualTo(1);
    byte[] completion =
        "{\"model\":\"g\",\"prompt\":\"x\",\"n\":2,\"best_of\":5}".getBytes(StandardCharsets.UTF_8);
    assertThat(RequestParser.parse(Endpoint.COMPLETIONS, completion).choices()).isEqualTo(5);
    assertThat(refused("{\"model\":\"g\"," + MSGS + ",\"n\":0}").param()).isEqualTo("n");
    assertThat(refused("{\"model\":\"g\"," + MSGS + ",\"n\":129}").param()).isEqualTo("n");
    assertThat(refused("{\"model\":\"g\"," + MSGS + ",\"n\":1.5}").param()).isEqualTo("n");
  }

  @Test
  void parse_maxTokensAndMaxCompletionTokens_theLargerBounds() {
    String a = "{\"model\":\"g\"," + MSGS + ",\"max_tokens\":10,\"max_completion_tokens\":500}";
    String b = "{\"model\":\"g\"," + MSGS + ",\"max_completion_tokens\":500,\"max_tokens\":10}";
    assertThat(parse(a).maxTokens()).hasValue(500);
    assertThat(parse(b).maxTokens()).hasValue(500);
  }

  @Test
  void parse_jsonBeyondTheParsersLimits_is400NotA500() {
    String deep = "[".repeat(1_001) + "]".repeat(1_001);
    assertThat(refused("{\"model\":\"g\"," + MSGS + ",\"x\":" + deep + "}").getMessage())
        .contains("limits");
    String deepInMessages =
        "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":" + deep + "}]}";
    refused(deepInMessages);
    refused("{\"model\":\"g\"," + MSGS + ",\"temperature\":1" + "0".repeat(1_001) + "}");
    refused("{\"model\":\"g\"," + MSGS + ",\"" + "k".repeat(50_001) + "\":1}");
  }

  @Test
  void parse_bodyNotUtf8_is400() {
    String json = "{\"model\":\"g\"," + MSGS + "}";
    refused(Endpoint.CHAT, json.getBytes(StandardCharsets.UTF_16LE));
    refused(Endpoint.CHAT, json.getBytes(StandardCharsets.UTF_16));
    byte[] latin1 =
        ("{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9\"}]}")
            .getBytes(StandardCharsets.ISO_8859_1);
    refused(Endpoint.CHAT, latin1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[{\"content\":\"hi\"}]|messages[0].role|missing",
        "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":7,\"content\":\"b\"}]|messages[1].role|must be a string",
        "[{\"role\":\"user\",\"content\":5}]|messages[0].content|must be a string, an array of content parts or null",
        "[{\"role\":\"user\",\"content\":{\"text\":\"x\"}}]|messages[0].content|got an object",
        "[\"hello\"]|messages[0]|must be an object",
        "[]|messages|must not be empty",
      })
  void parse_wrongMessageShape_is400NamingTheField(String messages, String param, String says) {
    GatewayException e = refused("{\"model\":\"g\",\"messages\":" + messages + "}");
    assertThat(e.param()).isEqualTo(param);
    assertThat(e.getMessage()).contains(says);
  }

  @Test
  void parse_contentNullOrParts_isAccepted() {
    parse(
        "{\"model\":\"g\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"function\"}|tools|tools must be an array of tools",
        "[\"f\"]|tools[0]|must be an object",
        "[{\"function\":{\"name\":\"f\"}}]|tools[0].type|missing",
        "[{\"type\":\"function\",\"function\":{\"description\":\"d\"}}]|tools[0].function.name|missing",
        "[{\"type\":\"function\",\"function\":{\"name\":3}}]|tools[0].function.name|must be a string",
        "[{\"type\":\"function\",\"function\":\"f\"}]|tools[0].function|must be an object",
      })
  void parse_wrongToolsShape_is400NamingTheField(String tools, String param, String says) {
    GatewayException e = refused("{\"model\":\"g\"," + MSGS + ",\"tools\":" + tools + "}");
    assertThat(e.param()).isEqualTo(param);
    assertThat(e.getMessage()).contains(says);
  }

  @Test
  void parse_wellFormedTools_areAccepted() {
    parse(
        "{\"model\":\"g\","
            + MSGS
            + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}},"
            + "{\"type\":\"custom\",\"custom\":{\"name\":\"c\"}}],\"tool_choice\":\"auto\"}");
  }

  @Test
  void parse_boundsOnTagsUserAndMetadata_are400NamingTheField() {
    String ok32 = tags(32, 128);
    assertThat(parse("{\"model\":\"g\"," + MSGS + ",\"metadata\":{\"tags\":" + ok32 + "}}").tags())
        .hasSize(32);
    assertThat(
            refused("{\"model\":\"g\"," + MSGS + ",\"metadata\":{\"tags\":" + tags(33, 5) + "}}")
                .param())
        .isEqualTo("metadata.tags");
    assertThat(
            refused("{\"model\":\"g\"," + MSGS + ",\"metadata\":{\"tags\":" + tags(1, 129) + "}}")
                .param())
        .isEqualTo("metadata.tags");
    parse("{\"model\":\"g\"," + MSGS + ",\"user\":\"" + "u".repeat(256) + "\"}");
    assertThat(
            refused("{\"model\":\"g\"," + MSGS + ",\"user\":\"" + "u".repeat(257) + "\"}").param())
        .isEqualTo("user");
    String big = "{\"note\":\"" + "m".repeat(16 * 1024) + "\"}";
    assertThat(refused("{\"model\":\"g\"," + MSGS + ",\"metadata\":" + big + "}").param())
        .isEqualTo("metadata");
    parse("{\"model\":\"g\"," + MSGS + ",\"metadata\":{\"note\":\"" + "m".repeat(16_000) + "\"}}");
  }

  private static String tags(int count, int length) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      String n = Integer.toString(i);
      sb.append(i == 0 ? "\"" : ",\"")
          .append(n)
          .append("t".repeat(length - n.length()))
          .append('"');
    }
    return sb.append(']').toString();
  }
}
