package dev.tollgate.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.EmbeddingList;
import dev.tollgate.provider.UpstreamResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * OpenAI embeddings on Vertex AI's text-embedding models ({@code text-embedding-005}, {@code
 * gemini-embedding-001}...): {@code POST ...:predict} with one {@code instances[].content} per
 * input text and {@code dimensions} as {@code parameters.outputDimensionality}; the answer's {@code
 * predictions[].embeddings.values} are the vectors, and the sum of their {@code
 * statistics.token_count} the input tokens billed (with no count, the input is estimated).
 * Stateless.
 */
final class VertexEmbeddings {
  private VertexEmbeddings() {}

  static byte[] body(byte[] openAi) {
    JsonNode root;
    try {
      root = Json.STRICT_MAPPER.readTree(openAi);
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "request body is not JSON");
    }
    JsonNode input = root == null ? null : root.get("input");
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode instances = out.putArray("instances");
    if (input != null && input.isTextual()) {
      instances.addObject().put("content", input.textValue());
    } else if (input != null && input.isArray() && !input.isEmpty()) {
      for (JsonNode t : input) {
        if (!t.isTextual()) {
          throw GatewayException.badRequest(
              "input", "Vertex AI embeds text: input must be a string or an array of strings");
        }
        instances.addObject().put("content", t.textValue());
      }
    } else {
      throw GatewayException.badRequest(
          "input", "Vertex AI embeds text: input must be a string or an array of strings");
    }
    JsonNode dims = root.get("dimensions");
    if (dims != null && !dims.isNull()) {
      if (!dims.isIntegralNumber() || dims.asInt() < 1) {
        throw GatewayException.badRequest("dimensions", "dimensions must be a positive integer");
      }
      out.putObject("parameters").put("outputDimensionality", dims.asInt());
    }
    return Json.write(g -> Json.tree(g, out));
  }

  static UpstreamResponse answer(int status, byte[] body, String model) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.path("predictions").isArray()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not a predict answer", null);
    }
    List<JsonNode> vectors = new ArrayList<>();
    long tokens = 0;
    boolean counted = false;
    for (JsonNode p : root.path("predictions")) {
      vectors.add(p.path("embeddings").path("values"));
      JsonNode count = p.path("embeddings").path("statistics").path("token_count");
      if (count.canConvertToLong()) {
        tokens += Math.max(0, count.asLong());
        counted = true;
      }
    }
    byte[] out =
        EmbeddingList.write(
            vectors, model, counted ? OptionalLong.of(tokens) : OptionalLong.empty());
    Optional<Usage> usage =
        counted ? Optional.of(new Usage(tokens, 0, 0, 0, 0, 0, 0, 0, 0, 0)) : Optional.empty();
    return new UpstreamResponse(status, "application/json", out, usage);
  }
}
