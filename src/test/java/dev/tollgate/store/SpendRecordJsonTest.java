package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpendRecordJsonTest {
  @Test
  void lines_thenRead_roundTripsEveryField() throws Exception {
    SpendRecord priced = SpendRecords.priced("r1", Long.MAX_VALUE);
    SpendRecord unpriced = SpendRecords.unpriced("r2", 5, 6);

    String text =
        new String(SpendRecordJson.lines(List.of(priced, unpriced)), StandardCharsets.UTF_8);
    String[] lines = text.split("\n");

    assertThat(text).endsWith("\n");
    assertThat(lines).hasSize(2);
    assertThat(SpendRecordJson.read(Json.MAPPER.readTree(lines[0]))).isEqualTo(priced);
    assertThat(SpendRecordJson.read(Json.MAPPER.readTree(lines[1]))).isEqualTo(unpriced);
    assertThat(lines[1]).contains("\"cost_nanos\":null");
  }

  @Test
  void lines_thenRead_roundTripsAttempts() throws Exception {
    SpendRecord retried = SpendRecords.retried("r3");

    String line = new String(SpendRecordJson.lines(List.of(retried)), StandardCharsets.UTF_8);

    assertThat(retried.attempts()).hasSize(2);
    assertThat(SpendRecordJson.read(Json.MAPPER.readTree(line))).isEqualTo(retried);
    assertThat(line)
        .contains(
            "\"attempts\":[{\"model_group\":\"gpt-4o-mini\",\"model_id\":\"dep-0\",\"status\":429,"
                + "\"error_class\":\"RateLimitError\"},"
                + "{\"model_group\":\"gpt-4o-mini\",\"model_id\":\"dep-1\",\"status\":200}]");
  }

  @Test
  void lines_noAttempts_writesNoAttemptsField() {
    String line =
        new String(
            SpendRecordJson.lines(List.of(SpendRecords.priced("r1", 1))), StandardCharsets.UTF_8);

    assertThat(line).doesNotContain("attempts");
  }

  @Test
  void read_lineJournaledBeforeAttempts_hasNone() throws Exception {
    // a journal line as the previous version wrote it, field for field
    String line =
        "{\"request_id\":\"old\",\"started_at\":1740787200000,\"key_hash\":\"hash-a\","
            + "\"user_id\":null,\"team_id\":null,\"organization_id\":null,\"customer_id\":null,"
            + "\"tags\":[],\"model_group\":\"gpt-4o-mini\",\"deployment_id\":\"dep-1\","
            + "\"provider_model\":\"openai/gpt-4o-mini\",\"price_state\":\"priced\","
            + "\"price_source\":\"catalog\",\"input_tokens\":1,\"output_tokens\":2,"
            + "\"cache_read_tokens\":0,\"cache_creation_tokens\":0,\"reasoning_tokens\":0,"
            + "\"cost_nanos\":7,\"usage_reported\":true,\"usage_source\":\"provider\","
            + "\"status\":200,\"error_type\":null,\"latency_ms\":3,\"stream\":false}";

    SpendRecord r = SpendRecordJson.read(Json.MAPPER.readTree(line));

    assertThat(r.attempts()).isEmpty();
    assertThat(r.requestId()).isEqualTo("old");
    assertThat(r.costNanos()).hasValue(7);
  }

  @Test
  void read_attemptsNull_hasNone() throws Exception {
    String line =
        new String(
                SpendRecordJson.lines(List.of(SpendRecords.priced("r1", 1))),
                StandardCharsets.UTF_8)
            .replace("\"stream\":false", "\"stream\":false,\"attempts\":null");

    assertThat(SpendRecordJson.read(Json.MAPPER.readTree(line)).attempts()).isEmpty();
  }

  @Test
  void read_attemptWithoutStatus_throwsNamingIt() throws Exception {
    String line =
        new String(
                SpendRecordJson.lines(List.of(SpendRecords.retried("r1"))), StandardCharsets.UTF_8)
            .replace("\"status\":429,", "");

    assertThatThrownBy(() -> SpendRecordJson.read(Json.MAPPER.readTree(line)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempts")
        .hasMessageContaining("status");
  }

  @Test
  void attempts_thenParseAttempts_roundTrips() {
    List<SpendRecord.Attempt> attempts = SpendRecords.retried("r1").attempts();

    String column = SpendRecordJson.attempts(attempts);

    assertThat(column).doesNotContain(" ").startsWith("[{").endsWith("}]");
    assertThat(SpendRecordJson.parseAttempts(column)).isEqualTo(attempts);
    assertThat(SpendRecordJson.parseAttempts(null)).isEmpty();
  }

  @Test
  void read_missingField_throwsNamingIt() throws Exception {
    String line =
        new String(
                SpendRecordJson.lines(List.of(SpendRecords.priced("r1", 1))),
                StandardCharsets.UTF_8)
            .replace("\"key_hash\":\"hash-a\",", "");

    assertThatThrownBy(() -> SpendRecordJson.read(Json.MAPPER.readTree(line)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key_hash");
  }

  @Test
  void tags_thenParseTags_roundTrips() {
    List<String> tags = List.of("a", "b \"quoted\"", "ü");

    assertThat(SpendRecordJson.parseTags(SpendRecordJson.tags(tags))).isEqualTo(tags);
  }
}
