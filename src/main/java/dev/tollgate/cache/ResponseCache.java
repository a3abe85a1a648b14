package dev.tollgate.cache;

import dev.tollgate.config.CacheParams;
import dev.tollgate.meter.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Where answers are kept: this process ({@code type: local}, bounded by answers and bytes) or the
 * gateway's Redis ({@code type: redis}, each answer expiring by its ttl). Thread-safe; never blocks
 * the caller. A store that fails is a miss, never an error of the request.
 */
public interface ResponseCache {
  /** The settings it was built from. */
  CacheParams params();

  /** The answer kept under {@code storageKey}, if any. */
  Future<Optional<CachedAnswer>> get(String storageKey);

  /** Keeps {@code answer} under {@code storageKey} for {@code ttlMillis}. */
  void put(String storageKey, CachedAnswer answer, long ttlMillis);

  /** Forgets the answers of these cache keys, streamed and not. */
  Future<Void> delete(List<String> keys);

  /** Succeeds when the store answers (Redis: a PING and a SET). */
  Future<Void> ping();

  /** Where the answer under cache key {@code key} is kept: a stream's apart from a JSON one. */
  static String storageKey(String key, boolean sse) {
    return sse ? key + ":stream" : key;
  }

  /**
   * The cache {@code params} configures; {@code type: redis} needs {@code redis} (IllegalArgument
   * otherwise). {@code clock} times the local cache's expiry.
   */
  static ResponseCache create(
      CacheParams params, Optional<RedisSettings> redis, Vertx vertx, Clock clock) {
    return switch (params.type()) {
      case LOCAL -> new LocalCache(params, clock);
      case REDIS ->
          new RedisCache(
              params,
              vertx,
              redis.orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "litellm_settings.cache_params.type is redis, but no Redis is configured:"
                              + " set router_settings.redis_host or general_settings.redis_url")));
    };
  }
}
