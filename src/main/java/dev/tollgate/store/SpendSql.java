package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQL of {@code spend_logs}: idempotent batch inserts (with their tags and daily rollup), row
 * mapping, and telling a bad record from a database that is away. Stateless; callers bring the
 * connection.
 */
final class SpendSql {
  static final String COLUMNS =
      "request_id, started_at, key_hash, user_id, team_id, organization_id, customer_id, tags,"
          + " model_group, deployment_id, provider_model, price_state, price_source, input_tokens,"
          + " output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens,"
          + " cost_nanos, usage_reported, status, error_type, latency_ms, stream, usage_source,"
          + " attempts, cache_hit, cache_saved_nanos";

  private static final String INSERT_LOG =
      "INSERT INTO spend_logs ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (request_id) DO NOTHING";

  private static final String INSERT_TAG =
      "INSERT INTO spend_log_tags (request_id, tag, started_at, key_hash, user_id, team_id,"
          + " model_group) VALUES (?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (request_id, tag) DO NOTHING";

  private SpendSql() {}

  /** Work run in the insert's transaction, after the rows. */
  @FunctionalInterface
  interface After {
    /**
     * @param storedBefore the request ids of the batch that were stored before it, whose rows the
     *     insert skipped
     */
    void run(Connection c, Set<String> storedBefore) throws SQLException;
  }

  /**
   * Inserts the records in one transaction, and adds the new ones to the daily rollup in it. A
   * record whose request id is already stored is skipped, so writing a batch again never counts it
   * twice.
   */
  static void insert(Connection c, List<SpendRecord> records) throws SQLException {
    insert(c, records, (tx, stored) -> {});
  }

