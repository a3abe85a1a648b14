package dev.tollgate.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.EmbeddingList;
import dev.tollgate.provider.UpstreamResponse;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * OpenAI embeddings requests as Bedrock {@code InvokeModel} calls, for the two embedding families
 * whose bodies LiteLLM maps:
 *
 * <ul>
 *   <li>Amazon Titan ({@code amazon.titan-embed-*}): {@code {"inputText", "dimensions"}} in, {@code
 *       {"embedding", "inputTextTokenCount"}} out. Titan embeds one text a call, so a request of
 *       several inputs is a 400 here rather than several upstream calls.
 *   <li>Cohere ({@code cohere.embed-*}): {@code {"texts", "input_type"}} in ({@code input_type}
 *       defaults to {@code search_document}, as LiteLLM sends it), {@code {"embeddings"}} out, with
 *       the token count in the {@code x-amzn-bedrock-input-token-count} header.
 * </ul>
 *
 * Stateless.
 */
final class BedrockEmbeddings {
  private BedrockEmbeddings() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static final String INPUT_TOKENS_HEADER = "x-amzn-bedrock-input-token-count";

  static boolean titan(String modelId) {
    return modelId.contains("amazon.titan-embed");
  }

  static boolean cohere(String modelId) {
    return modelId.contains("cohere.embed");
  }

  /** The InvokeModel body for an OpenAI embeddings request. */
  static byte[] body(String modelId, byte[] request) {
    JsonNode root = BedrockRequest.tree(request);
    List<String> inputs = inputs(root.path("input"));
    ObjectNode out = NODES.objectNode();
    if (titan(modelId)) {
      if (inputs.size() != 1) {
        throw GatewayException.badRequest(
            "input", "Titan embeds one text a request; send input as one string");
      }
      out.put("inputText", inputs.get(0));
      if (root.path("dimensions").canConvertToInt()) {
        out.put("dimensions", root.path("dimensions").asInt());
      }
    } else if (cohere(modelId)) {
      ArrayNode texts = out.putArray("texts");
      inputs.forEach(texts::add);
      out.put("input_type", root.path("input_type").asText("search_document"));
    } else {
      throw GatewayException.badRequest(
          "model",
          "Bedrock embeddings are served for Titan (amazon.titan-embed-*) and Cohere"
              + " (cohere.embed-*) models; got '"
              + modelId
              + "'");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> inputs(JsonNode input) {
    List<String> out = new ArrayList<>();
    if (input.isTextual()) {
      out.add(input.asText());
    } else if (input.isArray()) {
      for (JsonNode s : input) {
        if (!s.isTextual()) {
          throw GatewayException.badRequest(
              "input", "Bedrock embeddings take text: input must be a string or strings");
        }
        out.add(s.asText());
      }
    } else {
      throw GatewayException.badRequest("input", "input must be a string or an array of strings");
    }
    if (out.isEmpty()) {
      throw GatewayException.badRequest("input", "input must not be empty");
    }
    return out;
  }

  /** An InvokeModel answer as OpenAI's embeddings list. */
  static UpstreamResponse answer(
      String modelId, int status, MultiMap headers, byte[] body, String model) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    List<JsonNode> vectors = new ArrayList<>();
    long tokens = -1;
    if (root != null && titan(modelId) && root.path("embedding").isArray()) {
      vectors.add(root.get("embedding"));
      if (root.path("inputTextTokenCount").canConvertToLong()) {
        tokens = root.path("inputTextTokenCount").asLong();
      }
    } else if (root != null && root.path("embeddings").isArray()) {
      root.path("embeddings").forEach(vectors::add);
    } else if (root != null && root.path("embeddings").path("float").isArray()) {
      root.path("embeddings").path("float").forEach(vectors::add);
    } else {
      throw GatewayException.badGateway(
          "upstream answered with something that is not an embedding", null);
    }
    if (tokens < 0) {
      String h = headers.get(INPUT_TOKENS_HEADER);
      try {
        tokens = h == null ? -1 : Long.parseLong(h.trim());
      } catch (NumberFormatException e) {
        tokens = -1;
      }
    }
    Optional<Usage> usage =
        tokens < 0 ? Optional.empty() : Optional.of(Usage.tokens(Math.max(0, tokens), 0));
    // The answer shows a usage even when Bedrock counted none (0), as it always has.
    byte[] out = EmbeddingList.write(vectors, model, OptionalLong.of(Math.max(0, tokens)));
    return new UpstreamResponse(status, "application/json", out, usage);
  }
}
