package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.pricing.Usage;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * A complete, successful non-streaming response, already in OpenAI's format (or, for a client that
 * spoke the provider's own API, in that API's format).
 *
 * @param usage what the provider reported; empty when it reported nothing
 */
public record UpstreamResponse(int status, String contentType, byte[] body, Optional<Usage> usage) {
  /**
   * A JSON answer passed to a client that spoke the provider's API itself: the body and its content
   * type as they came, with the usage {@code usage} reads from it; a 502 naming {@code what} when
   * the body is not a JSON object.
   */
  public static UpstreamResponse nativeJson(
      int status,
      MultiMap headers,
      byte[] body,
      String what,
      Function<JsonNode, Optional<Usage>> usage) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw GatewayException.badGateway(
          "upstream answered with something that is not " + what, null);
    }
    String type = headers.get(HttpHeaders.CONTENT_TYPE);
    return new UpstreamResponse(
        status, type == null ? "application/json" : type, body, usage.apply(root));
  }
}
