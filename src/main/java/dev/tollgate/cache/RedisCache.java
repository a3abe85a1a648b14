package dev.tollgate.cache;

import dev.tollgate.config.CacheParams;
import dev.tollgate.meter.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers kept in the gateway's Redis, shared by every instance that uses it: each under {@code
 * <prefix>cache:<key>} as {@link CachedAnswer#encode}, set with {@code PX} its ttl. A command that
 * fails is logged and counts as a miss. Thread-safe; a command completes on the context that sent
 * it.
 */
final class RedisCache implements ResponseCache {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

  private final CacheParams params;
  private final Redis redis;
  private final String prefix;

  RedisCache(CacheParams params, Vertx vertx, RedisSettings settings) {
    this.params = params;
    this.prefix = settings.keyPrefix() + "cache:";
    RedisOptions options = new RedisOptions().setConnectionString(settings.endpoint());
    settings.password().ifPresent(options::setPassword);
    this.redis = Redis.createClient(vertx, options);
  }

  @Override
  public CacheParams params() {
    return params;
  }

  @Override
  public Future<Optional<CachedAnswer>> get(String storageKey) {
    return redis
        .send(Request.cmd(Command.GET).arg(prefix + storageKey))
        .map(RedisCache::answer)
        .recover(
            e -> {
              LOG.warn("response cache: reading from redis failed, a miss: {}", e.toString());
              return Future.succeededFuture(Optional.empty());
            });
  }

  private static Optional<CachedAnswer> answer(@org.jspecify.annotations.Nullable Response r) {
    if (r == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CachedAnswer.decode(r.toBuffer().getBytes()));
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "response cache: an entry in redis is not a cached answer; a miss: {}", e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public void put(String storageKey, CachedAnswer answer, long ttlMillis) {
    redis
        .send(
            Request.cmd(Command.SET)
                .arg(prefix + storageKey)
                .arg(Buffer.buffer(answer.encode()))
                .arg("PX")
                .arg(ttlMillis))
        .onFailure(e -> LOG.warn("response cache: writing to redis failed: {}", e.toString()));
  }

  @Override
  public Future<Void> delete(List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    Request del = Request.cmd(Command.DEL);
    for (String k : keys) {
      del.arg(prefix + ResponseCache.storageKey(k, false));
      del.arg(prefix + ResponseCache.storageKey(k, true));
    }
    return redis.send(del).mapEmpty();
  }

  @Override
  public Future<Void> ping() {
    return redis
        .send(Request.cmd(Command.PING))
        .compose(
            pong ->
                redis.send(
                    Request.cmd(Command.SET).arg(prefix + "ping").arg("1").arg("PX").arg(60_000)))
        .mapEmpty();
  }
}
