package dev.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {
  static ParsedRequest parse(String body) {
    return RequestParser.parse(Endpoint.CHAT, body.getBytes(StandardCharsets.UTF_8));
  }

  static String upstream(String body, String model, boolean forceUsage) {
    return new String(parse(body).forUpstream(model, forceUsage), StandardCharsets.UTF_8);
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
    String out = upstream("{\"model\":\"g\",\"messages\":[1]}", "we\"ird/é\\model", false);
    assertThat(Json.MAPPER.readTree(out).path("model").asText()).isEqualTo("we\"ird/é\\model");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // no stream_options at all: inserted at the start of the object
        "{\"model\":\"g\",\"stream\":true,\"messages\":[1]}|{\"stream_options\":{\"include_usage\":true},\"model\":\"up\",\"stream\":true,\"messages\":[1]}",
        // stream_options without include_usage
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"x\":1},\"messages\":[1]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true,\"x\":1},\"messages\":[1]}",
        // empty stream_options
        "{\"stream\":true,\"stream_options\":{},\"model\":\"g\",\"messages\":[1]}|{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\":\"up\",\"messages\":[1]}",
        // include_usage false is turned on
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"include_usage\":false},\"messages\":[1]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[1]}",
        // already on: untouched
        "{\"model\":\"g\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[1]}|{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[1]}",
        // not streaming: untouched
        "{\"model\":\"g\",\"messages\":[1]}|{\"model\":\"up\",\"messages\":[1]}"
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
            "{\"model\":\"g\",\"stream\":true,\"user\":\"u-1\",\"max_tokens\":64,\"messages\":[{\"a\":[1,{\"b\":2}]}]}");
    assertThat(r.stream()).isTrue();
    assertThat(r.includeUsage()).isFalse();
    assertThat(r.user()).contains("u-1");
    assertThat(r.maxTokens()).hasValue(64);
  }

  @Test
  void parse_negativeMaxTokens_isRejected() {
    assertThatThrownBy(() -> parse("{\"model\":\"g\",\"max_tokens\":-1,\"messages\":[1]}"))
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
    assertThat(r.textBytes()).isEqualTo(body.length() - expected);
    assertThat(r.maxTokens()).hasValue(5);
  }

  @Test
  void parse_messagesWithoutImages_countNone() {
    ParsedRequest r =
        parse(
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},[1,{\"a\":[]}]]}");
    assertThat(r.imageParts()).isZero();
    assertThat(r.inlineImageBytes()).isZero();
    assertThat(r.textBytes()).isEqualTo(r.body().length);
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
}
