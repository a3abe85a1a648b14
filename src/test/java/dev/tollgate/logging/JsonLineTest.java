package dev.tollgate.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-12-05T02:30:16.123Z");

  private static JsonNode parse(String line) throws Exception {
    assertThat(line).endsWith("\n");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r");
    return JSON.readTree(line);
  }

  @Test
  void format_plainEvent_hasTheFixedFieldsInOrder() throws Exception {
    String line = JsonLine.format(T, "INFO", "dev.tollgate.X", "main", "hello", List.of(), null);

    assertThat(line)
        .isEqualTo(
            "{\"time\":\"2026-12-05T02:30:16.123Z\",\"level\":\"INFO\",\"logger\":\"dev.tollgate.X\","
                + "\"thread\":\"main\",\"message\":\"hello\"}\n");
  }

  @Test
  void format_quotesBackslashesAndControlCharacters_roundTripAsOneLine() throws Exception {
    String nasty =
        "a \"quoted\" \\path\\ \n second line\r\t tab \b\f \u0001 \u001f \u007f \u2028 end";

    JsonNode n =
        parse(JsonLine.format(T, "WARN", "l", "vert.x-eventloop-thread-0", nasty, List.of(), null));

    assertThat(n.path("message").asText()).isEqualTo(nasty);
    assertThat(n.path("thread").asText()).isEqualTo("vert.x-eventloop-thread-0");
  }

  @Test
  void format_surrogates_pairsKeptAndLoneOnesEscaped() throws Exception {
    String s = "emoji \uD83D\uDE00 lone \uD800 end";

    String line = JsonLine.format(T, "INFO", "l", "t", s, List.of(), null);

    assertThat(line).contains("\uD83D\uDE00").contains("\\ud800");
    assertThat(parse(line).path("message").asText()).isEqualTo(s);
  }

  @Test
  void format_keyValuePairs_becomeFieldsWithNumbersKeptAsNumbers() throws Exception {
    List<KeyValuePair> kvs =
        List.of(
            new KeyValuePair("request_id", "r-1"),
            new KeyValuePair("status", 200),
            new KeyValuePair("latency_ms", 12L),
            new KeyValuePair("cost_usd", "0.000074"),
            new KeyValuePair("key_alias", null),
            new KeyValuePair("stream", true),
            new KeyValuePair("odd \"key\"", "v\n"));

    JsonNode n = parse(JsonLine.format(T, "INFO", "l", "t", "done", kvs, null));

    assertThat(n.path("request_id").asText()).isEqualTo("r-1");
    assertThat(n.path("status").isInt()).isTrue();
    assertThat(n.path("status").asInt()).isEqualTo(200);
    assertThat(n.path("latency_ms").asLong()).isEqualTo(12);
    assertThat(n.path("cost_usd").isTextual()).isTrue();
    assertThat(n.path("cost_usd").asText()).isEqualTo("0.000074");
    assertThat(n.path("key_alias").isNull()).isTrue();
    assertThat(n.path("stream").asBoolean()).isTrue();
    assertThat(n.path("odd \"key\"").asText()).isEqualTo("v\n");
  }

  @Test
  void format_valueWhoseToStringThrows_isReplacedNotThrown() throws Exception {
    Object bad =
        new Object() {
          @Override
          public String toString() {
            throw new IllegalStateException("boom");
          }
        };

    JsonNode n =
        parse(JsonLine.format(T, "INFO", "l", "t", "m", List.of(new KeyValuePair("x", bad)), null));

    assertThat(n.path("x").asText())
        .contains("toString() failed")
        .contains("IllegalStateException");
  }

  @Test
  void format_exception_hasClassMessageAndWholeStackAsOneString() throws Exception {
    Exception e = new IllegalStateException("outer \"x\"", new java.io.IOException("inner\ncause"));

    JsonNode n = parse(JsonLine.format(T, "ERROR", "l", "t", "failed", List.of(), e));

    JsonNode ex = n.path("exception");
    assertThat(ex.path("class").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(ex.path("message").asText()).isEqualTo("outer \"x\"");
    assertThat(ex.path("stack").asText())
        .startsWith("java.lang.IllegalStateException: outer \"x\"")
        .contains("\tat dev.tollgate.logging.JsonLineTest")
        .contains("Caused by: java.io.IOException: inner\ncause")
        .doesNotEndWith("\n");
  }

  @Test
  void format_exceptionWithoutMessage_hasNoMessageField() throws Exception {
    JsonNode n =
        parse(JsonLine.format(T, "ERROR", "l", "t", "m", List.of(), new NullPointerException()));

    assertThat(n.path("exception").has("message")).isFalse();
    assertThat(n.path("exception").path("class").asText())
        .isEqualTo("java.lang.NullPointerException");
  }

  @Test
  void parse_jsonLogsValues() {
    assertThat(JsonLogs.parse("true")).isTrue();
    assertThat(JsonLogs.parse(" TRUE ")).isTrue();
    assertThat(JsonLogs.parse("1")).isTrue();
    assertThat(JsonLogs.parse("yes")).isTrue();
    assertThat(JsonLogs.parse("false")).isFalse();
    assertThat(JsonLogs.parse("")).isFalse();
    assertThat(JsonLogs.parse(null)).isFalse();
  }
}