  /** {@link #insert}, with {@code more} run in the same transaction, after the rows. */
  static void insert(Connection c, List<SpendRecord> records, After more) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      List<String> ids = new ArrayList<>(records.size());
      records.forEach(r -> ids.add(r.requestId()));
      Set<String> stored = alreadyStored(c, ids);
      // The rows this batch adds: the first of each request id not stored before.
      Map<String, SpendRecord> fresh = new LinkedHashMap<>();
      boolean anyTags = false;
      try (PreparedStatement ps = c.prepareStatement(INSERT_LOG)) {
        for (SpendRecord r : records) {
          bind(ps, r);
          ps.addBatch();
          anyTags |= !r.tags().isEmpty();
          if (!stored.contains(r.requestId())) {
            fresh.putIfAbsent(r.requestId(), r);
          }
        }
        ps.executeBatch();
      }
      if (anyTags) {
        try (PreparedStatement ps = c.prepareStatement(INSERT_TAG)) {
          for (SpendRecord r : records) {
            for (String tag : r.tags().size() < 2 ? r.tags() : new LinkedHashSet<>(r.tags())) {
              ps.setString(1, r.requestId());
              ps.setString(2, tag);
              ps.setLong(3, r.startedAtMillis());
              // What the other filters of a tagged search test (V13): see JdbcSpendQueries.
              ps.setString(4, r.keyHash());
              ps.setString(5, r.userId().orElse(null));
              ps.setString(6, r.teamId().orElse(null));
              ps.setString(7, r.modelGroup());
              ps.addBatch();
            }
          }
          ps.executeBatch();
        }
      }
      SpendRollup.add(c, fresh.values());
      more.run(c, stored);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(autoCommit);
      } catch (SQLException ignored) {
        // the connection is broken; the pool will discard it
      }
    }
  }

  /** The request ids among {@code ids} that {@code spend_logs} already holds. */
  static Set<String> alreadyStored(Connection c, List<String> ids) throws SQLException {
    Set<String> out = new HashSet<>();
    for (int from = 0; from < ids.size(); from += 500) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
      StringBuilder sql =
          new StringBuilder("SELECT request_id FROM spend_logs WHERE request_id IN (");
      for (int i = 0; i < chunk.size(); i++) {
        sql.append(i == 0 ? "?" : ", ?");
      }
      try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      }
    }
    return out;
  }

  private static void bind(PreparedStatement ps, SpendRecord r) throws SQLException {
    int i = 1;
    ps.setString(i++, r.requestId());
    ps.setLong(i++, r.startedAtMillis());
    ps.setString(i++, r.keyHash());
    setOptional(ps, i++, r.userId());
    setOptional(ps, i++, r.teamId());
    setOptional(ps, i++, r.organizationId());
    setOptional(ps, i++, r.customerId());
    ps.setString(i++, SpendRecordJson.tags(r.tags()));
    ps.setString(i++, r.modelGroup());
    setOptional(ps, i++, r.deploymentId());
    setOptional(ps, i++, r.providerModel());
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
    setOptional(ps, i++, r.errorType());
    ps.setLong(i++, r.latencyMillis());
    ps.setBoolean(i++, r.stream());
    ps.setString(i++, r.usageSource().wire());
    if (r.attempts().isEmpty()) {
      ps.setNull(i++, Types.VARCHAR);
    } else {
      ps.setString(i++, SpendRecordJson.attempts(r.attempts()));
    }
    ps.setBoolean(i++, r.cacheHit().isPresent());
    OptionalLong saved =
        r.cacheHit().isPresent() ? r.cacheHit().get().savedNanos() : OptionalLong.empty();
    if (saved.isPresent()) {
      ps.setLong(i, saved.getAsLong());
    } else {
      ps.setNull(i, Types.BIGINT);
    }
  }

  private static void setOptional(PreparedStatement ps, int i, Optional<String> v)
      throws SQLException {
    if (v.isPresent()) {
      ps.setString(i, v.get());
    } else {
      ps.setNull(i, Types.VARCHAR);
    }
  }

  /** The record in the current row of a result set selecting {@link #COLUMNS}. */
  static SpendRecord read(ResultSet rs) throws SQLException {
    long cost = rs.getLong("cost_nanos");
    OptionalLong costNanos = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(cost);
    return new SpendRecord(
            rs.getString("request_id"),
            rs.getLong("started_at"),
            rs.getString("key_hash"),
            optional(rs, "user_id"),
            optional(rs, "team_id"),
            optional(rs, "organization_id"),
            optional(rs, "customer_id"),
            SpendRecordJson.parseTags(rs.getString("tags")),
            rs.getString("model_group"),
            optional(rs, "deployment_id"),
            optional(rs, "provider_model"),
            rs.getString("price_state"),
            rs.getString("price_source"),
            rs.getLong("input_tokens"),
            rs.getLong("output_tokens"),
            rs.getLong("cache_read_tokens"),
            rs.getLong("cache_creation_tokens"),
            rs.getLong("reasoning_tokens"),
            costNanos,
            UsageSource.fromWire(rs.getString("usage_source")),
            rs.getInt("status"),
            optional(rs, "error_type"),
            rs.getLong("latency_ms"),
            rs.getBoolean("stream"),
            SpendRecordJson.parseAttempts(rs.getString("attempts")))
        .withCacheHit(cacheHit(rs));
  }

  /** The row's cache hit, if the response cache answered it. */
  private static Optional<SpendRecord.CacheHit> cacheHit(ResultSet rs) throws SQLException {
    if (!rs.getBoolean("cache_hit")) {
      return Optional.empty();
    }
    long saved = rs.getLong("cache_saved_nanos");
    return Optional.of(
        new SpendRecord.CacheHit(rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(saved)));
  }

  private static Optional<String> optional(ResultSet rs, String column) throws SQLException {
    return Optional.ofNullable(rs.getString(column));
  }

  private static final Set<Integer> SQLITE_BAD_DATA =
      Set.of(
          SQLiteErrorCode.SQLITE_CONSTRAINT.code,
          SQLiteErrorCode.SQLITE_MISMATCH.code,
          SQLiteErrorCode.SQLITE_TOOBIG.code,
          SQLiteErrorCode.SQLITE_RANGE.code);

  /**
   * The most specific message of the error: for a failed batch, the database's own error rather
   * than the driver's summary of the statement.
   */
  static String describe(SQLException e) {
    SQLException last = e;
    for (int i = 0; i < 8 && last.getNextException() != null; i++) {
      last = last.getNextException();
    }
    String m = last.getMessage() != null ? last.getMessage() : e.getMessage();
    return m != null ? m : e.toString();
  }

  /**
   * Whether the error is about the data written (a constraint or data exception), so writing the
   * same record again can never succeed; anything else (connection lost, database shutting down,
   * disk full, locked) may pass and is retried.
   */
  static boolean isBadData(SQLException e) {
    return isBadData(e, 0);
  }

  private static boolean isBadData(@Nullable Throwable t, int depth) {
    if (t == null || depth > 8) {
      return false;
    }
    if (t instanceof SQLiteException s) {
      if (SQLITE_BAD_DATA.contains(s.getResultCode().code & 0xff)) {
        return true;
      }
    } else if (t instanceof SQLException s && s.getSQLState() != null) {
      String state = s.getSQLState();
      if (state.startsWith("22") || state.startsWith("23")) {
        return true;
      }
    }
    if (t instanceof SQLException s
        && s.getNextException() != null
        && isBadData(s.getNextException(), depth + 1)) {
      return true;
    }
    return t.getCause() != t && isBadData(t.getCause(), depth + 1);
  }
}
