package dev.tollgate.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The SLF4J binding as the gateway's classes get it: text by default, JSON when switched on. */
class TollgateLoggerTest {
  private static final Logger LOG = LoggerFactory.getLogger("dev.tollgate.logging.test");

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original = System.err;

  @BeforeEach
  void capture() {
    original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(original);
    JsonLogs.set(false);
  }

  private String out() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void getLogger_isTheTollgateBinding() {
    assertThat(LOG).isInstanceOf(TollgateLogger.class);
  }

  @Test
  void log_textMode_keyValuePairsPrecedeTheMessage() {
    JsonLogs.set(false);

    LOG.atWarn().addKeyValue("request_id", "r-7").log("upstream {} failed", "d1");

    assertThat(out()).contains("WARN").contains("request_id=r-7 upstream d1 failed");
  }

  @Test
  void log_jsonMode_writesOneParsableObjectPerCall() throws Exception {
    JsonLogs.set(true);

    LOG.atWarn().addKeyValue("request_id", "r-8").log("upstream {} failed", "d1");
    LOG.error("plain {} line", "classic", new IllegalArgumentException("bad\n\"thing\""));

    String[] lines = out().split("\n");
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines[0]);
    assertThat(first.path("level").asText()).isEqualTo("WARN");
    assertThat(first.path("logger").asText()).isEqualTo("dev.tollgate.logging.test");
    assertThat(first.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(first.path("message").asText()).isEqualTo("upstream d1 failed");
    assertThat(first.path("request_id").asText()).isEqualTo("r-8");
    assertThat(java.time.Instant.parse(first.path("time").asText())).isNotNull();
    assertThat(first.path("time").asText()).endsWith("Z");
    JsonNode second = json.readTree(lines[1]);
    assertThat(second.path("message").asText()).isEqualTo("plain classic line");
    assertThat(second.path("exception").path("message").asText()).isEqualTo("bad\n\"thing\"");
  }

  @Test
  void log_disabledLevel_writesNothingInEitherMode() {
    JsonLogs.set(true);
    LOG.trace("not at info");
    LOG.atDebug().addKeyValue("request_id", "r").log("not at info");
    JsonLogs.set(false);
    LOG.trace("not at info");

    assertThat(out()).isEmpty();
  }

  @Test
  void log_argumentWhoseToStringThrows_doesNotThrow() {
    JsonLogs.set(true);
    Object bad =
        new Object() {
          @Override
          public String toString() {
            throw new IllegalStateException("boom");
          }
        };

    LOG.info("value {}", bad);
    LOG.atInfo().addKeyValue("x", bad).log("kv");
    JsonLogs.set(false);
    LOG.atInfo().addKeyValue("x", bad).log("kv");

    // SLF4J itself reports the first failure on stderr, outside the JSON lines.
    assertThat(out().lines().filter(l -> l.startsWith("{\"time\"")).count()).isEqualTo(2);
    assertThat(out()).contains("x=[toString() failed: java.lang.IllegalStateException] kv");
  }
}
