package dev.tollgate.config;

import dev.tollgate.provider.Endpoint;
import java.util.Optional;
import java.util.Set;

/**
 * {@code litellm_settings.cache: true} with its {@code cache_params}: LiteLLM's response cache, as
 * Tollgate implements it. Immutable.
 *
 * @param type where answers are kept: this process ({@code local}) or the gateway's Redis
 * @param ttlMillis how long an answer is kept when the request names no {@code ttl}
 * @param namespace put before every cache key ({@code <namespace>:<hash>}), when set
 * @param defaultOff {@code mode: default_off}: only requests that send {@code cache: {"use-cache":
 *     true}} use the cache
 * @param endpoints the APIs {@code supported_call_types} names that Tollgate caches
 * @param perKey {@code per_key}: the caller's key is part of the cache key, so keys never share
 * @param maxEntries {@code max_size_in_memory}: the local cache's bound in answers
 * @param maxBytes {@code max_bytes_in_memory}: the local cache's bound in bytes of answers
 */
public record CacheParams(
    Type type,
    long ttlMillis,
    Optional<String> namespace,
    boolean defaultOff,
    Set<Endpoint> endpoints,
    boolean perKey,
    long maxEntries,
    long maxBytes) {

  /** Where answers are kept. */
  public enum Type {
    LOCAL,
    REDIS
  }

  /** LiteLLM's in-memory default ttl: 10 minutes. */
  public static final long DEFAULT_TTL_MILLIS = 600_000;

  public static final long DEFAULT_MAX_ENTRIES = 10_000;
  public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

  public CacheParams {
    endpoints = Set.copyOf(endpoints);
    if (ttlMillis <= 0 || maxEntries <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("ttl and bounds must be positive");
    }
  }

  /** {@code cache: true} without {@code cache_params}: local, every API Tollgate caches. */
  public static CacheParams defaults() {
    return new CacheParams(
        Type.LOCAL,
        DEFAULT_TTL_MILLIS,
        Optional.empty(),
        false,
        Set.of(Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS),
        false,
        DEFAULT_MAX_ENTRIES,
        DEFAULT_MAX_BYTES);
  }
}
