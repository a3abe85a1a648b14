package dev.tollgate.meter;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.routing.Cooldowns;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.LocalCooldowns;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cooldowns shared by the instances of one Redis: each instance counts its own failures as {@link
 * LocalCooldowns} does, and a cooldown one starts reaches the others at once (pub/sub on {@code
 * <prefix>cooldowns}), so that N instances do not each hammer a failing deployment. The cooldowns
 * in force are also kept in the hash {@code <prefix>cooldowns}, which an instance reads when it
 * (re)subscribes. While Redis is unreachable each instance goes on with its own cooldowns.
 */
public final class RedisCooldowns implements Cooldowns, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCooldowns.class);

  private final LocalCooldowns local;
  private final RedisChannel channel;
  private final String hash;
  private final Clock clock;

  public RedisCooldowns(
      Vertx vertx,
      RedisSettings settings,
      RouterSettings router,
      ToIntFunction<String> groupSize,
      Clock clock) {
    this.clock = clock;
    this.hash = settings.keyPrefix() + "cooldowns";
    this.local = new LocalCooldowns(router, groupSize, this::share);
    this.channel = new RedisChannel(vertx, settings, "cooldowns", this::heard, this::catchUp);
  }

  @Override
  public void failed(Deployment d, GatewayException error, long now) {
    local.failed(d, error, now);
  }

  @Override
  public boolean cooling(String id, long now) {
    return local.cooling(id, now);
  }

  @Override
  public long coolingUntil(String id, long now) {
    return local.coolingUntil(id, now);
  }

  private void share(String id, long end) {
    String payload = end + "|" + id;
    channel
        .client()
        .send(Request.cmd(Command.HSET).arg(hash).arg(id).arg(Long.toString(end)))
        .compose(r -> channel.publish(payload))
        .onFailure(
            e ->
                LOG.warn(
                    "could not share the cooldown of deployment {} through redis: {}",
                    id,
                    e.toString()));
  }

  private void heard(String payload) {
    int bar = payload.indexOf('|');
    if (bar <= 0) {
      return;
    }
    try {
      long end = Long.parseLong(payload.substring(0, bar));
      String id = payload.substring(bar + 1);
      local.coolUntil(id, end);
      LOG.info("deployment {} cooled down by another instance until {}", id, end);
    } catch (NumberFormatException e) {
      LOG.warn("ignored a malformed cooldown notice: {}", payload);
    }
  }

  /** Reads the cooldowns in force, which this instance may have missed while unsubscribed. */
  private void catchUp() {
    channel
        .client()
        .send(Request.cmd(Command.HGETALL).arg(hash))
        .onSuccess(this::apply)
        .onFailure(e -> LOG.debug("could not read the shared cooldowns: {}", e.toString()));
  }

  private void apply(Response all) {
    long now = clock.millis();
    for (String id : all.getKeys()) {
      Response v = all.get(id);
      if (v == null) {
        continue;
      }
      try {
        long end = Long.parseLong(v.toString());
        if (end > now) {
          local.coolUntil(id, end);
        } else {
          channel.client().send(Request.cmd(Command.HDEL).arg(hash).arg(id));
        }
      } catch (NumberFormatException e) {
        channel.client().send(Request.cmd(Command.HDEL).arg(hash).arg(id));
      }
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
