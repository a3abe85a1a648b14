package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.store.SpendQueries.Filter;
import dev.tollgate.store.SpendQueries.Group;
import dev.tollgate.store.SpendQueries.GroupBy;
import java.sql.Connection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests the response cache answered: stored with {@code cache_hit} and what they saved, read
 * back as they were written, and summed apart in the spend report; on SQLite and PostgreSQL.
 */
class SpendCacheHitsIT {
  static final long DAY = 86_400_000L;

  static SpendRecord hit(String id, OptionalLong saved) {
    return SpendRecords.priced(id, 0).withCacheHit(Optional.of(new SpendRecord.CacheHit(saved)));
  }

  static final List<SpendRecord> ROWS =
      List.of(
          SpendRecords.priced("paid", 74_000),
          hit("hit-1", OptionalLong.of(74_000)),
          hit("hit-2", OptionalLong.of(1_000)),
          hit("hit-unknown-price", OptionalLong.empty()));

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void spendLogs_cacheHits_readBackAsWritten(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(c, ROWS);
      }
      List<SpendRecord> rows =
          db.spendQueries().spendLogs(Filter.all(), 1, 100).rows().stream()
              .sorted(Comparator.comparing(SpendRecord::requestId))
              .toList();
      assertThat(rows)
          .isEqualTo(ROWS.stream().sorted(Comparator.comparing(SpendRecord::requestId)).toList());
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void globalSpendReport_sumsHitsAndSavingsApart(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(c, ROWS);
      }
      List<Group> groups =
          db.spendQueries()
              .globalSpendReport(SpendRecords.T0, SpendRecords.T0 + DAY, List.of(GroupBy.MODEL));
      assertThat(groups).hasSize(1);
      Group g = groups.get(0);
      assertThat(g.requests()).isEqualTo(4);
      assertThat(g.spendNanos()).isEqualTo(74_000);
      assertThat(g.cacheHits()).isEqualTo(3);
      assertThat(g.cacheSavedNanos()).isEqualTo(75_000);
    }
  }

  @Test
  void journalLine_cacheHit_roundTrips() throws Exception {
    for (SpendRecord r : ROWS) {
      byte[] line = SpendRecordJson.lines(List.of(r));
      assertThat(SpendRecordJson.read(Json.MAPPER.readTree(line))).isEqualTo(r);
    }
  }
}
