package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RevokedSessionsIT {
  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void revoke_thenIsRevoked_onEveryOpeningOfTheStore(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    try (Database a = t.open();
        Database b = t.open()) {
      assertThat(b.revokedSessions().isRevoked("nonce-1")).isFalse();

      a.revokedSessions().revoke("nonce-1", 2_000, 1_000);
      a.revokedSessions().revoke("nonce-1", 2_000, 1_000);

      assertThat(b.revokedSessions().isRevoked("nonce-1")).isTrue();
      assertThat(b.revokedSessions().isRevoked("nonce-2")).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void revoke_forgetsSessionsThatHaveExpired(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      db.revokedSessions().revoke("old", 1_500, 1_000);
      db.revokedSessions().revoke("current", 9_000, 1_000);

      db.revokedSessions().revoke("new", 9_000, 2_000);

      assertThat(db.revokedSessions().isRevoked("old")).isFalse();
      assertThat(db.revokedSessions().isRevoked("current")).isTrue();
      assertThat(rows(db)).isEqualTo(2);
    }
  }

  private static int rows(Database db) throws Exception {
    try (Connection c = db.pool().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM ui_revoked_sessions")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
