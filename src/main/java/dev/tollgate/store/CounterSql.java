package dev.tollgate.store;

import dev.tollgate.budget.Charge;
import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.CounterState;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.governance.BudgetDuration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL that keeps {@code budget_counters} equal to the spend log: each batch of spend rows
 * records which counters every row was charged to ({@code spend_charges}) and moves those counters,
 * in the caller's transaction; and a counter can be counted again from the rows charged to it since
 * it started. Stateless; callers bring the connection.
 *
 * <p>A counter's stored state follows the meter's rules ({@code Meter.Kind.SPEND}): a charge in the
 * counter's window adds to it; a charge after the window's end starts the next window; a duration
 * added to a lifetime counter starts a window at the charge; a changed duration moves only the end.
 * A charge settled before the counter's {@code since} (a reset, or a newer window, written first by
 * another instance) is not added: the counter is then counted again from the charges since its
 * {@code since}, which is exact and rare.
 */
final class CounterSql {
  private CounterSql() {}

  static final String NO_END = Long.toString(CounterState.NO_END);

  /** The rows charged to the counter being updated, from {@code :since} on. */
  private static final String CHARGED =
      " FROM spend_charges c JOIN spend_logs l ON l.request_id = c.request_id"
          + " WHERE c.level = budget_counters.level AND c.entity_id = budget_counters.entity_id"
          + " AND c.sub = budget_counters.sub AND c.settled_at >= :since";

  private static final String TOKENS =
      "l.input_tokens + l.output_tokens + l.cache_read_tokens + l.cache_creation_tokens";

  /** Spend, unpriced requests and unpriced tokens of the rows charged since {@code :since}. */
  private static String counted(String since) {
    String from = CHARGED.replace(":since", since);
    return "(SELECT COALESCE(SUM(l.cost_nanos), 0)"
        + from
        + ")|(SELECT COUNT(*)"
        + from
        + " AND l.cost_nanos IS NULL)|(SELECT COALESCE(SUM("
        + TOKENS
        + "), 0)"
        + from
        + " AND l.cost_nanos IS NULL)";
  }

  private static final String[] RECOUNT_SINCE = counted("budget_counters.since_ms").split("\\|");

  private static final String FRESH =
      "(:m >= end_ms OR (end_ms = " + NO_END + " AND :we <> " + NO_END + "))";

  private static final String MOVES = "(" + FRESH + " OR :m >= since_ms)";

  private static String amount(String column, String add, String recount) {
    return column
        + " = CASE WHEN "
        + FRESH
        + " THEN "
        + add
        + " WHEN :m >= since_ms THEN "
        + column
        + " + "
        + add
        + " ELSE "
        + recount
        + " END";
  }

  /** Moves one counter by a group of charges in one window; see the class comment. */
  private static final Named CHARGE =
      new Named(
          "UPDATE budget_counters SET since_ms = CASE WHEN :m >= end_ms THEN :ws"
              + " WHEN end_ms = "
              + NO_END
              + " AND :we <> "
              + NO_END
              + " THEN :m ELSE since_ms END, "
              + amount("spend_nanos", ":spend", RECOUNT_SINCE[0])
              + ", "
              + amount("unpriced_requests", ":upr", RECOUNT_SINCE[1])
              + ", "
              + amount("unpriced_tokens", ":upt", RECOUNT_SINCE[2])
              + ", soft_alerted = CASE WHEN "
              + FRESH
              + " THEN :spend >= :soft WHEN :m >= since_ms"
              + " THEN (soft_alerted OR spend_nanos + :spend >= :soft) ELSE soft_alerted END,"
              + " end_ms = CASE WHEN "
              + MOVES
              + " THEN :we ELSE end_ms END,"
              + " duration = CASE WHEN "
              + MOVES
              + " THEN :dur ELSE duration END, updated_at = :now"
              + " WHERE level = :level AND entity_id = :id AND sub = :sub");

  /** Creates a counter a charge finds missing, empty, in the charge's window. */
  private static final String CREATE =
      "INSERT INTO budget_counters (level, entity_id, sub, duration, since_ms, end_ms, spend_nanos,"
          + " unpriced_requests, unpriced_tokens, soft_alerted, updated_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, FALSE, ?)"
          + " ON CONFLICT (level, entity_id, sub) DO NOTHING";

  private static final String INSERT_CHARGE =
      "INSERT INTO spend_charges (level, entity_id, sub, settled_at, request_id)"
          + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

  /** Restarts a counter at {@code :since}, counting the rows charged to it from then on. */
  private static final Named RESTART;

  static {
    String[] c = counted(":since").split("\\|");
    RESTART =
        new Named(
            "UPDATE budget_counters SET since_ms = :since, end_ms = :we, duration = :dur,"
                + " spend_nanos = "
                + c[0]
                + ", unpriced_requests = "
                + c[1]
                + ", unpriced_tokens = "
                + c[2]
                + ", soft_alerted = FALSE, updated_at = :now"
                + " WHERE level = :level AND entity_id = :id AND sub = :sub");
  }

