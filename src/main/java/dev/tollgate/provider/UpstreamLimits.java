package dev.tollgate.provider;

import io.vertx.core.MultiMap;
import java.util.OptionalLong;

/**
 * Hears what an upstream says of its own rate limits: the remaining requests and tokens it sends in
 * its answer's headers ({@code x-ratelimit-remaining-requests} and {@code -tokens} from OpenAI and
 * Azure, {@code anthropic-ratelimit-requests-remaining} and {@code -tokens-remaining} from
 * Anthropic). Called on an event loop, once per upstream answer, errors included: it must not
 * block.
 */
public interface UpstreamLimits {
  /** Hears nothing: the default, and what the request path pays when metrics are off. */
  UpstreamLimits NONE = (deploymentId, requests, tokens) -> {};

  /** What the upstream of {@code deploymentId} last said remains; empty where it said nothing. */
  void remaining(String deploymentId, OptionalLong requests, OptionalLong tokens);

  /** Reads the remaining counts from an answer's headers and reports them, if it sent any. */
  default void heard(String deploymentId, MultiMap headers) {
    OptionalLong requests =
        count(headers, "x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining");
    OptionalLong tokens =
        count(headers, "x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining");
    if (requests.isPresent() || tokens.isPresent()) {
      remaining(deploymentId, requests, tokens);
    }
  }

  private static OptionalLong count(MultiMap headers, String name, String anthropicName) {
    String v = headers.get(name);
    if (v == null) {
      v = headers.get(anthropicName);
    }
    if (v == null) {
      return OptionalLong.empty();
    }
    try {
      long n = Long.parseLong(v.trim());
      return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // not a count: said nothing
    }
  }
}
