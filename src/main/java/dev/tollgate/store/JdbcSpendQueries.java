package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link SpendQueries} in portable SQL. Blocking; thread-safe (one connection a call). */
final class JdbcSpendQueries implements SpendQueries {
  private static final long DAY_MILLIS = 86_400_000L;
  private static final int MAX_PAGE_SIZE = 10_000;

  private final DataSource pool;

  JdbcSpendQueries(DataSource pool) {
    this.pool = pool;
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
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    filter.requestId().ifPresent(v -> condition(where, args, " AND s.request_id = ?", v));
    filter.keyHash().ifPresent(v -> condition(where, args, " AND s.key_hash = ?", v));
    filter.userId().ifPresent(v -> condition(where, args, " AND s.user_id = ?", v));
    filter.teamId().ifPresent(v -> condition(where, args, " AND s.team_id = ?", v));
    filter.model().ifPresent(v -> condition(where, args, " AND s.model_group = ?", v));
    filter
        .tag()
        .ifPresent(
            v ->
                condition(
                    where,
                    args,
                    " AND EXISTS (SELECT 1 FROM spend_log_tags t"
                        + " WHERE t.request_id = s.request_id AND t.tag = ?)",
                    v));
    filter.startMillis().ifPresent(v -> condition(where, args, " AND s.started_at >= ?", v));
    filter.endMillis().ifPresent(v -> condition(where, args, " AND s.started_at < ?", v));

    try (Connection c = pool.getConnection()) {
      long total;
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM spend_logs s" + where)) {
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
                  + SpendSql.COLUMNS
                  + " FROM spend_logs s"
                  + where
                  + " ORDER BY s.started_at DESC, s.request_id DESC LIMIT ? OFFSET ?")) {
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
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, startMillis);
      ps.setLong(2, endMillis);
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
      groups.sort(BY_KEYS);
      return List.copyOf(groups);
    } catch (SQLException e) {
      throw new StoreException("cannot build the spend report: " + e.getMessage(), e);
    }
  }

  private static final Comparator<Optional<String>> KEY =
      Comparator.comparing((Optional<String> o) -> o.isPresent()).thenComparing(o -> o.orElse(""));

  private static final Comparator<Group> BY_KEYS =
      (a, b) -> {
        for (int i = 0; i < a.keys().size(); i++) {
          int c = KEY.compare(a.keys().get(i), b.keys().get(i));
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
