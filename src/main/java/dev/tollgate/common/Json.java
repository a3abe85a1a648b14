package dev.tollgate.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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

  private Json() {}

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
