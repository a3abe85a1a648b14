package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/** {@link SpendQueries} in portable SQL. Blocking; thread-safe (one connection a call). */
final class JdbcSpendQueries implements SpendQueries {
  private static final long DAY_MILLIS = SpendRollup.DAY_MILLIS;
  private static final int MAX_PAGE_SIZE = 10_000;

  /** {@link SpendSql#COLUMNS} of {@code spend_logs s}. */
  private static final String COLUMNS = "s." + SpendSql.COLUMNS.replace(", ", ", s.");

  /** The groupings that the daily rollup holds. */
  private static final Set<GroupBy> ROLLED_UP =
      EnumSet.of(GroupBy.DAY, GroupBy.TEAM, GroupBy.MODEL);

  private final DataSource pool;
  private final boolean postgres;

  JdbcSpendQueries(DataSource pool, Database.Kind kind) {
    this.pool = pool;
    this.postgres = kind == Database.Kind.POSTGRESQL;
  }

  @Override
  public Page spendLogs(Filter filter, int page, int pageSize) {
    Objects.requireNonNull(filter, "filter");
    if (page < 1) {
      throw new IllegalArgumentException("page must be 1 or more, got " + page);
    }
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new IllegalArgumentException(
          "page_size must be between 1 and " + MAX_PAGE_SIZE + ", got " + pageSize);
    }
    // Filtered by tag, the rows come from the tag's index range, which also holds started_at and
    // the key, user, team and model of each row (V13): the count, the other filters and the
    // newest-first order need no other row, and only the page's rows are joined.
    boolean byTag = filter.tag().isPresent();
    String time = byTag ? "t.started_at" : "s.started_at";
    String of = byTag ? " AND t." : " AND s.";
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    filter.tag().ifPresent(v -> condition(where, args, " AND t.tag = ?", v));
    filter.requestId().ifPresent(v -> condition(where, args, " AND s.request_id = ?", v));
    filter.keyHash().ifPresent(v -> condition(where, args, of + "key_hash = ?", v));
    filter.userId().ifPresent(v -> condition(where, args, of + "user_id = ?", v));
    filter.teamId().ifPresent(v -> condition(where, args, of + "team_id = ?", v));
    filter.model().ifPresent(v -> condition(where, args, of + "model_group = ?", v));
    filter.startMillis().ifPresent(v -> condition(where, args, " AND " + time + " >= ?", v));
    filter.endMillis().ifPresent(v -> condition(where, args, " AND " + time + " < ?", v));
    boolean rowFilters = filter.requestId().isPresent();
    String from =
        byTag
            ? " FROM spend_log_tags t JOIN spend_logs s ON s.request_id = t.request_id"
            : " FROM spend_logs s";

