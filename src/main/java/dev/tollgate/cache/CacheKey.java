package dev.tollgate.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cache key of a request: the SHA-256 (hex) of its model group and its body in canonical JSON
 * (object members sorted by name at every depth, numbers in one form), without the members that do
 * not change the answer. The caller's key is not part of it, so two keys asking the same share an
 * answer, unless {@code per_key} adds the key's hash. Stateless.
 */
public final class CacheKey {
  /**
   * Members that do not change the answer: how it is delivered ({@code stream}; a streamed answer
   * is kept apart from a JSON one, see {@link CachedAnswer}), who asked ({@code user}), LiteLLM's
   * bookkeeping and routing ({@code metadata}, {@code cache}, {@code num_retries}, {@code
   * fallbacks}), and {@code model}, which the model group stands for, so that aliases share.
   */
  public static final Set<String> IGNORED =
      Set.of("model", "stream", "user", "metadata", "cache", "num_retries", "fallbacks");

  private CacheKey() {}

  /**
   * The key of {@code body} (a JSON object) sent to {@code modelGroup}; with {@code keyHash} when
   * answers are kept per key.
   */
  public static String of(String modelGroup, JsonNode body, Optional<String> keyHash) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
    try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha);
        JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      if (keyHash.isPresent()) {
        g.writeStringField("api_key_hash", keyHash.get());
      }
      g.writeStringField("model_group", modelGroup);
      g.writeFieldName("body");
      g.writeStartObject();
      for (Map.Entry<String, JsonNode> e : sorted(body)) {
        if (!IGNORED.contains(e.getKey())) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Canonical JSON of {@code n}. */
  static String canonical(JsonNode n) {
    java.io.StringWriter w = new java.io.StringWriter();
    try (JsonGenerator g = Json.FACTORY.createGenerator(w)) {
      write(g, n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : sorted(n)) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode e : n) {
          write(g, e);
        }
        g.writeEndArray();
      }
      // 1, 1.0 and 1e0 are one number to every API: written in one form.
      case NUMBER -> g.writeNumber(n.decimalValue().stripTrailingZeros().toString());
      case STRING -> g.writeString(n.textValue());
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      default -> g.writeNull();
    }
  }

  private static List<Map.Entry<String, JsonNode>> sorted(JsonNode object) {
    List<Map.Entry<String, JsonNode>> members = new ArrayList<>(object.size());
    object.fields().forEachRemaining(members::add);
    Collections.sort(members, Map.Entry.comparingByKey());
    return members;
  }
}
