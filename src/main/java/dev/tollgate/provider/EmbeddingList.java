package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * OpenAI's embeddings answer, {@code {"object": "list", "data": [{"object": "embedding", "index",
 * "embedding"}], "model", "usage"}}, written from the vectors a provider returned, in order. The
 * {@code usage} object is written only when the provider counted the input. Stateless.
 */
public final class EmbeddingList {
  private EmbeddingList() {}

  public static byte[] write(List<JsonNode> vectors, String model, OptionalLong promptTokens) {
    return Json.write(
        g -> {
          try {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < vectors.size(); i++) {
              g.writeStartObject();
              g.writeStringField("object", "embedding");
              g.writeNumberField("index", i);
              g.writeFieldName("embedding");
              Json.tree(g, vectors.get(i));
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            if (promptTokens.isPresent()) {
              g.writeObjectFieldStart("usage");
              g.writeNumberField("prompt_tokens", promptTokens.getAsLong());
              g.writeNumberField("total_tokens", promptTokens.getAsLong());
              g.writeEndObject();
            }
            g.writeEndObject();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
