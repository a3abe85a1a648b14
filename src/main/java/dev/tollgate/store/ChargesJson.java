package dev.tollgate.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.Charge;
import dev.tollgate.budget.Charges;
import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.Level;
import dev.tollgate.common.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Journal lines of records with the counters they were charged to: the record's own JSON object
 * ({@link SpendRecordJson}) with one more field, {@code charged}, so that a journaled record moves
 * its counters when it is replayed, as it would have when written at once. A line without it (an
 * older journal, or a record put back by hand) charges nothing. Stateless and thread-safe.
 */
final class ChargesJson {
  private ChargesJson() {}

  /** The records as JSON lines, each ending in a newline. */
  static byte[] lines(List<CounterSql.Charged> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(records.size() * 640);
    ByteArrayOutputStream one = new ByteArrayOutputStream(640);
    try {
      for (CounterSql.Charged r : records) {
        one.reset();
        try (JsonGenerator g = Json.FACTORY.createGenerator(one)) {
          SpendRecordJson.write(g, r.record());
        }
        if (r.charges().isEmpty()) {
          one.writeTo(out);
        } else {
          // the record's object, its closing brace replaced by one more field
          byte[] object = one.toByteArray();
          out.write(object, 0, object.length - 1);
          out.write(CHARGED);
          try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            write(g, r.charges());
          }
          out.write('}');
        }
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static final byte[] CHARGED =
      ",\"charged\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private static void write(JsonGenerator g, Charges c) throws IOException {
    g.writeStartObject();
    g.writeNumberField("settled_at", c.settledAtMillis());
    g.writeArrayFieldStart("counters");
    for (Charge k : c.counters()) {
      g.writeStartObject();
      g.writeStringField("level", k.key().level().wire());
      g.writeStringField("entity_id", k.key().id());
      g.writeStringField("sub", k.key().sub());
      if (k.duration().isPresent()) {
        g.writeStringField("duration", k.duration().get().text());
      } else {
        g.writeNullField("duration");
      }
      g.writeNumberField("window_start", k.windowStart());
      g.writeNumberField("window_end", k.windowEnd());
      g.writeNumberField("soft_limit", k.softLimit());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Reads a line written by {@link #lines}; throws IllegalArgumentException if it is not one. */
  static CounterSql.Charged read(JsonNode n) {
    JsonNode c = n.get("charged");
    if (c == null || c.isNull()) {
      return new CounterSql.Charged(SpendRecordJson.read(n), Charges.NONE);
    }
    JsonNode counters = c.get("counters");
    if (counters == null || !counters.isArray()) {
      throw new IllegalArgumentException("charged.counters: expected an array");
    }
    List<Charge> out = new ArrayList<>(counters.size());
    for (JsonNode k : counters) {
      JsonNode d = k.get("duration");
      out.add(
          new Charge(
              new CounterKey(level(text(k, "level")), text(k, "entity_id"), text(k, "sub")),
              d == null || d.isNull()
                  ? Optional.empty()
                  : Optional.of(GovernanceJson.duration("duration", d.asText())),
              number(k, "window_start"),
              number(k, "window_end"),
              number(k, "soft_limit")));
    }
    return new CounterSql.Charged(
        SpendRecordJson.read(n), new Charges(number(c, "settled_at"), out));
  }

  private static Level level(String wire) {
    for (Level l : Level.values()) {
      if (l.wire().equals(wire)) {
        return l;
      }
    }
    throw new IllegalArgumentException("charged: unknown level '" + wire + "'");
  }

  private static String text(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("charged." + name + ": expected a string");
    }
    return v.textValue();
  }

  private static long number(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("charged." + name + ": expected an integer");
    }
    return v.longValue();
  }
}
