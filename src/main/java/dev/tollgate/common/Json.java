package dev.tollgate.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/** Shared Jackson instances. Thread-safe once built; nothing here parses numbers as double. */
public final class Json {
  /** Tree mapper for the admin API and config; floats are read as BigDecimal from their text. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  /** Streaming factory for the hot path. */
  public static final JsonFactory FACTORY = MAPPER.getFactory();

  /**
   * For JSON a client sends: the LLM routes and the management API. A duplicate key at any depth is
   * an error, because the gateway would check one value while the upstream (or a later reader) may
   * act on the other.
   */
  public static final ObjectMapper STRICT_MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** The streaming factory of {@link #STRICT_MAPPER}. */
  public static final JsonFactory STRICT_FACTORY = STRICT_MAPPER.getFactory();

  private Json() {}

  /**
   * The 400 for a body that Jackson refused: not JSON, a duplicate key (named as the error's {@code
   * param}), or beyond the parser's limits (nesting deeper than 1,000, a number longer than 1,000
   * digits, a name longer than 50,000 characters), which carry no location.
   */
  public static GatewayException invalid(JsonProcessingException e) {
    String detail = e.getOriginalMessage();
    if (detail == null) {
      detail = e.getClass().getSimpleName();
    }
    JsonLocation at = e.getLocation();
    String where =
        at == null || at.getLineNr() < 0
            ? ""
            : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    String duplicate = "Duplicate field '";
    if (detail.startsWith(duplicate) && detail.endsWith("'")) {
      String name = detail.substring(duplicate.length(), detail.length() - 1);
      return GatewayException.badRequest(
          name,
          "request body has the key '"
              + name
              + "' twice in one object"
              + where
              + "; send each key once");
    }
    if (e instanceof StreamConstraintsException) {
      return GatewayException.badRequest(
          null, "request body is beyond the JSON parser's limits: " + detail);
    }
    return GatewayException.badRequest(null, "request body is not valid JSON: " + detail + where);
  }

  /** Writes one JSON document with the streaming generator and returns its bytes. */
  public static byte[] write(Consumer<JsonGenerator> body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.accept(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes a tree with {@link #MAPPER}'s settings (decimals in plain notation). */
  public static void tree(JsonGenerator g, com.fasterxml.jackson.databind.JsonNode node) {
    try {
      MAPPER.writeTree(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a string field, or null, without the checked exception. */
  public static void field(
      JsonGenerator g, String name, @org.jspecify.annotations.Nullable String value) {
    try {
      if (value == null) {
        g.writeNullField(name);
      } else {
        g.writeStringField(name, value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
