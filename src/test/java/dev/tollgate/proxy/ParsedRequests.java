package dev.tollgate.proxy;

import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import java.nio.charset.StandardCharsets;

/** Parses request bodies with the gateway's own parser, for tests outside {@code proxy}. */
public final class ParsedRequests {
  private ParsedRequests() {}

  /** {@code json} as the gateway parses a request to {@code endpoint}. */
  public static ParsedRequest parse(Endpoint endpoint, String json) {
    return RequestParser.parse(endpoint, json.getBytes(StandardCharsets.UTF_8));
  }
}
