package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.store.SpendQueries.Filter;
import dev.tollgate.store.SpendQueries.Group;
import dev.tollgate.store.SpendQueries.GroupBy;
import dev.tollgate.store.SpendQueries.Page;
import dev.tollgate.store.SpendQueries.Tokens;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The spend reports against an oracle: the same rows filtered, paged and grouped in plain Java. */
class SpendQueriesIT {
  private static final long DAY = 86_400_000L;
  private static final List<SpendRecord> ROWS = rows();

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void spendLogs_eachFilter_returnsMatchingRowsNewestFirstWithTotal(StoreKind kind)
      throws Exception {
    try (Database db = seeded(kind)) {
      SpendQueries q = db.spendQueries();
      long day2 = SpendRecords.T0 + DAY;
      Map<Filter, Predicate<SpendRecord>> cases =
          Map.of(
              Filter.all(), r -> true,
              Filter.all().withKeyHash("key-1"), r -> r.keyHash().equals("key-1"),
              Filter.all().withUserId("user-2"), r -> r.userId().equals(Optional.of("user-2")),
              Filter.all().withTeamId("team-0"), r -> r.teamId().equals(Optional.of("team-0")),
              Filter.all().withTag("batch"), r -> r.tags().contains("batch"),
              Filter.all().withModel("claude"), r -> r.modelGroup().equals("claude"),
              Filter.all().withTeamId("team-0").withModel("claude"),
                  r -> r.teamId().equals(Optional.of("team-0")) && r.modelGroup().equals("claude"),
              Filter.all().between(day2, day2 + DAY),
                  r -> r.startedAtMillis() >= day2 && r.startedAtMillis() < day2 + DAY,
              Filter.all().withTeamId("team-1").withTag("prod").between(SpendRecords.T0, day2),
                  r ->
                      r.teamId().equals(Optional.of("team-1"))
                          && r.tags().contains("prod")
                          && r.startedAtMillis() < day2,
              Filter.all()
                      .withTag("prod")
                      .withUserId("user-2")
                      .withKeyHash("key-1")
                      .withModel("mystery-model"),
                  r ->
                      r.tags().contains("prod")
                          && r.userId().equals(Optional.of("user-2"))
                          && r.keyHash().equals("key-1")
                          && r.modelGroup().equals("mystery-model"));
      for (Map.Entry<Filter, Predicate<SpendRecord>> c : cases.entrySet()) {
        List<SpendRecord> expected = ROWS.stream().filter(c.getValue()).sorted(NEWEST).toList();

        Page page = q.spendLogs(c.getKey(), 1, 1_000);

        assertThat(expected).as("filter %s selects something", c.getKey()).isNotEmpty();
        assertThat(page.rows()).as("filter %s", c.getKey()).isEqualTo(expected);
        assertThat(page.total()).isEqualTo(expected.size());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void spendLogs_pages_partitionTheRowsInOrder(StoreKind kind) throws Exception {
    try (Database db = seeded(kind)) {
      SpendQueries q = db.spendQueries();
      List<SpendRecord> expected = ROWS.stream().sorted(NEWEST).toList();
      int size = 7;
      Page first = q.spendLogs(Filter.all(), 1, size);
      long pages = first.totalPages();

      List<SpendRecord> all = new ArrayList<>(first.rows());
      for (int p = 2; p <= pages; p++) {
        all.addAll(q.spendLogs(Filter.all(), p, size).rows());
      }

      assertThat(pages).isEqualTo((ROWS.size() + size - 1) / size);
      assertThat(all).isEqualTo(expected);
      assertThat(q.spendLogs(Filter.all(), (int) pages + 1, size).rows()).isEmpty();
      assertThat(q.spendLogs(Filter.all(), (int) pages + 1, size).total()).isEqualTo(ROWS.size());
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void globalSpendReport_eachGrouping_matchesOracleWithUnknownCostApart(StoreKind kind)
      throws Exception {
    try (Database db = seeded(kind)) {
      SpendQueries q = db.spendQueries();
      long start = SpendRecords.T0;
      long end = SpendRecords.T0 + 2 * DAY;
      List<List<GroupBy>> groupings =
          List.of(
              List.of(GroupBy.DAY),
              List.of(GroupBy.TEAM),
              List.of(GroupBy.KEY),
              List.of(GroupBy.MODEL),
              List.of(GroupBy.TAG),
              List.of(GroupBy.DAY, GroupBy.TEAM),
              List.of(GroupBy.DAY, GroupBy.TAG),
              List.of(GroupBy.USER),
              List.of(GroupBy.MODEL, GroupBy.USER));
      for (List<GroupBy> g : groupings) {
        assertThat(q.globalSpendReport(start, end, g))
            .as("group by %s", g)
            .isEqualTo(oracle(start, end, g));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void globalSpendReport_onlyUnknownCosts_reportsZeroSpendAndCountsThemApart(StoreKind kind)
      throws Exception {
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(
            c, List.of(SpendRecords.unpriced("u1", 10, 20), SpendRecords.unpriced("u2", 1, 2)));
      }

      List<Group> groups =
          db.spendQueries()
              .globalSpendReport(SpendRecords.T0, SpendRecords.T0 + DAY, List.of(GroupBy.MODEL));

      assertThat(groups)
          .containsExactly(
              new Group(
                  List.of(Optional.of("mystery-model")),
                  2,
                  0,
                  new Tokens(11, 22, 0, 0, 0),
                  2,
                  new Tokens(11, 22, 0, 0, 0)));
    }
  }

  @Test
  void globalSpendReport_groupingByDay_usesUtcCalendarDays() throws Exception {
    try (Database db = StoreKind.SQLITE.fresh().open()) {
      long lastMilliOfDay = SpendRecords.T0 + DAY - 1;
      SpendRecord r = SpendRecords.priced("edge", 1);
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(
            c,
            List.of(
                SpendRecords.with(
                    r,
                    lastMilliOfDay,
                    r.keyHash(),
                    r.userId(),
                    r.teamId(),
                    r.tags(),
                    r.modelGroup())));
      }

      List<Group> groups =
          db.spendQueries().globalSpendReport(0, Long.MAX_VALUE, List.of(GroupBy.DAY));

      assertThat(groups)
          .extracting(Group::keys)
          .containsExactly(List.of(Optional.of("2025-03-01")));
    }
  }

  /**
   * SQLite answers the UI's slow reads from the V10 and V11 indexes and the daily rollup instead of
   * scanning spend_logs: the team and model filter, a report's partial days (the covering index),
   * its whole days (the rollup's key), and the tag filter's count and newest-first page (the tag
   * index alone, and no sort).
   */
  @Test
  void sqlitePlans_slowUiReads_useTheirIndexes() throws Exception {
    try (Database db = seeded(StoreKind.SQLITE);
        Connection c = db.pool().getConnection()) {
      assertThat(
              plan(
                  c,
                  "SELECT COUNT(*) FROM spend_logs s WHERE s.team_id = 'team-0'"
                      + " AND s.model_group = 'claude'"))
          .contains("spend_logs_team_model_started_at");
      assertThat(
              plan(
                  c,
                  "SELECT s.started_at / 86400000, s.model_group, COUNT(*),"
                      + " COALESCE(SUM(s.cost_nanos), 0), COALESCE(SUM(s.input_tokens), 0),"
                      + " SUM(CASE WHEN s.usage_source = 'estimated' THEN 1 ELSE 0 END),"
                      + " COALESCE(SUM(s.cache_saved_nanos), 0)"
                      + " FROM spend_logs s WHERE s.started_at >= 0 AND s.started_at < 1"
                      + " GROUP BY s.started_at / 86400000, s.model_group"))
          .contains("COVERING INDEX spend_logs_report");
      assertThat(
              plan(
                  c,
                  "SELECT d.day, d.model_group, SUM(d.requests), SUM(d.cost_nanos)"
                      + " FROM spend_daily d WHERE d.day >= 0 AND d.day < 14"
                      + " GROUP BY d.day, d.model_group"))
          .contains("spend_daily")
          .contains("(day>? AND day<?)");
      assertThat(plan(c, "SELECT COUNT(*) FROM spend_log_tags t WHERE t.tag = 'prod'"))
          .contains("COVERING INDEX spend_log_tags_tag_started_at (tag=?)");
      // A tag with another filter: the tag rows carry what it tests, so no spend_logs row is read.
      assertThat(
              plan(
                  c,
                  "SELECT COUNT(*) FROM spend_log_tags t WHERE t.tag = 'prod'"
                      + " AND t.team_id = 'team-1' AND t.model_group = 'claude'"))
          .contains("COVERING INDEX spend_log_tags_tag_started_at (tag=?)")
          .doesNotContain("spend_logs");
      String page =
          plan(
              c,
              "SELECT s.request_id, s.cost_nanos FROM spend_log_tags t"
                  + " JOIN spend_logs s ON s.request_id = t.request_id WHERE t.tag = 'prod'"
                  + " ORDER BY t.started_at DESC, t.request_id DESC LIMIT 50 OFFSET 0");
      assertThat(page).contains("COVERING INDEX spend_log_tags_tag_started_at (tag=?)");
      assertThat(page).doesNotContain("TEMP B-TREE");
    }
  }

  private static String plan(Connection c, String sql) throws Exception {
    StringBuilder out = new StringBuilder();
    try (java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
      while (rs.next()) {
        out.append(rs.getString("detail")).append('\n');
      }
    }
    return out.toString();
  }

  private static Database seeded(StoreKind kind) throws Exception {
    Database db = kind.fresh().open();
    try (Connection c = db.pool().getConnection()) {
      SpendSql.insert(c, ROWS);
    }
    return db;
  }

  private static final Comparator<SpendRecord> NEWEST =
      Comparator.comparingLong(SpendRecord::startedAtMillis)
          .thenComparing(SpendRecord::requestId)
          .reversed();

  /** 60 rows over three days, with every kind of attribution, some with unknown costs. */
  private static List<SpendRecord> rows() {
    Random random = new Random(42);
    List<String> models = List.of("gpt-4o-mini", "claude", "mystery-model");
    List<List<String>> tagSets =
        List.of(List.of(), List.of("prod"), List.of("batch"), List.of("prod", "batch"));
    List<SpendRecord> rows = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String id = String.format("r-%03d", i);
      long started = SpendRecords.T0 + (i % 3) * DAY + random.nextInt(3_600_000);
      Optional<String> user = i % 4 == 3 ? Optional.empty() : Optional.of("user-" + (i % 3));
      Optional<String> team = i % 5 == 4 ? Optional.empty() : Optional.of("team-" + (i % 2));
      String model = models.get(i % 3);
      SpendRecord base =
          model.equals("mystery-model")
              ? SpendRecords.unpriced(id, 100 + i, 10 + i)
              : i % 7 == 0
                  ? noUsage(SpendRecords.priced(id, 0))
                  : SpendRecords.priced(id, 1_000L * i + random.nextInt(1_000));
      rows.add(
          SpendRecords.with(
              base, started, "key-" + (i % 2), user, team, tagSets.get(i % 4), model));
    }
    return List.copyOf(rows);
  }

  /** A priced request whose usage never came: its cost is unknown. */
  private static SpendRecord noUsage(SpendRecord r) {
    return new SpendRecord(
        r.requestId(),
        r.startedAtMillis(),
        r.keyHash(),
        r.userId(),
        r.teamId(),
        r.organizationId(),
        r.customerId(),
        r.tags(),
        r.modelGroup(),
        r.deploymentId(),
        r.providerModel(),
        "priced",
        "catalog",
        0,
        0,
        0,
        0,
        0,
        OptionalLong.empty(),
        dev.tollgate.budget.UsageSource.NONE,
        502,
        Optional.of("api_error"),
        r.latencyMillis(),
        r.stream());
  }

  private static List<Group> oracle(long start, long end, List<GroupBy> groupBy) {
    return oracle(ROWS, start, end, groupBy);
  }

  /** The report over {@code rows} in {@code [start, end)}, summed in plain Java. */
  static List<Group> oracle(List<SpendRecord> rows, long start, long end, List<GroupBy> groupBy) {
    Map<List<Optional<String>>, long[]> sums =
        new TreeMap<>(
            (a, b) -> {
              for (int i = 0; i < a.size(); i++) {
                int c =
                    Comparator.comparing((Optional<String> o) -> o.isPresent())
                        .thenComparing(o -> o.orElse(""))
                        .compare(a.get(i), b.get(i));
                if (c != 0) {
                  return c;
                }
              }
              return 0;
            });
    for (SpendRecord r : rows) {
      if (r.startedAtMillis() < start || r.startedAtMillis() >= end) {
        continue;
      }
      List<List<Optional<String>>> keySets = new ArrayList<>();
      keySets.add(List.of());
      for (GroupBy g : groupBy) {
        List<Optional<String>> values =
            switch (g) {
              case DAY ->
                  List.of(
                      Optional.of(
                          LocalDate.ofInstant(
                                  java.time.Instant.ofEpochMilli(r.startedAtMillis()),
                                  ZoneOffset.UTC)
                              .toString()));
              case TEAM -> List.of(r.teamId());
              case KEY -> List.of(Optional.of(r.keyHash()));
              case MODEL -> List.of(Optional.of(r.modelGroup()));
              case USER -> List.of(r.userId());
              case TAG ->
                  r.tags().isEmpty()
                      ? List.of(Optional.<String>empty())
                      : new LinkedHashSet<>(r.tags()).stream().map(Optional::of).toList();
            };
        List<List<Optional<String>>> next = new ArrayList<>();
        for (List<Optional<String>> prefix : keySets) {
          for (Optional<String> v : values) {
            List<Optional<String>> k = new ArrayList<>(prefix);
            k.add(v);
            next.add(k);
          }
        }
        keySets = next;
      }
      for (List<Optional<String>> k : keySets) {
        long[] s = sums.computeIfAbsent(List.copyOf(k), x -> new long[17]);
        boolean unknown = r.costNanos().isEmpty();
        s[0]++;
        s[1] += r.costNanos().orElse(0);
        long[] tokens = {
          r.inputTokens(),
          r.outputTokens(),
          r.cacheReadTokens(),
          r.cacheCreationTokens(),
          r.reasoningTokens()
        };
        for (int i = 0; i < 5; i++) {
          s[2 + i] += tokens[i];
          if (unknown) {
            s[8 + i] += tokens[i];
          }
        }
        if (unknown) {
          s[7]++;
        }
        if (r.usageSource() == dev.tollgate.budget.UsageSource.ESTIMATED) {
          s[13]++;
          s[14] += r.costNanos().orElse(0);
        }
        if (r.cacheHit().isPresent()) {
          s[15]++;
          s[16] += r.cacheHit().get().savedNanos().orElse(0);
        }
      }
    }
    List<Group> groups = new ArrayList<>();
    sums.forEach(
        (k, s) ->
            groups.add(
                new Group(
                    k,
                    s[0],
                    s[1],
                    new Tokens(s[2], s[3], s[4], s[5], s[6]),
                    s[7],
                    new Tokens(s[8], s[9], s[10], s[11], s[12]),
                    s[13],
                    s[14],
                    s[15],
                    s[16])));
    return groups;
  }
}
