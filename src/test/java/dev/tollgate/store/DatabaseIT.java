package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DatabaseIT {
  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_emptyDatabase_runsMigrations(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      assertThat(db.kind().name()).isEqualTo(kind.name());
      assertThat(tables(db)).contains("models", "spend_logs", "spend_log_tags", "spend_charges");
      assertThat(schemaVersions(db)).containsExactly("1", "2", "3", "5", "6");
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void open_migratedDatabase_appliesNothingAgain(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    t.open().close();
    try (Database db = t.open()) {
      assertThat(schemaVersions(db)).containsExactly("1", "2", "3", "5", "6");
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
