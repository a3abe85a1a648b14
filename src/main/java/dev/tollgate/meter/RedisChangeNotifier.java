package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import dev.tollgate.store.ChangeNotifier;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change notices between the instances sharing a Redis: an admin change committed on one instance
 * is published on channel {@code <prefix>changes}, and every other instance re-reads what changed
 * at once, whatever the database. While the subscription is down it is retried every second, and on
 * each (re)subscription every topic is re-read, so a notice missed in between is not lost. As with
 * LISTEN/NOTIFY, a notice is a hint to re-read the store; the periodic sync stays.
 */
public final class RedisChangeNotifier implements ChangeNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(RedisChangeNotifier.class);
  private static final long RETRY_MILLIS = 1_000;
  private static final long PUBLISH_TIMEOUT_MILLIS = 2_000;

  private final Vertx vertx;
  private final Redis publisher;
  private final Redis subscriber;
  private final String channel;
  private final String origin = UUID.randomUUID().toString();
  private final Consumer<Topic> listener;
  private volatile boolean closed;
  private volatile @Nullable RedisConnection subscription;

  /**
   * @param listener hears each topic another instance changed; called on an event loop, so it must
   *     not block (a sync trigger)
   */
  public RedisChangeNotifier(Vertx vertx, RedisSettings settings, Consumer<Topic> listener) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.listener = requireNonNull(listener, "listener");
    this.channel = settings.keyPrefix() + "changes";
    RedisOptions options = new RedisOptions().setConnectionString(settings.endpoint());
    settings.password().ifPresent(options::setPassword);
    this.publisher = Redis.createClient(vertx, options);
    this.subscriber = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
    subscribe();
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
              // Anything may have changed while there was no subscription.
              for (Topic t : Topic.values()) {
                listener.accept(t);
              }
            })
        .onFailure(
            e -> {
              LOG.debug("redis change subscription failed, retrying: {}", e.toString());
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
          "redis change subscription lost ({}); changes reach this instance by the periodic sync"
              + " until it is back",
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
    int colon = text.indexOf('|');
    if (colon < 0 || text.substring(0, colon).equals(origin)) {
      return;
    }
    String wire = text.substring(colon + 1);
    for (Topic t : Topic.values()) {
      if (t.name().equalsIgnoreCase(wire)) {
        listener.accept(t);
      }
    }
  }

  /** Publishes the change; blocks up to two seconds. A failure is logged, not thrown. */
  @Override
  public void notifyChange(Topic topic) {
    try {
      publisher
          .send(
              Request.cmd(Command.PUBLISH)
                  .arg(channel)
                  .arg(origin + "|" + topic.name().toLowerCase(java.util.Locale.ROOT)))
          .toCompletionStage()
          .toCompletableFuture()
          .get(PUBLISH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn(
          "could not publish a {} change through redis; the others see it at their next sync: {}",
          topic,
          e.toString());
    }
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

  /** Both notifiers: each change is announced through both, and both are listened to. */
  public static ChangeNotifier both(ChangeNotifier a, ChangeNotifier b) {
    return new ChangeNotifier() {
      @Override
      public void notifyChange(Topic topic) {
        a.notifyChange(topic);
        b.notifyChange(topic);
      }

      @Override
      public void close() {
        try {
          a.close();
        } finally {
          b.close();
        }
      }
    };
  }
}