  /** Counts a counter again from the rows charged to it since its {@code since}. */
  private static final Named RECOUNT =
      new Named(
          "UPDATE budget_counters SET spend_nanos = "
              + RECOUNT_SINCE[0]
              + ", unpriced_requests = "
              + RECOUNT_SINCE[1]
              + ", unpriced_tokens = "
              + RECOUNT_SINCE[2]
              + ", updated_at = :now WHERE level = :level AND entity_id = :id AND sub = :sub");

  /** What the rows charged to one counter since {@code since} add up to. */
  private static final String SUMS =
      "SELECT COALESCE(SUM(l.cost_nanos), 0),"
          + " COALESCE(SUM(CASE WHEN l.cost_nanos IS NULL THEN 1 ELSE 0 END), 0),"
          + " COALESCE(SUM(CASE WHEN l.cost_nanos IS NULL THEN "
          + TOKENS
          + " ELSE 0 END), 0)"
          + " FROM spend_charges c JOIN spend_logs l ON l.request_id = c.request_id"
          + " WHERE c.level = ? AND c.entity_id = ? AND c.sub = ? AND c.settled_at >= ?";

  /** One record to be written, with the counters its settlement charged. */
  record Charged(SpendRecord record, dev.tollgate.budget.Charges charges) {}

  /** The charges of a batch against one counter in one window, added up. */
  private static final class Group {
    final Charge charge;
    long firstSettled = Long.MAX_VALUE;
    long spend;
    long unpricedRequests;
    long unpricedTokens;

    Group(Charge charge) {
      this.charge = charge;
    }
  }

  private record GroupKey(CounterKey key, long windowStart, long windowEnd) {}

