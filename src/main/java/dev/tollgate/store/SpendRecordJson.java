package dev.tollgate.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Spend records as one-line JSON objects, for the journal and the dead-letter file, with the column
 * names of {@code spend_logs}; and the JSON array text of the {@code tags} and {@code attempts}
 * columns. A record's {@code attempts} are written only when there are some, so the common record's
 * line is what it was before they existed, and a line without them reads as none. Stateless and
 * thread-safe.
 */
final class SpendRecordJson {
  private SpendRecordJson() {}

  /** Writes {@code r} as one JSON object. */
  static void write(JsonGenerator g, SpendRecord r) throws IOException {
    g.writeStartObject();
    g.writeStringField("request_id", r.requestId());
    g.writeNumberField("started_at", r.startedAtMillis());
    g.writeStringField("key_hash", r.keyHash());
    optional(g, "user_id", r.userId());
    optional(g, "team_id", r.teamId());
    optional(g, "organization_id", r.organizationId());
    optional(g, "customer_id", r.customerId());
    g.writeArrayFieldStart("tags");
    for (String t : r.tags()) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeStringField("model_group", r.modelGroup());
    optional(g, "deployment_id", r.deploymentId());
    optional(g, "provider_model", r.providerModel());
    g.writeStringField("price_state", r.priceState());
    g.writeStringField("price_source", r.priceSource());
    g.writeNumberField("input_tokens", r.inputTokens());
    g.writeNumberField("output_tokens", r.outputTokens());
    g.writeNumberField("cache_read_tokens", r.cacheReadTokens());
    g.writeNumberField("cache_creation_tokens", r.cacheCreationTokens());
    g.writeNumberField("reasoning_tokens", r.reasoningTokens());
    if (r.costNanos().isPresent()) {
      g.writeNumberField("cost_nanos", r.costNanos().getAsLong());
    } else {
      g.writeNullField("cost_nanos");
    }
    g.writeBooleanField("usage_reported", r.usageReported());
    g.writeStringField("usage_source", r.usageSource().wire());
    g.writeNumberField("status", r.status());
    optional(g, "error_type", r.errorType());
    g.writeNumberField("latency_ms", r.latencyMillis());
    g.writeBooleanField("stream", r.stream());
    if (!r.attempts().isEmpty()) {
      g.writeFieldName("attempts");
      writeAttempts(g, r.attempts());
    }
    if (r.cacheHit().isPresent()) {
      OptionalLong saved = r.cacheHit().get().savedNanos();
      g.writeBooleanField("cache_hit", true);
      if (saved.isPresent()) {
        g.writeNumberField("cache_saved_nanos", saved.getAsLong());
      }
    }
    g.writeEndObject();
  }

