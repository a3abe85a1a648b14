package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SpendLogIT {
  /** Raise with -Dtollgate.bench.records=200000 to measure throughput. */
  private static final int RECORDS = Integer.getInteger("tollgate.bench.records", 10_000);

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_manyRecordsFromEightThreads_landExactlyOnceWithExactSums(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    int threads = 8;
    int perThread = RECORDS / threads;
    long total = (long) threads * perThread;
    long expectedCost = 0;
    List<List<SpendRecord>> work = new ArrayList<>();
    for (int th = 0; th < threads; th++) {
      List<SpendRecord> mine = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        long cost = 1_000_003L * ((long) th * perThread + i) + 7;
        expectedCost += cost;
        mine.add(SpendRecords.priced("req-" + th + "-" + i, cost));
      }
      work.add(mine);
    }

    SpendLog.Stats stats;
    long nanos;
    try (Database db = t.open()) {
      SpendLog log = db.spendLog();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
        for (List<SpendRecord> mine : work) {
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    mine.forEach(log::record);
                    return null;
                  }));
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Future<?> f : done) {
          f.get();
        }
        db.close();
        nanos = System.nanoTime() - t0;
      }
      stats = log.stats();
    }
    System.out.printf(
        "spend log %s: %d records from %d threads written in %d ms, %.0f records/s%n",
        kind, total, threads, nanos / 1_000_000, total * 1e9 / nanos);

    assertThat(stats.recorded()).isEqualTo(total);
    assertThat(stats.persisted()).isEqualTo(total);
    assertThat(stats.queued()).isZero();
    assertThat(stats.deadLettered()).isZero();
    try (Database db = t.open()) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(total);
      assertThat(count(db, "SELECT COUNT(DISTINCT request_id) FROM spend_logs")).isEqualTo(total);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(expectedCost);
      assertThat(count(db, "SELECT COUNT(*) FROM spend_log_tags WHERE tag = 'prod'"))
          .isEqualTo(total);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_sameRequestIdAgain_isStoredAndCountedOnce(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      SpendLog log = db.spendLog();
      log.record(SpendRecords.priced("dup", 500));
      log.record(SpendRecords.priced("dup", 500));
      awaitTrue(() -> log.stats().persisted() == 2);
      log.record(SpendRecords.priced("dup", 500));
      log.record(SpendRecords.priced("other", 1));
    }
    try (Database db = t.open()) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(2);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(501);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void insert_sameBatchTwice_storesEachRecordOnce(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      List<SpendRecord> batch =
          List.of(SpendRecords.priced("a", 10), SpendRecords.unpriced("b", 3, 4));
      try (Connection c = db.pool().getConnection()) {
        SpendSql.insert(c, batch);
        SpendSql.insert(c, batch);
      }

      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(2);
      assertThat(count(db, "SELECT COUNT(*) FROM spend_log_tags")).isEqualTo(1);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(10);
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs WHERE cost_nanos IS NULL"))
          .isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_withAndWithoutAttempts_readBackEqual_nullColumnWhenNone(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    SpendRecord retried = SpendRecords.retried("retried");
    SpendRecord once = SpendRecords.priced("once", 7);
    try (Database db = t.open()) {
      db.spendLog().record(retried);
      db.spendLog().record(once);
    }
    try (Database db = t.open()) {
      assertThat(db.spendQueries().spendLogs(SpendQueries.Filter.all(), 1, 10).rows())
          .containsExactlyInAnyOrder(retried, once);
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs WHERE attempts IS NULL")).isEqualTo(1);
      try (Connection c = db.pool().getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery("SELECT attempts FROM spend_logs WHERE request_id = 'retried'")) {
        rs.next();
        assertThat(rs.getString(1))
            .isEqualTo(
                "[{\"model_group\":\"gpt-4o-mini\",\"model_id\":\"dep-0\",\"status\":429,"
                    + "\"error_class\":\"RateLimitError\"},"
                    + "{\"model_group\":\"gpt-4o-mini\",\"model_id\":\"dep-1\",\"status\":200}]");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void close_recordsStillQueued_writesAllBeforeReturning(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    int n = 3_000;
    SpendLog log;
    try (Database db = t.open()) {
      log = db.spendLog();
      for (int i = 0; i < n; i++) {
        log.record(SpendRecords.priced("q-" + i, 1));
      }
    }

    assertThat(log.stats().persisted()).isEqualTo(n);
    assertThat(log.stats().journalPending()).isZero();
    try (Database db = t.open()) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(n);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_recordTheDatabaseRefuses_goesToDeadLetterAlone(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    SpendLog log;
    try (Database db = t.open()) {
      log = db.spendLog();
      List<SpendRecord> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(SpendRecords.priced("good-" + i, 100));
      }
      batch.add(5, SpendRecords.contradictory("bad"));
      batch.forEach(log::record);
      awaitTrue(() -> log.stats().persisted() == 11);

      assertThat(log.stats().deadLettered()).isEqualTo(1);
      Health h = db.health();
      assertThat(h.state()).isEqualTo(Health.State.DEGRADED);
      assertThat(h.message()).contains("1 spend records could not be stored");
    }

    List<String> dead = Files.readAllLines(log.deadLetterFile(), StandardCharsets.UTF_8);
    assertThat(dead).hasSize(1);
    JsonNode line = Json.MAPPER.readTree(dead.get(0));
    assertThat(line.get("record").get("request_id").asText()).isEqualTo("bad");
    assertThat(line.get("error").asText()).containsIgnoringCase("spend_logs_unknown_has_no_cost");
    assertThat(SpendRecordJson.read(line.get("record")))
        .isEqualTo(SpendRecords.contradictory("bad"));
    try (Database db = t.open()) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(10);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(1000);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_queueFullWhileWriterBlocked_spillsToJournalThenWritesAllOnce(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    int capacity = 16;
    int n = 2_000;
    SpendLog log;
    try (Database db = t.open(SpendLog.Options.defaults().withCapacity(capacity))) {
      log = db.spendLog();
      try (Connection blocker = block(kind, db)) {
        for (int i = 0; i < n; i++) {
          log.record(SpendRecords.priced("s-" + i, 3));
        }
        // the writer holds at most one batch plus a full queue; the rest must be journaled
        awaitTrue(() -> log.stats().journaled() >= n - capacity - 500);
        assertThat(log.journalFile()).exists();
        assertThat(Files.readAllLines(log.journalFile())).hasSizeGreaterThanOrEqualTo(n / 2);
        assertThat(log.stats().persisted()).isGreaterThanOrEqualTo(n / 2);
        blocker.rollback();
      }
      awaitTrue(() -> log.stats().journalPending() == 0 && log.stats().persisted() == n);
    }

    assertThat(log.stats().replayed()).isGreaterThanOrEqualTo(n / 2);
    assertThat(Files.exists(log.journalFile())).isFalse();
    try (Database db = t.open()) {
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(n);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(3L * n);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_journalLeftByEarlierRun_replaysItAndDeadLettersTornLine(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    t.open().close();
    List<SpendRecord> left =
        List.of(
            SpendRecords.priced("j-1", 11),
            SpendRecords.unpriced("j-2", 5, 5),
            SpendRecords.priced("j-3", 13),
            SpendRecords.retried("j-4"));
    Path journal = t.dataDir().resolve(SpendJournal.JOURNAL);
    Files.write(journal, SpendRecordJson.lines(left));
    Files.writeString(
        journal,
        "{\"request_id\":\"torn\",\"sta",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);

    try (Database db = t.open()) {
      assertThat(db.spendLog().stats().journalPending()).isZero();
      assertThat(count(db, "SELECT COUNT(*) FROM spend_logs")).isEqualTo(4);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(1024);
      assertThat(db.spendQueries().spendLogs(SpendQueries.Filter.all(), 1, 10).rows())
          .containsExactlyInAnyOrderElementsOf(left);
    }
    assertThat(journal).doesNotExist();
    List<String> dead = Files.readAllLines(t.dataDir().resolve(SpendJournal.DEAD_LETTER));
    assertThat(dead).hasSize(1);
    assertThat(Json.MAPPER.readTree(dead.get(0)).get("raw").asText())
        .isEqualTo("{\"request_id\":\"torn\",\"sta");
  }

  /**
   * Stops the spend writer from committing until the returned connection rolls back: SQLite's one
   * pooled connection is taken; PostgreSQL's spend_logs table is locked.
   */
  static Connection block(StoreKind kind, Database db) throws Exception {
    Connection c = db.pool().getConnection();
    c.setAutoCommit(false);
    if (kind == StoreKind.POSTGRESQL) {
      try (Statement s = c.createStatement()) {
        s.execute("LOCK TABLE spend_logs IN EXCLUSIVE MODE");
      }
    }
    return c;
  }

  static long count(Database db, String sql) throws Exception {
    try (Connection c = db.pool().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Waits (generously) for a condition that the spend log's threads make true. */
  static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 60 s");
      }
      Thread.sleep(10);
    }
  }
}
