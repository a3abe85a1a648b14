package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis pub/sub channel between the instances sharing a Redis: what this instance publishes
 * every other one hears, and it never hears its own. While the subscription is down it is retried
 * every second; each (re)subscription is announced, so that a listener can re-read what it may have
 * missed. Messages are hints, never the only copy of anything.
 */
final class RedisChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisChannel.class);
  private static final long RETRY_MILLIS = 1_000;

  private final Vertx vertx;
  private final Redis publisher;
  private final Redis subscriber;
  private final String channel;
  private final String origin = UUID.randomUUID().toString();
  private final Consumer<String> onMessage;
  private final Runnable onSubscribed;
  private volatile boolean closed;
  private volatile @Nullable RedisConnection subscription;

  /**
   * @param name the channel, after the key prefix
   * @param onMessage hears each payload another instance published; on an event loop, so it must
   *     not block
   * @param onSubscribed runs after each (re)subscription
   */
  RedisChannel(
      Vertx vertx,
      RedisSettings settings,
      String name,
      Consumer<String> onMessage,
      Runnable onSubscribed) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.onMessage = requireNonNull(onMessage, "onMessage");
    this.onSubscribed = requireNonNull(onSubscribed, "onSubscribed");
    this.channel = settings.keyPrefix() + name;
    RedisOptions options = new RedisOptions().setConnectionString(settings.endpoint());
    settings.password().ifPresent(options::setPassword);
    this.publisher = Redis.createClient(vertx, options);
    this.subscriber = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    subscribe();
  }

  /** Publishes {@code payload} to the other instances. */
  Future<Void> publish(String payload) {
    return publisher
        .send(Request.cmd(Command.PUBLISH).arg(channel).arg(origin + "|" + payload))
        .mapEmpty();
  }

  /** The client this channel publishes with, for other commands. */
  Redis client() {
    return publisher;
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    subscriber
        .connect()
        .compose(
            conn -> {
              conn.handler(this::message);
              conn.exceptionHandler(e -> resubscribe(conn, e));
              conn.endHandler(v -> resubscribe(conn, null));
              return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).map(r -> conn);
            })
        .onSuccess(
            conn -> {
              subscription = conn;
              onSubscribed.run();
            })
        .onFailure(
            e -> {
              LOG.debug("redis subscription to {} failed, retrying: {}", channel, e.toString());
              vertx.setTimer(RETRY_MILLIS, id -> subscribe());
            });
  }

  private void resubscribe(RedisConnection conn, @Nullable Throwable e) {
    if (subscription != conn) {
      return;
    }
    subscription = null;
    if (!closed) {
      LOG.warn(
          "redis subscription to {} lost ({}); retrying every second",
          channel,
          e == null ? "connection closed" : e.toString());
      vertx.setTimer(RETRY_MILLIS, id -> subscribe());
    }
  }

  private void message(Response r) {
    // ["message", channel, payload], as a RESP2 array or a RESP3 push.
    if ((r.type() != ResponseType.MULTI && r.type() != ResponseType.PUSH) || r.size() < 3) {
      return;
    }
    Response kind = r.get(0);
    Response payload = r.get(2);
    if (kind == null || payload == null || !"message".equals(kind.toString())) {
      return;
    }
    String text = payload.toString();
    int bar = text.indexOf('|');
    if (bar < 0 || text.substring(0, bar).equals(origin)) {
      return;
    }
    onMessage.accept(text.substring(bar + 1));
  }

  @Override
  public void close() {
    closed = true;
    RedisConnection c = subscription;
    subscription = null;
    if (c != null) {
      c.close();
    }
    subscriber.close();
    publisher.close();
  }
}
