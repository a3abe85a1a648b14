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
