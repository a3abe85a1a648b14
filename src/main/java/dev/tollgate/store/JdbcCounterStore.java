package dev.tollgate.store;

import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.CounterState;
import dev.tollgate.budget.CounterStore;
import dev.tollgate.budget.Level;
import dev.tollgate.governance.BudgetDuration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link CounterStore} on the {@code budget_counters} table, one row per {@link CounterKey}.
 * Blocking; thread-safe (one connection a call).
 */
final class JdbcCounterStore implements CounterStore {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(JdbcCounterStore.class);

  private static final String COLUMNS =
      "level, entity_id, sub, duration, since_ms, end_ms, spend_nanos, unpriced_requests,"
          + " unpriced_tokens, soft_alerted";

  private static final String UPSERT =
      "INSERT INTO budget_counters ("
          + COLUMNS
          + ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (level, entity_id, sub) DO UPDATE SET duration = excluded.duration,"
          + " since_ms = excluded.since_ms, end_ms = excluded.end_ms,"
          + " spend_nanos = excluded.spend_nanos,"
          + " unpriced_requests = excluded.unpriced_requests,"
          + " unpriced_tokens = excluded.unpriced_tokens, soft_alerted = excluded.soft_alerted,"
          + " updated_at = excluded.updated_at"
          // Several instances save the same shared counter, each as it read it: an older view
          // (an earlier start, or less spend since the same start) never replaces a newer one.
          + " WHERE excluded.since_ms > budget_counters.since_ms"
          + " OR (excluded.since_ms = budget_counters.since_ms"
          + " AND excluded.spend_nanos >= budget_counters.spend_nanos)";

  private final DataSource pool;
  private final Clock clock;

  JdbcCounterStore(DataSource pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails, or a row cannot be read back (naming it): a
   *     counter is never skipped, since that would forget spend
   */
  @Override
  public List<CounterState> loadCounters() {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + COLUMNS + " FROM budget_counters ORDER BY level, entity_id, sub");
        ResultSet rs = ps.executeQuery()) {
      List<CounterState> out = new ArrayList<>();
      while (rs.next()) {
        out.add(read(rs));
      }
      return List.copyOf(out);
    } catch (SQLException e) {
      throw new StoreException("cannot load the budget counters: " + SpendSql.describe(e), e);
    }
  }

  /** One stored counter, read on the caller's connection. */
  static Optional<CounterState> load(Connection c, CounterKey key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + COLUMNS
                + " FROM budget_counters WHERE level = ? AND entity_id = ? AND sub = ?")) {
      ps.setString(1, key.level().wire());
      ps.setString(2, key.id());
      ps.setString(3, key.sub());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  @Override
  public List<CounterState> restartCounters(List<CounterState> counters) {
    Objects.requireNonNull(counters, "counters");
    if (counters.isEmpty()) {
      return List.of();
    }
    List<List<CounterState>> out = new ArrayList<>(1);
    try (Connection c = pool.getConnection()) {
      Transactions.run(c, tx -> out.add(CounterSql.restart(tx, counters, clock.millis())));
    } catch (SQLException e) {
      throw new StoreException(
          "cannot reset " + counters.size() + " budget counters: " + SpendSql.describe(e), e);
    }
    return out.get(0);
  }

  /**
   * Counts every counter of a current window again from the spend rows charged to it, corrects each
   * that disagrees, and logs each correction. Blocks; call at start, before {@link #loadCounters}.
   */
  List<CounterSql.Correction> reconcile(long now) {
    List<CounterState> stored = loadCounters();
    List<List<CounterSql.Correction>> out = new ArrayList<>(1);
    try (Connection c = pool.getConnection()) {
      Transactions.run(c, tx -> out.add(CounterSql.reconcile(tx, stored, now)));
    } catch (SQLException e) {
      throw new StoreException("cannot check the budget counters: " + SpendSql.describe(e), e);
    }
    for (CounterSql.Correction k : out.get(0)) {
      LOG.warn(
          "budget counter {} disagreed with the spend log and was corrected: spend {} -> {}"
              + " nano-USD, unpriced requests {} -> {}, unpriced tokens {} -> {} (counting since {})",
          k.stored().key(),
          k.stored().spendNanos(),
          k.counted().spendNanos(),
          k.stored().unpricedRequests(),
          k.counted().unpricedRequests(),
          k.stored().unpricedTokens(),
          k.counted().unpricedTokens(),
          java.time.Instant.ofEpochMilli(k.stored().sinceMillis()));
    }
    return out.get(0);
  }

  private static CounterState read(ResultSet rs) throws SQLException {
    String level = rs.getString("level");
    String id = rs.getString("entity_id");
    String sub = rs.getString("sub");
    try {
      String duration = rs.getString("duration");
      return new CounterState(
          new CounterKey(level(level), id, sub),
          duration == null
              ? Optional.empty()
              : Optional.of(GovernanceJson.duration("duration", duration)),
          rs.getLong("since_ms"),
          rs.getLong("end_ms"),
          rs.getLong("spend_nanos"),
          rs.getLong("unpriced_requests"),
          rs.getLong("unpriced_tokens"),
          rs.getBoolean("soft_alerted"));
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          "budget_counters row ("
              + level
              + ", "
              + id
              + ", '"
              + sub
              + "') is unreadable: "
              + e.getMessage(),
          e);
    }
  }

  private static Level level(String wire) {
    for (Level l : Level.values()) {
      if (l.wire().equals(wire)) {
        return l;
      }
    }
    throw new IllegalArgumentException("unknown level '" + wire + "'");
  }

  @Override
  public void saveCounters(List<CounterState> states) {
    Objects.requireNonNull(states, "states");
    if (states.isEmpty()) {
      return;
    }
    // the last state of a key wins; one key twice in one multi-row upsert fails on PostgreSQL
    Map<CounterKey, CounterState> latest = new LinkedHashMap<>();
    states.forEach(s -> latest.put(s.key(), s));
    long now = clock.millis();
    try (Connection c = pool.getConnection()) {
      Transactions.run(
          c,
          tx -> {
            try (PreparedStatement ps = tx.prepareStatement(UPSERT)) {
              for (CounterState s : latest.values()) {
                bind(ps, s, now);
                ps.addBatch();
              }
              ps.executeBatch();
            }
          });
    } catch (SQLException e) {
      throw new StoreException(
          "cannot save " + states.size() + " budget counters: " + SpendSql.describe(e), e);
    }
  }

  private static void bind(PreparedStatement ps, CounterState s, long now) throws SQLException {
    int i = 1;
    ps.setString(i++, s.key().level().wire());
    ps.setString(i++, s.key().id());
    ps.setString(i++, s.key().sub());
    Optional<BudgetDuration> d = s.duration();
    if (d.isPresent()) {
      ps.setString(i++, d.get().text());
    } else {
      ps.setNull(i++, Types.VARCHAR);
    }
    ps.setLong(i++, s.sinceMillis());
    ps.setLong(i++, s.endMillis());
    ps.setLong(i++, s.spendNanos());
    ps.setLong(i++, s.unpricedRequests());
    ps.setLong(i++, s.unpricedTokens());
    ps.setBoolean(i++, s.softAlerted());
    ps.setLong(i, now);
  }
}