  /**
   * Writes attempts as a JSON array of {@code {"model_group", "model_id", "status",
   * "error_class"}}, {@code error_class} only when there is one.
   */
  private static void writeAttempts(JsonGenerator g, List<SpendRecord.Attempt> attempts)
      throws IOException {
    g.writeStartArray();
    for (SpendRecord.Attempt a : attempts) {
      g.writeStartObject();
      g.writeStringField("model_group", a.modelGroup());
      g.writeStringField("model_id", a.deploymentId());
      g.writeNumberField("status", a.status());
      if (a.errorClass().isPresent()) {
        g.writeStringField("error_class", a.errorClass().get());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** The records as JSON lines, each ending in a newline. */
  static byte[] lines(List<SpendRecord> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(records.size() * 512);
    try {
      for (SpendRecord r : records) {
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
          write(g, r);
        }
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Reads a record written by {@link #write}; throws IllegalArgumentException if it is not one. */
  static SpendRecord read(JsonNode n) {
    List<String> tags = new ArrayList<>();
    JsonNode t = n.get("tags");
    if (t == null || !t.isArray()) {
      throw new IllegalArgumentException("tags: expected an array");
    }
    for (JsonNode e : t) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException("tags: expected strings");
      }
      tags.add(e.textValue());
    }
    JsonNode cost = n.get("cost_nanos");
    OptionalLong costNanos =
        cost == null || cost.isNull()
            ? OptionalLong.empty()
            : OptionalLong.of(number(n, "cost_nanos"));
    return new SpendRecord(
            text(n, "request_id"),
            number(n, "started_at"),
            text(n, "key_hash"),
            optionalText(n, "user_id"),
            optionalText(n, "team_id"),
            optionalText(n, "organization_id"),
            optionalText(n, "customer_id"),
            tags,
            text(n, "model_group"),
            optionalText(n, "deployment_id"),
            optionalText(n, "provider_model"),
            text(n, "price_state"),
            text(n, "price_source"),
            number(n, "input_tokens"),
            number(n, "output_tokens"),
            number(n, "cache_read_tokens"),
            number(n, "cache_creation_tokens"),
            number(n, "reasoning_tokens"),
            costNanos,
            usageSource(n),
            Math.toIntExact(number(n, "status")),
            optionalText(n, "error_type"),
            number(n, "latency_ms"),
            bool(n, "stream"),
            attempts(n.get("attempts")))
        .withCacheHit(cacheHit(n));
  }

  /** A record's cache hit: present when {@code cache_hit} is true. */
  private static Optional<SpendRecord.CacheHit> cacheHit(JsonNode n) {
    JsonNode hit = n.get("cache_hit");
    if (hit == null || !hit.asBoolean(false)) {
      return Optional.empty();
    }
    JsonNode saved = n.get("cache_saved_nanos");
    return Optional.of(
        new SpendRecord.CacheHit(
            saved == null || saved.isNull()
                ? OptionalLong.empty()
                : OptionalLong.of(number(n, "cache_saved_nanos"))));
  }

  /** The attempts of a record's {@code attempts} field: none when it is absent or null. */
  private static List<SpendRecord.Attempt> attempts(@Nullable JsonNode a) {
    if (a == null || a.isNull()) {
      return List.of();
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException("attempts: expected an array");
    }
    List<SpendRecord.Attempt> out = new ArrayList<>(a.size());
    for (JsonNode e : a) {
      if (!e.isObject()) {
        throw new IllegalArgumentException("attempts: expected objects");
      }
      try {
        out.add(
            new SpendRecord.Attempt(
                text(e, "model_group"),
                text(e, "model_id"),
                Math.toIntExact(number(e, "status")),
                optionalText(e, "error_class")));
      } catch (IllegalArgumentException | ArithmeticException x) {
        throw new IllegalArgumentException("attempts: " + x.getMessage(), x);
      }
    }
    return out;
  }

  /**
   * {@code usage_source}, or for a line journaled before it existed, from {@code usage_reported}.
   */
  private static UsageSource usageSource(JsonNode n) {
    JsonNode source = n.get("usage_source");
    if (source == null) {
      return bool(n, "usage_reported") ? UsageSource.PROVIDER : UsageSource.NONE;
    }
    try {
      return UsageSource.fromWire(source.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("usage_source: " + e.getMessage(), e);
    }
  }

  /** The {@code tags} column: a JSON array of strings. */
  static String tags(List<String> tags) {
    return new String(
        Json.write(
            g -> {
              try {
                g.writeStartArray();
                for (String t : tags) {
                  g.writeString(t);
                }
                g.writeEndArray();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The {@code attempts} column: the attempts as compact JSON, as in a journal line. Only for a
   * record that has some; a record without stores NULL, with no JSON work.
   */
  static String attempts(List<SpendRecord.Attempt> attempts) {
    return new String(
        Json.write(
            g -> {
              try {
                writeAttempts(g, attempts);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Parses the {@code attempts} column; NULL is none. */
  static List<SpendRecord.Attempt> parseAttempts(@Nullable String json) {
    if (json == null) {
      return List.of();
    }
    try {
      return attempts(Json.MAPPER.readTree(json));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "spend_logs.attempts is not a JSON array of attempts: " + e.getMessage(), e);
    }
  }

  /** Parses the {@code tags} column. */
  static List<String> parseTags(String json) {
    try {
      JsonNode n = Json.MAPPER.readTree(json);
      List<String> tags = new ArrayList<>(n.size());
      for (JsonNode e : n) {
        tags.add(e.asText());
      }
      return tags;
    } catch (IOException e) {
      throw new UncheckedIOException("spend_logs.tags is not a JSON array", e);
    }
  }

  private static void optional(JsonGenerator g, String name, Optional<String> value)
      throws IOException {
    if (value.isPresent()) {
      g.writeStringField(name, value.get());
    } else {
      g.writeNullField(name);
    }
  }

  private static String text(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(name + ": expected a string");
    }
    return v.textValue();
  }

  private static Optional<String> optionalText(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(name + ": expected a string or null");
    }
    return Optional.of(v.textValue());
  }

  private static long number(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(name + ": expected an integer");
    }
    return v.longValue();
  }

  private static boolean bool(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isBoolean()) {
      throw new IllegalArgumentException(name + ": expected true or false");
    }
    return v.booleanValue();
  }
}