    try (Connection c = pool.getConnection()) {
      long total;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT COUNT(*)"
                  + (byTag && !rowFilters ? " FROM spend_log_tags t" : from)
                  + where)) {
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      List<SpendRecord> rows = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + COLUMNS
                  + from
                  + where
                  + " ORDER BY "
                  + time
                  + " DESC, "
                  + (byTag ? "t" : "s")
                  + ".request_id DESC LIMIT ? OFFSET ?")) {
        List<Object> all = new ArrayList<>(args);
        all.add((long) pageSize);
        all.add((long) (page - 1) * pageSize);
        bind(ps, all);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(SpendSql.read(rs));
          }
        }
      }
      return new Page(rows, total, page, pageSize);
    } catch (SQLException e) {
      throw new StoreException("cannot read the spend logs: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Group> globalSpendReport(long startMillis, long endMillis, List<GroupBy> groupBy) {
    if (groupBy.isEmpty()
        || groupBy.size() > 2
        || EnumSet.copyOf(groupBy).size() != groupBy.size()) {
      throw new IllegalArgumentException(
          "group by one or two different dimensions, got " + groupBy);
    }
    long firstDay = Math.ceilDiv(startMillis, DAY_MILLIS);
    long endDay = Math.floorDiv(endMillis, DAY_MILLIS);
    try (Connection c = pool.getConnection()) {
      List<Group> groups = new ArrayList<>();
      if (!ROLLED_UP.containsAll(groupBy) || firstDay >= endDay) {
        groups.addAll(fromLog(c, startMillis, endMillis, groupBy));
      } else {
        // Whole days from the rollup, the partial first and last day from the log, all read in one
        // snapshot so that a batch committed meanwhile is counted in both or neither.
        Transactions.run(
            c,
            tx -> {
              if (postgres) {
                try (Statement st = tx.createStatement()) {
                  st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
                }
              }
              groups.addAll(fromRollup(tx, firstDay, endDay, groupBy));
              if (startMillis < firstDay * DAY_MILLIS) {
                groups.addAll(fromLog(tx, startMillis, firstDay * DAY_MILLIS, groupBy));
              }
              if (endDay * DAY_MILLIS < endMillis) {
                groups.addAll(fromLog(tx, endDay * DAY_MILLIS, endMillis, groupBy));
              }
            });
      }
      return merged(groups);
    } catch (SQLException e) {
      throw new StoreException("cannot build the spend report: " + e.getMessage(), e);
    }
  }

  /** The report over {@code [startMillis, endMillis)} summed from the log's rows. */
  private static List<Group> fromLog(
      Connection c, long startMillis, long endMillis, List<GroupBy> groupBy) throws SQLException {
    List<String> keys = new ArrayList<>();
    for (GroupBy g : groupBy) {
      keys.add(
          switch (g) {
            case DAY -> "s.started_at / " + DAY_MILLIS;
            case TEAM -> "s.team_id";
            case KEY -> "s.key_hash";
            case MODEL -> "s.model_group";
            case USER -> "s.user_id";
            case TAG -> "t.tag";
          });
    }
    String keyList = String.join(", ", keys);
    String sql =
        "SELECT "
            + keyList
            + ", COUNT(*), COALESCE(SUM(s.cost_nanos), 0)"
            + sums(false)
            + ", SUM(CASE WHEN s.cost_nanos IS NULL THEN 1 ELSE 0 END)"
            + sums(true)
            + ", SUM(CASE WHEN s.usage_source = 'estimated' THEN 1 ELSE 0 END)"
            + ", COALESCE(SUM(CASE WHEN s.usage_source = 'estimated' THEN s.cost_nanos END), 0)"
            + ", SUM(CASE WHEN s.cache_hit THEN 1 ELSE 0 END)"
            + ", COALESCE(SUM(s.cache_saved_nanos), 0)"
            + " FROM spend_logs s"
            + (groupBy.contains(GroupBy.TAG)
                ? " LEFT JOIN spend_log_tags t ON t.request_id = s.request_id"
                : "")
            + " WHERE s.started_at >= ? AND s.started_at < ?"
            + " GROUP BY "
            + keyList;
    return groups(c, sql, startMillis, endMillis, groupBy);
  }

  /** The report over the UTC days {@code [firstDay, endDay)} summed from the daily rollup. */
  private static List<Group> fromRollup(
      Connection c, long firstDay, long endDay, List<GroupBy> groupBy) throws SQLException {
    List<String> keys = new ArrayList<>();
    for (GroupBy g : groupBy) {
      keys.add(
          switch (g) {
            case DAY -> "d.day";
            case TEAM -> "d.team_id";
            case MODEL -> "d.model_group";
            case KEY, USER, TAG -> throw new IllegalArgumentException("not rolled up: " + g);
          });
    }
    String keyList = String.join(", ", keys);
    StringBuilder sql = new StringBuilder("SELECT ").append(keyList);
    for (String column : SpendRollup.SUMS.split(", ")) {
      sql.append(", SUM(d.").append(column).append(')');
    }
    sql.append(" FROM spend_daily d WHERE d.day >= ? AND d.day < ? GROUP BY ").append(keyList);
    List<Group> groups = groups(c, sql.toString(), firstDay, endDay, groupBy);
    if (!groupBy.contains(GroupBy.TEAM)) {
      return groups;
    }
    // The rollup's '' is the log's NULL: no team.
    int team = groupBy.indexOf(GroupBy.TEAM);
    List<Group> out = new ArrayList<>(groups.size());
    for (Group g : groups) {
      List<Optional<String>> k = new ArrayList<>(g.keys());
      k.set(team, k.get(team).filter(v -> !v.isEmpty()));
      out.add(g.withKeys(k));
    }
    return out;
  }

  /** Runs a report query bound to {@code [from, to)} and reads its groups. */
  private static List<Group> groups(
      Connection c, String sql, long from, long to, List<GroupBy> groupBy) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      List<Group> groups = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          List<Optional<String>> values = new ArrayList<>();
          for (int i = 0; i < groupBy.size(); i++) {
            values.add(
                groupBy.get(i) == GroupBy.DAY
                    ? Optional.of(LocalDate.ofEpochDay(rs.getLong(i + 1)).toString())
                    : Optional.ofNullable(rs.getString(i + 1)));
          }
          int col = groupBy.size() + 1;
          long requests = rs.getLong(col++);
          long spend = rs.getLong(col++);
          Tokens tokens = tokens(rs, col);
          col += 5;
          long unknown = rs.getLong(col++);
          Tokens unknownTokens = tokens(rs, col);
          col += 5;
          long estimated = rs.getLong(col++);
          long estimatedSpend = rs.getLong(col++);
          long cacheHits = rs.getLong(col++);
          long savedNanos = rs.getLong(col);
          groups.add(
              new Group(
                  values,
                  requests,
                  spend,
                  tokens,
                  unknown,
                  unknownTokens,
                  estimated,
                  estimatedSpend,
                  cacheHits,
                  savedNanos));
        }
      }
      return groups;
    }
  }

  /** The groups with equal keys added up, ordered by their keys. */
  private static List<Group> merged(List<Group> groups) {
    TreeMap<List<Optional<String>>, Group> byKeys = new TreeMap<>(KEYS);
    for (Group g : groups) {
      byKeys.merge(g.keys(), g, JdbcSpendQueries::plus);
    }
    return List.copyOf(byKeys.values());
  }

  private static Group plus(Group a, Group b) {
    return new Group(
        a.keys(),
        Math.addExact(a.requests(), b.requests()),
        Math.addExact(a.spendNanos(), b.spendNanos()),
        plus(a.tokens(), b.tokens()),
        Math.addExact(a.unknownCostRequests(), b.unknownCostRequests()),
        plus(a.unknownCostTokens(), b.unknownCostTokens()),
        Math.addExact(a.estimatedRequests(), b.estimatedRequests()),
        Math.addExact(a.estimatedSpendNanos(), b.estimatedSpendNanos()),
        Math.addExact(a.cacheHits(), b.cacheHits()),
        Math.addExact(a.cacheSavedNanos(), b.cacheSavedNanos()));
  }

  private static Tokens plus(Tokens a, Tokens b) {
    return new Tokens(
        Math.addExact(a.input(), b.input()),
        Math.addExact(a.output(), b.output()),
        Math.addExact(a.cacheRead(), b.cacheRead()),
        Math.addExact(a.cacheCreation(), b.cacheCreation()),
        Math.addExact(a.reasoning(), b.reasoning()));
  }

  private static final Comparator<Optional<String>> KEY =
      Comparator.comparing((Optional<String> o) -> o.isPresent()).thenComparing(o -> o.orElse(""));

  private static final Comparator<List<Optional<String>>> KEYS =
      (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
          int c = KEY.compare(a.get(i), b.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  /** The five token sums, over every row or over rows of unknown cost only. */
  private static String sums(boolean unknownCostOnly) {
    StringBuilder sb = new StringBuilder();
    for (String col :
        List.of(
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_creation_tokens",
            "reasoning_tokens")) {
      sb.append(
          !unknownCostOnly
              ? ", COALESCE(SUM(s." + col + "), 0)"
              : ", COALESCE(SUM(CASE WHEN s.cost_nanos IS NULL THEN s." + col + " ELSE 0 END), 0)");
    }
    return sb.toString();
  }

  private static Tokens tokens(ResultSet rs, int col) throws SQLException {
    return new Tokens(
        rs.getLong(col),
        rs.getLong(col + 1),
        rs.getLong(col + 2),
        rs.getLong(col + 3),
        rs.getLong(col + 4));
  }

  private static void condition(StringBuilder where, List<Object> args, String sql, Object arg) {
    where.append(sql);
    args.add(arg);
  }

  private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof Long l) {
        ps.setLong(i + 1, l);
      } else {
        ps.setString(i + 1, (String) a);
      }
    }
  }
}
