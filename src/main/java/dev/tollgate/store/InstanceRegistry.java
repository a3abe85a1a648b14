package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The gateway instances that use this store ({@code gateway_instances}): each one beats every few
 * seconds, and learns which others have beaten recently and where they keep their counters. Every
 * method blocks: call from a worker thread.
 */
public final class InstanceRegistry {
  /** Rows not refreshed for this long are deleted: instances long gone. */
  static final long FORGET_AFTER_MILLIS = 86_400_000;

  private static final String UPSERT =
      "INSERT INTO gateway_instances (id, started_at, last_seen, counters) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen,"
          + " counters = excluded.counters";

  private final DataSource pool;

  InstanceRegistry(DataSource pool) {
    this.pool = Objects.requireNonNull(pool, "pool");
  }

  /** Another instance that beat recently. */
  public record Peer(String id, long lastSeenMillis, String counters) {}

  /**
   * Records that instance {@code id} is alive at {@code now} with its counters in {@code counters}
   * ({@code local}, {@code redis}, ...), forgets rows a day old, and returns the other instances
   * seen within {@code aliveMillis} of {@code now}.
   */
  public List<Peer> beat(String id, long startedAt, long now, String counters, long aliveMillis) {
    try (Connection c = pool.getConnection()) {
      List<Peer> peers = new ArrayList<>();
      Transactions.run(
          c,
          tx -> {
            try (PreparedStatement ps = tx.prepareStatement(UPSERT)) {
              ps.setString(1, id);
              ps.setLong(2, startedAt);
              ps.setLong(3, now);
              ps.setString(4, counters);
              ps.executeUpdate();
            }
            try (PreparedStatement ps =
                tx.prepareStatement("DELETE FROM gateway_instances WHERE last_seen < ?")) {
              ps.setLong(1, now - FORGET_AFTER_MILLIS);
              ps.executeUpdate();
            }
            try (PreparedStatement ps =
                tx.prepareStatement(
                    "SELECT id, last_seen, counters FROM gateway_instances"
                        + " WHERE id <> ? AND last_seen >= ? ORDER BY id")) {
              ps.setString(1, id);
              ps.setLong(2, now - aliveMillis);
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  peers.add(new Peer(rs.getString(1), rs.getLong(2), rs.getString(3)));
                }
              }
            }
          });
      return List.copyOf(peers);
    } catch (SQLException e) {
      throw new StoreException("cannot record this gateway instance: " + SpendSql.describe(e), e);
    }
  }

  /** Removes instance {@code id}'s row, at a clean shutdown. */
  public void leave(String id) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM gateway_instances WHERE id = ?")) {
      ps.setString(1, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot remove this gateway instance: " + SpendSql.describe(e), e);
    }
  }
}