  /**
   * Records which counters each of {@code records} was charged to and moves those counters, in the
   * caller's transaction, after the records' rows were inserted. Only records that were not stored
   * before may be passed, so that a batch written twice moves its counters once. One statement
   * batch per table: the charges, the counters to create, and one update per counter and window.
   */
  static void charge(Connection c, List<Charged> records, long now) throws SQLException {
    Map<GroupKey, Group> groups = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(INSERT_CHARGE)) {
      for (Charged ch : records) {
        SpendRecord r = ch.record();
        long settled = ch.charges().settledAtMillis();
        for (Charge k : ch.charges().counters()) {
          ps.setString(1, k.key().level().wire());
          ps.setString(2, k.key().id());
          ps.setString(3, k.key().sub());
          ps.setLong(4, settled);
          ps.setString(5, r.requestId());
          ps.addBatch();
          Group g =
              groups.computeIfAbsent(
                  new GroupKey(k.key(), k.windowStart(), k.windowEnd()), x -> new Group(k));
          g.firstSettled = Math.min(g.firstSettled, settled);
          if (r.costNanos().isPresent()) {
            g.spend = Math.addExact(g.spend, r.costNanos().getAsLong());
          } else {
            g.unpricedRequests++;
            g.unpricedTokens =
                Math.addExact(
                    g.unpricedTokens,
                    r.inputTokens()
                        + r.outputTokens()
                        + r.cacheReadTokens()
                        + r.cacheCreationTokens());
          }
        }
      }
      if (groups.isEmpty()) {
        return;
      }
      ps.executeBatch();
    }
    List<Group> ordered = new ArrayList<>(groups.values());
    ordered.sort((a, b) -> Long.compare(a.firstSettled, b.firstSettled));
    Map<CounterKey, Group> first = new LinkedHashMap<>();
    ordered.forEach(g -> first.putIfAbsent(g.charge.key(), g));
    try (PreparedStatement ps = c.prepareStatement(CREATE)) {
      for (Group g : first.values()) {
        Charge k = g.charge;
        bindKey(ps, 1, k.key());
        setDuration(ps, 4, k.duration());
        ps.setLong(5, k.windowStart());
        ps.setLong(6, k.windowEnd());
        ps.setLong(7, now);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps = c.prepareStatement(CHARGE.sql())) {
      for (Group g : ordered) {
        Charge k = g.charge;
        CHARGE.bind(
            ps,
            Map.ofEntries(
                Map.entry("m", g.firstSettled),
                Map.entry("ws", k.windowStart()),
                Map.entry("we", k.windowEnd()),
                Map.entry("spend", g.spend),
                Map.entry("upr", g.unpricedRequests),
                Map.entry("upt", g.unpricedTokens),
                Map.entry("soft", k.softLimit()),
                Map.entry("dur", k.duration().map(BudgetDuration::text)),
                Map.entry("now", now),
                Map.entry("level", k.key().level().wire()),
                Map.entry("id", k.key().id()),
                Map.entry("sub", k.key().sub())));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Restarts each counter at its {@code sinceMillis}, in its window, counting what the spend log
   * has charged to it since; in the caller's transaction. Returns the stored states.
   */
  static List<CounterState> restart(Connection c, List<CounterState> counters, long now)
      throws SQLException {
    try (PreparedStatement create = c.prepareStatement(CREATE);
        PreparedStatement ps = c.prepareStatement(RESTART.sql())) {
      for (CounterState s : counters) {
        bindKey(create, 1, s.key());
        setDuration(create, 4, s.duration());
        create.setLong(5, s.sinceMillis());
        create.setLong(6, s.endMillis());
        create.setLong(7, now);
        create.addBatch();
        RESTART.bind(
            ps,
            Map.of(
                "since", s.sinceMillis(),
                "we", s.endMillis(),
                "dur", s.duration().map(BudgetDuration::text),
                "now", now,
                "level", s.key().level().wire(),
                "id", s.key().id(),
                "sub", s.key().sub()));
        ps.addBatch();
      }
      create.executeBatch();
      ps.executeBatch();
    }
    List<CounterState> out = new ArrayList<>(counters.size());
    for (CounterState s : counters) {
      out.add(JdbcCounterStore.load(c, s.key()).orElseThrow());
    }
    return out;
  }

  /**
   * A stored counter that disagreed with the spend rows charged to it since its {@code since}, and
   * what it was corrected to.
   */
  record Correction(CounterState stored, CounterState counted) {}

  /**
   * Counts every counter whose window is current at {@code now} again from the spend rows charged
   * to it since its {@code since}, and corrects those that disagree; in the caller's transaction.
   * One index range scan of {@code spend_charges} per counter (its primary key), joined to the rows
   * by their primary key.
   */
  static List<Correction> reconcile(Connection c, Collection<CounterState> stored, long now)
      throws SQLException {
    List<Correction> out = new ArrayList<>();
    try (PreparedStatement sums = c.prepareStatement(SUMS)) {
      for (CounterState s : stored) {
        if (s.endMillis() <= now) {
          continue; // the next charge starts a new window; nothing reads this one's spend
        }
        bindKey(sums, 1, s.key());
        sums.setLong(4, s.sinceMillis());
        try (ResultSet rs = sums.executeQuery()) {
          rs.next();
          long spend = rs.getLong(1);
          long upr = rs.getLong(2);
          long upt = rs.getLong(3);
          if (spend != s.spendNanos() || upr != s.unpricedRequests() || upt != s.unpricedTokens()) {
            out.add(
                new Correction(
                    s,
                    new CounterState(
                        s.key(),
                        s.duration(),
                        s.sinceMillis(),
                        s.endMillis(),
                        spend,
                        upr,
                        upt,
                        s.softAlerted())));
          }
        }
      }
    }
    if (out.isEmpty()) {
      return out;
    }
    try (PreparedStatement ps = c.prepareStatement(RECOUNT.sql())) {
      for (Correction k : out) {
        CounterKey key = k.stored().key();
        RECOUNT.bind(
            ps, Map.of("now", now, "level", key.level().wire(), "id", key.id(), "sub", key.sub()));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return out;
  }

  private static void bindKey(PreparedStatement ps, int from, CounterKey k) throws SQLException {
    ps.setString(from, k.level().wire());
    ps.setString(from + 1, k.id());
    ps.setString(from + 2, k.sub());
  }

  private static void setDuration(PreparedStatement ps, int i, Optional<BudgetDuration> d)
      throws SQLException {
    if (d.isPresent()) {
      ps.setString(i, d.get().text());
    } else {
      ps.setNull(i, Types.VARCHAR);
    }
  }

  /**
   * SQL written with {@code :name} parameters, turned into JDBC's positional ones: the statements
   * above use some values several times.
   */
  record Named(String sql, List<String> names) {
    Named(String text) {
      this(text.replaceAll(":([a-z]+)", "?"), names(text));
    }

    private static List<String> names(String text) {
      List<String> out = new ArrayList<>();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(":([a-z]+)").matcher(text);
      while (m.find()) {
        out.add(m.group(1));
      }
      return List.copyOf(out);
    }

    /** Binds each position to its named value: a Long, a String, or an Optional String. */
    void bind(PreparedStatement ps, Map<String, ?> values) throws SQLException {
      for (int i = 0; i < names.size(); i++) {
        Object v = values.get(names.get(i));
        switch (v) {
          case Long l -> ps.setLong(i + 1, l);
          case String s -> ps.setString(i + 1, s);
          case Optional<?> o when o.isPresent() -> ps.setString(i + 1, (String) o.get());
          case Optional<?> o -> ps.setNull(i + 1, Types.VARCHAR);
          case null -> throw new IllegalArgumentException("no value for :" + names.get(i));
          default -> throw new IllegalArgumentException("cannot bind " + v.getClass());
        }
      }
    }
  }
}
