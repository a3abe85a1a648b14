package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.store.SpendQueries.GroupBy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The daily rollup ({@code spend_daily}) against the log it sums: after writes from the real spend
 * writer, reports grouped by day, team and model read through it equal the sums over the raw rows,
 * whatever the window's edges.
 */
class SpendRollupIT {
  private static final long DAY = SpendRollup.DAY_MILLIS;
  private static final long T0 = SpendRecords.T0;

  private static final List<List<GroupBy>> ROLLED_UP =
      List.of(
          List.of(GroupBy.DAY),
          List.of(GroupBy.TEAM),
          List.of(GroupBy.MODEL),
          List.of(GroupBy.DAY, GroupBy.MODEL),
          List.of(GroupBy.DAY, GroupBy.TEAM),
          List.of(GroupBy.TEAM, GroupBy.MODEL));

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void globalSpendReport_windowsOnAndOffDayBoundaries_equalSumsOverTheLog(StoreKind kind)
      throws Exception {
    List<SpendRecord> rows = rows(400, 1);
    try (Database db = kind.fresh().open()) {
      rows.forEach(db.spendLog()::record);
      assertThat(db.spendLog().awaitPersisted(Duration.ofSeconds(60))).isTrue();

      SpendQueries q = db.spendQueries();
      long[][] windows = {
        {T0, T0 + 5 * DAY}, // whole days
        {T0 + 1, T0 + 5 * DAY - 1}, // partial first and last day
        {T0 + DAY / 2, T0 + 3 * DAY}, // partial first day
        {T0 + DAY, T0 + 3 * DAY + 7_000_000}, // partial last day
        {T0 + DAY + 5, T0 + DAY + 40_000_000}, // inside one day
        {T0 + 2 * DAY - 1, T0 + 2 * DAY + 1}, // across one midnight, no whole day
        {0, Long.MAX_VALUE}, // all time
        {T0 + 9 * DAY, T0 + 12 * DAY} // no rows
      };
      for (long[] w : windows) {
        for (List<GroupBy> g : ROLLED_UP) {
          assertThat(q.globalSpendReport(w[0], w[1], g))
              .as("[%d, %d) by %s", w[0] - T0, w[1] - T0, g)
              .isEqualTo(SpendQueriesIT.oracle(rows, w[0], w[1], g));
        }
      }
      assertThat(rollup(db)).isEqualTo(sumsOverLog(db)).isNotEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void insert_batchWrittenAgainOrWithRepeats_countsEachStoredRowOnce(StoreKind kind)
      throws Exception {
    List<SpendRecord> rows = rows(60, 2);
    List<SpendRecord> firstHalf = rows.subList(0, 30);
    List<SpendRecord> withRepeats = new ArrayList<>(rows);
    withRepeats.addAll(rows.subList(10, 20));
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(c, firstHalf);
        SpendSql.insert(c, firstHalf);
        SpendSql.insert(c, withRepeats);
      }

      assertThat(db.spendQueries().globalSpendReport(0, Long.MAX_VALUE, List.of(GroupBy.DAY)))
          .isEqualTo(SpendQueriesIT.oracle(rows, 0, Long.MAX_VALUE, List.of(GroupBy.DAY)));
      assertThat(rollup(db)).isEqualTo(sumsOverLog(db));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void spendLog_badRecordInBatch_rollupHoldsOnlyTheStoredRows(StoreKind kind) throws Exception {
    List<SpendRecord> rows = rows(50, 3);
    try (Database db = kind.fresh().open()) {
      for (int i = 0; i < rows.size(); i++) {
        db.spendLog().record(rows.get(i));
        if (i == 20) {
          db.spendLog().record(SpendRecords.contradictory("bad"));
        }
      }
      assertThat(db.spendLog().awaitPersisted(Duration.ofSeconds(60))).isTrue();

      assertThat(db.spendLog().stats().deadLettered()).isEqualTo(1);
      assertThat(db.spendQueries().globalSpendReport(T0, T0 + 5 * DAY, List.of(GroupBy.MODEL)))
          .isEqualTo(SpendQueriesIT.oracle(rows, T0, T0 + 5 * DAY, List.of(GroupBy.MODEL)));
      assertThat(rollup(db)).isEqualTo(sumsOverLog(db));
    }
  }

  /**
   * {@code n} rows over five days from {@code T0}, some at the first and last millisecond of a day,
   * with and without a team, of known and unknown cost, estimated usage and cache hits.
   */
  static List<SpendRecord> rows(int n, long seed) {
    Random random = new Random(seed);
    List<String> models = List.of("gpt-4o", "claude", "mystery-model");
    List<SpendRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long day = T0 + random.nextInt(5) * DAY;
      long started =
          switch (i % 10) {
            case 0 -> day;
            case 1 -> day + DAY - 1;
            default -> day + random.nextLong(DAY);
          };
      String model = models.get(random.nextInt(models.size()));
      boolean unknown = model.equals("mystery-model");
      long in = random.nextInt(5_000);
      long out1 = random.nextInt(1_000);
      UsageSource source =
          switch (random.nextInt(4)) {
            case 0 -> UsageSource.ESTIMATED;
            case 1 -> UsageSource.NONE;
            default -> UsageSource.PROVIDER;
          };
      SpendRecord r =
          new SpendRecord(
              "roll-" + seed + "-" + i,
              started,
              "key-" + random.nextInt(4),
              random.nextBoolean() ? Optional.of("user-" + random.nextInt(3)) : Optional.empty(),
              random.nextInt(4) == 0 ? Optional.empty() : Optional.of("team-" + random.nextInt(3)),
              Optional.empty(),
              Optional.empty(),
              random.nextBoolean() ? List.of("prod") : List.of(),
              model,
              Optional.of(model + "-1"),
              Optional.of(model),
              unknown ? "unknown" : "priced",
              unknown ? "none" : "catalog",
              in,
              out1,
              random.nextInt(100),
              random.nextInt(50),
              random.nextInt(10),
              unknown ? OptionalLong.empty() : OptionalLong.of(in * 2_500 + out1 * 10_001),
              source,
              200,
              Optional.empty(),
              50,
              false);
      if (random.nextInt(5) == 0) {
        r =
            r.withCacheHit(
                Optional.of(
                    new SpendRecord.CacheHit(
                        unknown
                            ? OptionalLong.empty()
                            : OptionalLong.of(1_000_000L + random.nextInt(1_000)))));
      }
      out.add(r);
    }
    return List.copyOf(out);
  }

  /** Every rollup row, in key order. */
  static List<List<Object>> rollup(Database db) throws Exception {
    return query(
        db,
        "SELECT day, team_id, model_group, "
            + SpendRollup.SUMS
            + " FROM spend_daily ORDER BY day, team_id, model_group");
  }

  /** What the rollup rows must be: the log's rows summed by day, team and model group. */
  static List<List<Object>> sumsOverLog(Database db) throws Exception {
    return query(
        db,
        "SELECT started_at / 86400000, COALESCE(team_id, ''), model_group, COUNT(*),"
            + " COALESCE(SUM(cost_nanos), 0), SUM(input_tokens), SUM(output_tokens),"
            + " SUM(cache_read_tokens), SUM(cache_creation_tokens), SUM(reasoning_tokens),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN input_tokens ELSE 0 END),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN output_tokens ELSE 0 END),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN cache_read_tokens ELSE 0 END),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN cache_creation_tokens ELSE 0 END),"
            + " SUM(CASE WHEN cost_nanos IS NULL THEN reasoning_tokens ELSE 0 END),"
            + " SUM(CASE WHEN usage_source = 'estimated' THEN 1 ELSE 0 END),"
            + " COALESCE(SUM(CASE WHEN usage_source = 'estimated' THEN cost_nanos END), 0),"
            + " SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END), COALESCE(SUM(cache_saved_nanos), 0)"
            + " FROM spend_logs GROUP BY started_at / 86400000, COALESCE(team_id, ''), model_group"
            + " ORDER BY 1, 2, 3");
  }

  /** The rows of {@code sql}: the second and third columns text, the others numbers. */
  private static List<List<Object>> query(Database db, String sql) throws Exception {
    List<List<Object>> out = new ArrayList<>();
    try (Connection c = db.pool().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.add(i == 2 || i == 3 ? rs.getString(i) : rs.getLong(i));
        }
        out.add(row);
      }
    }
    return out;
  }
}
