package dev.tollgate.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One row of a LiteLLM table, read by column name, in the types Prisma gives LiteLLM's columns
 * ({@code text}, {@code double precision}, {@code bigint}, {@code timestamp(3)} in UTC, {@code
 * text[]}, {@code jsonb}). A column an older LiteLLM schema lacks reads as absent. Immutable.
 */
final class LitellmRow {
  private final String table;
  private final Map<String, @Nullable Object> values;

  private LitellmRow(String table, Map<String, @Nullable Object> values) {
    this.table = table;
    this.values = values;
  }

  /** Every row of {@code "table"}, ordered by {@code orderBy}; empty if the table is missing. */
  static List<LitellmRow> readAll(Connection c, String table, String orderBy) throws SQLException {
    if (!exists(c, table)) {
      return List.of();
    }
    List<LitellmRow> out = new ArrayList<>();
    try (PreparedStatement ps =
            c.prepareStatement("SELECT * FROM \"" + table + "\" ORDER BY " + orderBy);
        ResultSet rs = ps.executeQuery()) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, @Nullable Object> m = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          m.put(md.getColumnName(i), plain(rs.getObject(i)));
        }
        out.add(new LitellmRow(table, m));
      }
    }
    return out;
  }

  private static boolean exists(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, "\"" + table + "\"");
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static @Nullable Object plain(@Nullable Object v) throws SQLException {
    if (v instanceof Array a) {
      Object[] items = (Object[]) a.getArray();
      return Arrays.stream(items).filter(Objects::nonNull).map(String::valueOf).toList();
    }
    if (v instanceof Timestamp t) {
      // Prisma writes DateTime as timestamp(3) without time zone, in UTC.
      return t.toLocalDateTime().toInstant(ZoneOffset.UTC);
    }
    if (v instanceof org.postgresql.util.PGobject o) {
      return o.getValue();
    }
    return v;
  }

  /** {@code table.column}, for messages. */
  String where(String column) {
    return table + "." + column;
  }

  Optional<String> text(String column) {
    Object v = values.get(column);
    return v == null ? Optional.empty() : Optional.of(String.valueOf(v));
  }

  String requiredText(String column) {
    return text(column).orElseThrow(() -> new IllegalArgumentException(where(column) + " is null"));
  }

  /** A LiteLLM dollar amount, exact as PostgreSQL prints the float, rounded to the nano-dollar. */
  Optional<BigDecimal> usd(String column) {
    Object v = values.get(column);
    if (v == null) {
      return Optional.empty();
    }
    BigDecimal d =
        v instanceof Double x ? BigDecimal.valueOf(x) : new BigDecimal(String.valueOf(v));
    return Optional.of(d.setScale(9, RoundingMode.HALF_UP));
  }

  OptionalLong count(String column) {
    Object v = values.get(column);
    return v == null ? OptionalLong.empty() : OptionalLong.of(((Number) v).longValue());
  }

  boolean bool(String column) {
    return values.get(column) instanceof Boolean b && b;
  }

  Optional<Instant> instant(String column) {
    return Optional.ofNullable((Instant) values.get(column));
  }

  @SuppressWarnings("unchecked") // plain() turns every array into a List<String>
  List<String> strings(String column) {
    Object v = values.get(column);
    return v == null ? List.of() : (List<String>) v;
  }

  /** A {@code jsonb} column as an object; empty for null, {@code {}} or a non-object. */
  Optional<ObjectNode> object(String column) {
    Object v = values.get(column);
    if (v == null) {
      return Optional.empty();
    }
    try {
      JsonNode n = Json.MAPPER.readTree(String.valueOf(v));
      return n instanceof ObjectNode o && !o.isEmpty() ? Optional.of(o) : Optional.empty();
    } catch (IOException e) {
      throw new IllegalArgumentException(where(column) + " is not JSON", e);
    }
  }

  /** A {@code jsonb} column as it is; empty for null. */
  Optional<JsonNode> json(String column) {
    Object v = values.get(column);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readTree(String.valueOf(v)));
    } catch (IOException e) {
      throw new IllegalArgumentException(where(column) + " is not JSON", e);
    }
  }
}
