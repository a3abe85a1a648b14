package dev.tollgate.provider;

import java.util.Optional;

/**
 * LiteLLM's request-level testing fields, read from the body and never sent upstream. Immutable.
 *
 * @param response {@code mock_response}: the answer's text, made by the gateway without calling the
 *     provider
 * @param fallbacks {@code mock_testing_fallbacks}: every attempt in the requested model group
 *     fails, so that the request's fallbacks serve it
 * @param rateLimitError {@code mock_testing_rate_limit_error}: the first attempt fails with a 429
 *     as if the provider had sent it, so that retries, cooldowns and fallbacks act
 * @param timeout {@code mock_timeout}: every attempt times out after its deployment's timeout
 */
public record RequestMocks(
    Optional<String> response, boolean fallbacks, boolean rateLimitError, boolean timeout) {

  /** A request without testing fields. */
  public static final RequestMocks NONE = new RequestMocks(Optional.empty(), false, false, false);

  /** Whether any field fabricates a failure (LiteLLM gates these behind a setting). */
  public boolean failures() {
    return fallbacks || rateLimitError || timeout;
  }
}
