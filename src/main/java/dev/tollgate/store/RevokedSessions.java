package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The admin UI sessions that were logged out ({@code ui_revoked_sessions}), by their nonce, kept
 * until they would have expired: every instance sharing this store refuses them. Every method
 * blocks: call from a worker thread. Thread-safe (one connection a call).
 */
public final class RevokedSessions {
  private static final String INSERT =
      "INSERT INTO ui_revoked_sessions (nonce, expires_at) VALUES (?, ?)"
          + " ON CONFLICT (nonce) DO NOTHING";

  private final DataSource pool;

  RevokedSessions(DataSource pool) {
    this.pool = Objects.requireNonNull(pool, "pool");
  }

  /**
   * Records that the session with {@code nonce}, valid until {@code expiresAtMillis}, has ended,
   * and forgets the sessions that expired before {@code nowMillis}.
   */
  public void revoke(String nonce, long expiresAtMillis, long nowMillis) {
    try (Connection c = pool.getConnection()) {
      Transactions.run(
          c,
          tx -> {
            try (PreparedStatement ps = tx.prepareStatement(INSERT)) {
              ps.setString(1, nonce);
              ps.setLong(2, expiresAtMillis);
              ps.executeUpdate();
            }
            try (PreparedStatement ps =
                tx.prepareStatement("DELETE FROM ui_revoked_sessions WHERE expires_at < ?")) {
              ps.setLong(1, nowMillis);
              ps.executeUpdate();
            }
          });
    } catch (SQLException e) {
      throw new StoreException("cannot record a UI logout: " + SpendSql.describe(e), e);
    }
  }

  /** Whether the session with {@code nonce} was logged out: one lookup by the primary key. */
  public boolean isRevoked(String nonce) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT 1 FROM ui_revoked_sessions WHERE nonce = ?")) {
      ps.setString(1, nonce);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the UI logouts: " + SpendSql.describe(e), e);
    }
  }
}
