package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Comparator;
import java.util.TreeMap;

/**
 * The SQL of {@code spend_daily}, the daily rollup of {@code spend_logs} (migration V11): one row
 * per UTC day, team ({@code ''} for none) and model group, holding the sums a {@link
 * SpendQueries.Group} reports. The spend writer adds the rows it inserts in their transaction, so
 * the rollup always equals the sums over the log. Stateless; callers bring the connection.
 */
final class SpendRollup {
  static final long DAY_MILLIS = 86_400_000L;

  /**
   * The summed columns, in the order {@link JdbcSpendQueries} reads a group's figures: requests,
   * known cost, the five token counts, then the same for rows of unknown cost, then estimated usage
   * and cache hits.
   */
  static final String SUMS =
      "requests, cost_nanos, input_tokens, output_tokens, cache_read_tokens,"
          + " cache_creation_tokens, reasoning_tokens, unknown_cost_requests, unknown_input_tokens,"
          + " unknown_output_tokens, unknown_cache_read_tokens, unknown_cache_creation_tokens,"
          + " unknown_reasoning_tokens, estimated_requests, estimated_cost_nanos, cache_hits,"
          + " cache_saved_nanos";

  private static final int COUNT = 17;

  private static final String UPSERT = upsert();

  private SpendRollup() {}

  private static String upsert() {
    StringBuilder sql =
        new StringBuilder("INSERT INTO spend_daily (day, team_id, model_group, ")
            .append(SUMS)
            .append(") VALUES (?, ?, ?")
            .append(", ?".repeat(COUNT))
            .append(") ON CONFLICT (day, team_id, model_group) DO UPDATE SET ");
    String[] columns = SUMS.split(", ");
    for (int i = 0; i < columns.length; i++) {
      sql.append(i == 0 ? "" : ", ")
          .append(columns[i])
          .append(" = spend_daily.")
          .append(columns[i])
          .append(" + excluded.")
          .append(columns[i]);
    }
    return sql.toString();
  }

  /** One rollup row's key. */
  private record Key(long day, String teamId, String modelGroup) {}

  private static final Comparator<Key> ORDER =
      Comparator.comparingLong(Key::day).thenComparing(Key::teamId).thenComparing(Key::modelGroup);

  /**
   * Adds {@code records} (each stored by this transaction, none before) to their days' rows. Rows
   * are upserted in key order, so two writers sharing a PostgreSQL database lock them in the same
   * order and never deadlock.
   */
  static void add(Connection c, Collection<SpendRecord> records) throws SQLException {
    if (records.isEmpty()) {
      return;
    }
    TreeMap<Key, long[]> sums = new TreeMap<>(ORDER);
    for (SpendRecord r : records) {
      Key k =
          new Key(
              Math.floorDiv(r.startedAtMillis(), DAY_MILLIS),
              r.teamId().orElse(""),
              r.modelGroup());
      add(sums.computeIfAbsent(k, x -> new long[COUNT]), r);
    }
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      for (var e : sums.entrySet()) {
        ps.setLong(1, e.getKey().day());
        ps.setString(2, e.getKey().teamId());
        ps.setString(3, e.getKey().modelGroup());
        long[] s = e.getValue();
        for (int i = 0; i < COUNT; i++) {
          ps.setLong(4 + i, s[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void add(long[] s, SpendRecord r) {
    boolean unknown = r.costNanos().isEmpty();
    long cost = r.costNanos().orElse(0);
    long[] tokens = {
      r.inputTokens(),
      r.outputTokens(),
      r.cacheReadTokens(),
      r.cacheCreationTokens(),
      r.reasoningTokens()
    };
    s[0]++;
    s[1] = Math.addExact(s[1], cost);
    for (int i = 0; i < 5; i++) {
      s[2 + i] = Math.addExact(s[2 + i], tokens[i]);
      if (unknown) {
        s[8 + i] = Math.addExact(s[8 + i], tokens[i]);
      }
    }
    if (unknown) {
      s[7]++;
    }
    if (r.usageSource() == UsageSource.ESTIMATED) {
      s[13]++;
      s[14] = Math.addExact(s[14], cost);
    }
    if (r.cacheHit().isPresent()) {
      s[15]++;
      s[16] = Math.addExact(s[16], r.cacheHit().get().savedNanos().orElse(0));
    }
  }
}
