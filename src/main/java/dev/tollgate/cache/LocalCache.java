package dev.tollgate.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tollgate.config.CacheParams;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Answers kept in this process: a Caffeine cache bounded by {@code max_bytes_in_memory}, each entry
 * weighing at least its share of it under {@code max_size_in_memory}, so that neither bound is
 * passed; each entry expires after its own ttl, on the injected clock. Thread-safe, never blocks.
 */
final class LocalCache implements ResponseCache {
  private record Kept(CachedAnswer answer, long ttlNanos) {}

  private final CacheParams params;
  private final Cache<String, Kept> cache;

  LocalCache(CacheParams params, Clock clock) {
    this.params = params;
    long floor = Math.max(1, params.maxBytes() / params.maxEntries());
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(params.maxBytes())
            .<String, Kept>weigher(
                (k, v) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floor, v.answer().weight())))
            .expireAfter(
                new Expiry<String, Kept>() {
                  @Override
                  public long expireAfterCreate(String key, Kept value, long currentTime) {
                    return value.ttlNanos();
                  }

                  @Override
                  public long expireAfterUpdate(
                      String key, Kept value, long currentTime, long currentDuration) {
                    return value.ttlNanos();
                  }

                  @Override
                  public long expireAfterRead(
                      String key, Kept value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }
                })
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .build();
  }

  @Override
  public CacheParams params() {
    return params;
  }

  @Override
  public Future<Optional<CachedAnswer>> get(String storageKey) {
    Kept k = cache.getIfPresent(storageKey);
    return Future.succeededFuture(k == null ? Optional.empty() : Optional.of(k.answer()));
  }

  @Override
  public void put(String storageKey, CachedAnswer answer, long ttlMillis) {
    cache.put(storageKey, new Kept(answer, TimeUnit.MILLISECONDS.toNanos(ttlMillis)));
  }

  @Override
  public Future<Void> delete(List<String> keys) {
    for (String k : keys) {
      cache.invalidate(ResponseCache.storageKey(k, false));
      cache.invalidate(ResponseCache.storageKey(k, true));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }
}
