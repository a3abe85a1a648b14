package dev.tollgate.store;

import dev.tollgate.governance.Actor;
import dev.tollgate.governance.AuditEvent;
import dev.tollgate.governance.AuditLog;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link AuditLog} on the {@code audit_log} table. Blocking; thread-safe (one connection a call).
 */
final class JdbcAuditLog implements AuditLog {
  private static final String INSERT =
      "INSERT INTO audit_log (id, updated_at, changed_by, changed_by_api_key, route, action,"
          + " table_name, object_id, before_value, updated_values)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String COLUMNS =
      "id, updated_at, changed_by, changed_by_api_key, route, action, table_name, object_id,"
          + " before_value, updated_values";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DataSource pool;
  private final Clock clock;

  JdbcAuditLog(DataSource pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  @Override
  public void append(List<AuditEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    try (Connection c = pool.getConnection()) {
      Transactions.run(c, tx -> insert(tx, events, clock.millis()));
    } catch (SQLException e) {
      throw new StoreException(
          "cannot write " + events.size() + " audit records: " + SpendSql.describe(e), e);
    }
  }

  /** Writes {@code events} on {@code c}, inside the caller's transaction. */
  static void insert(Connection c, List<AuditEvent> events, long nowMillis) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (AuditEvent e : events) {
        ps.setString(1, timeOrderedId(nowMillis));
        ps.setLong(2, nowMillis);
        ps.setString(3, e.actor().changedBy());
        ps.setString(4, e.actor().apiKeyHash());
        ps.setString(5, e.actor().route());
        ps.setString(6, e.action());
        ps.setString(7, e.table());
        ps.setString(8, e.objectId());
        ps.setString(9, e.before().orElse(null));
        ps.setString(10, e.after().orElse(null));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  @Override
  public Page page(Query q) {
    List<Object> args = new ArrayList<>();
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    filter(where, args, "changed_by", q.changedBy());
    filter(where, args, "changed_by_api_key", q.changedByApiKey());
    filter(where, args, "action", q.action());
    filter(where, args, "table_name", q.table());
    filter(where, args, "object_id", q.objectId());
    if (q.fromMillis().isPresent()) {
      where.append(" AND updated_at >= ?");
      args.add(q.fromMillis().getAsLong());
    }
    if (q.toMillis().isPresent()) {
      where.append(" AND updated_at <= ?");
      args.add(q.toMillis().getAsLong());
    }
    try (Connection c = pool.getConnection()) {
      long total;
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_log" + where)) {
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      List<AuditRecord> records = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + COLUMNS
                  + " FROM audit_log"
                  + where
                  + " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?")) {
        List<Object> all = new ArrayList<>(args);
        all.add(q.pageSize());
        all.add((long) (q.page() - 1) * q.pageSize());
        bind(ps, all);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            records.add(read(rs));
          }
        }
      }
      return new Page(records, total);
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log: " + SpendSql.describe(e), e);
    }
  }

  @Override
  public Optional<AuditRecord> find(String id) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT " + COLUMNS + " FROM audit_log WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log: " + SpendSql.describe(e), e);
    }
  }

  private static void filter(
      StringBuilder where, List<Object> args, String column, Optional<String> value) {
    if (value.isPresent()) {
      where.append(" AND ").append(column).append(" = ?");
      args.add(value.get());
    }
  }

  private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof String s) {
        ps.setString(i + 1, s);
      } else if (a instanceof Integer n) {
        ps.setInt(i + 1, n);
      } else {
        ps.setLong(i + 1, (Long) a);
      }
    }
  }

  private static AuditRecord read(ResultSet rs) throws SQLException {
    return new AuditRecord(
        rs.getString(1),
        rs.getLong(2),
        new AuditEvent(
            new Actor(rs.getString(3), rs.getString(4), rs.getString(5)),
            rs.getString(6),
            rs.getString(7),
            rs.getString(8),
            Optional.ofNullable(rs.getString(9)),
            Optional.ofNullable(rs.getString(10))));
  }

  /** A version 7 UUID: the time in its first 48 bits, so ids sort by time. */
  private static String timeOrderedId(long nowMillis) {
    long msb = (nowMillis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0FFFL);
    long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}
