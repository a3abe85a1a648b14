package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

class DatabaseIT {
  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_emptyDatabase_runsMigrations(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      assertThat(db.kind().name()).isEqualTo(kind.name());
      assertThat(tables(db))
          .contains("models", "spend_logs", "spend_log_tags", "spend_charges", "audit_log");
      assertThat(schemaVersions(db))
          .containsExactly("1", "2", "3", "5", "6", "7", "8", "9", "10", "11", "12", "13");
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_migratedDatabase_appliesNothingAgain(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    t.open().close();
    try (Database db = t.open()) {
      assertThat(schemaVersions(db))
          .containsExactly("1", "2", "3", "5", "6", "7", "8", "9", "10", "11", "12", "13");
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_v6DatabaseWithSpendRows_migratesToV7KeepingThemWithoutAttempts(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    DataSource direct = migratedTo(t, "6");
    SpendRecord priced = SpendRecords.priced("old-priced", 1_234);
    SpendRecord unpriced = SpendRecords.unpriced("old-unpriced", 5, 6);
    try (Connection c = direct.getConnection()) {
      insertAsV6(c, priced);
      insertAsV6(c, unpriced);
    }

    try (Database db = t.open()) {
      assertThat(schemaVersions(db))
          .containsExactly("1", "2", "3", "5", "6", "7", "8", "9", "10", "11", "12", "13");
      assertThat(db.spendQueries().spendLogs(SpendQueries.Filter.all(), 1, 10).rows())
          .containsExactlyInAnyOrder(priced, unpriced);
      assertThat(
              db.spendQueries().spendLogs(SpendQueries.Filter.all().withTag("prod"), 1, 10).rows())
          .containsExactly(priced);
      // V13 copied each tag row's key, user, team and model from its spend_logs row.
      assertThat(
              db.spendQueries()
                  .spendLogs(
                      SpendQueries.Filter.all()
                          .withTag("prod")
                          .withKeyHash("hash-a")
                          .withUserId("user-1")
                          .withTeamId("team-1")
                          .withModel("gpt-4o-mini"),
                      1,
                      10)
                  .rows())
          .containsExactly(priced);
      try (Connection c = db.pool().getConnection();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT COUNT(*) FROM spend_logs WHERE attempts IS NULL")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(2);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_v10DatabaseWithSpendRows_backfillsTheDailyRollupAndTagTimes(StoreKind kind)
      throws Exception {
    StoreKind.Target t = kind.fresh();
    DataSource direct = migratedTo(t, "10");
    List<SpendRecord> rows = SpendRollupIT.rows(40, 4);
    try (Connection c = direct.getConnection()) {
      for (SpendRecord r : rows) {
        // estimated usage and cache hits have their own columns since V5 and V9
        insertAsV6(c, r);
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE spend_logs SET cache_hit = ?, cache_saved_nanos = ? WHERE request_id = ?")) {
          ps.setBoolean(1, r.cacheHit().isPresent());
          OptionalLong saved =
              r.cacheHit().map(SpendRecord.CacheHit::savedNanos).orElse(OptionalLong.empty());
          if (saved.isPresent()) {
            ps.setLong(2, saved.getAsLong());
          } else {
            ps.setNull(2, Types.BIGINT);
          }
          ps.setString(3, r.requestId());
          ps.executeUpdate();
        }
      }
    }

    try (Database db = t.open()) {
      long start = SpendRecords.T0;
      long end = start + 5 * 86_400_000L;
      List<SpendQueries.GroupBy> byDayAndTeam =
          List.of(SpendQueries.GroupBy.DAY, SpendQueries.GroupBy.TEAM);
      assertThat(db.spendQueries().globalSpendReport(start, end, byDayAndTeam))
          .isEqualTo(SpendQueriesIT.oracle(rows, start, end, byDayAndTeam));
      assertThat(SpendRollupIT.rollup(db)).isEqualTo(SpendRollupIT.sumsOverLog(db)).isNotEmpty();
      assertThat(
              db.spendQueries()
                  .spendLogs(
                      SpendQueries.Filter.all().withTag("prod").between(start + 86_400_000L, end),
                      1,
                      100)
                  .rows())
          .containsExactlyElementsOf(
              rows.stream()
                  .filter(r -> r.tags().contains("prod"))
                  .filter(r -> r.startedAtMillis() >= start + 86_400_000L)
                  .sorted(
                      java.util.Comparator.comparingLong(SpendRecord::startedAtMillis)
                          .thenComparing(SpendRecord::requestId)
                          .reversed())
                  .toList());
    }
  }

  /** The target's database migrated up to {@code version}, with no later migration. */
  private static DataSource migratedTo(StoreKind.Target t, String version) {
    DataSource direct = direct(t);
    Flyway.configure(DatabaseIT.class.getClassLoader())
        .dataSource(direct)
        .locations("classpath:db/migration")
        .target(version)
        .load()
        .migrate();
    return direct;
  }

  /** A connection to the target's database that runs no migrations. */
  private static DataSource direct(StoreKind.Target t) {
    if (t.url().isEmpty()) {
      SQLiteDataSource ds = new SQLiteDataSource();
      ds.setUrl("jdbc:sqlite:" + t.dataDir().resolve(Database.SQLITE_FILE));
      return ds;
    }
    DatabaseUrl u = DatabaseUrl.parse(t.url().get());
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(u.jdbcUrl());
    u.user().ifPresent(ds::setUser);
    u.password().ifPresent(ds::setPassword);
    return ds;
  }

  /** The row as the spend log wrote it at schema version 6, before {@code attempts}. */
  private static void insertAsV6(Connection c, SpendRecord r) throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO spend_logs (request_id, started_at, key_hash, user_id, team_id,"
                + " organization_id, customer_id, tags, model_group, deployment_id,"
                + " provider_model, price_state, price_source, input_tokens, output_tokens,"
                + " cache_read_tokens, cache_creation_tokens, reasoning_tokens, cost_nanos,"
                + " usage_reported, status, error_type, latency_ms, stream, usage_source)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?)")) {
      int i = 1;
      ps.setString(i++, r.requestId());
      ps.setLong(i++, r.startedAtMillis());
      ps.setString(i++, r.keyHash());
      ps.setString(i++, r.userId().orElse(null));
      ps.setString(i++, r.teamId().orElse(null));
      ps.setString(i++, r.organizationId().orElse(null));
      ps.setString(i++, r.customerId().orElse(null));
      ps.setString(i++, SpendRecordJson.tags(r.tags()));
      ps.setString(i++, r.modelGroup());
      ps.setString(i++, r.deploymentId().orElse(null));
      ps.setString(i++, r.providerModel().orElse(null));
      ps.setString(i++, r.priceState());
      ps.setString(i++, r.priceSource());
      ps.setLong(i++, r.inputTokens());
      ps.setLong(i++, r.outputTokens());
      ps.setLong(i++, r.cacheReadTokens());
      ps.setLong(i++, r.cacheCreationTokens());
      ps.setLong(i++, r.reasoningTokens());
      if (r.costNanos().isPresent()) {
        ps.setLong(i++, r.costNanos().getAsLong());
      } else {
        ps.setNull(i++, Types.BIGINT);
      }
      ps.setBoolean(i++, r.usageReported());
      ps.setInt(i++, r.status());
      ps.setString(i++, r.errorType().orElse(null));
      ps.setLong(i++, r.latencyMillis());
      ps.setBoolean(i++, r.stream());
      ps.setString(i, r.usageSource().wire());
      ps.executeUpdate();
    }
    for (String tag : r.tags()) {
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO spend_log_tags (request_id, tag) VALUES (?, ?)")) {
        ps.setString(1, r.requestId());
        ps.setString(2, tag);
        ps.executeUpdate();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void health_reachableDatabase_isUp(StoreKind kind) {
    try (Database db = kind.fresh().open()) {
      Health h = db.health();

      assertThat(h.state()).isEqualTo(Health.State.UP);
      assertThat(h.message()).isEqualTo(db.description());
    }
  }

  @Test
  void open_noUrl_usesSqliteInDataDirInWalMode() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-sqlite");
    try (Database db = Database.open(Optional.empty(), dir.resolve("data"))) {
      assertThat(db.kind()).isEqualTo(Database.Kind.SQLITE);
      assertThat(dir.resolve("data").resolve(Database.SQLITE_FILE)).exists();
      try (Connection c = db.pool().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
      }
    }
  }

  @Test
  void open_unreachablePostgres_failsNamingHostWithoutPassword() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-pg");

    assertThatThrownBy(
            () -> Database.open(Optional.of("postgresql://llm:s3cret@127.0.0.1:1/app"), dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("PostgreSQL at llm@127.0.0.1:1/app")
        .hasNoCause()
        .message()
        .doesNotContain("s3cret");
  }

  @Test
  void open_wrongPassword_failsWithoutPassword() throws Exception {
    TestPostgres.Server s = TestPostgres.shared();
    String url = "postgresql://nobody_here:s3cret@" + s.host() + ":" + s.port() + "/postgres";
    Path dir = Files.createTempDirectory("tollgate-pg");

    assertThatThrownBy(() -> Database.open(Optional.of(url), dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("nobody_here@")
        .message()
        .doesNotContain("s3cret");
  }

  @Test
  void open_prismaSchemaParameter_migratesIntoThatSchema() throws Exception {
    String url = TestPostgres.freshDatabase() + "?schema=tenant_a&connection_limit=3";
    Path dir = Files.createTempDirectory("tollgate-pg");
    try (Database db = Database.open(Optional.of(url), dir)) {
      try (Connection c = db.pool().getConnection();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT table_schema FROM information_schema.tables WHERE table_name ="
                      + " 'spend_logs'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("tenant_a");
      }
    }
  }

  static List<String> tables(Database db) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = db.pool().getConnection();
        ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  static List<String> schemaVersions(Database db) throws Exception {
    List<String> versions = new ArrayList<>();
    try (Connection c = db.pool().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
    }
    return versions;
  }
}
