package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import dev.tollgate.store.ChangeNotifier;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
  private static final long PUBLISH_TIMEOUT_MILLIS = 2_000;

  private final RedisChannel channel;

  /**
   * @param listener hears each topic another instance changed; called on an event loop, so it must
   *     not block (a sync trigger)
   */
  public RedisChangeNotifier(Vertx vertx, RedisSettings settings, Consumer<Topic> listener) {
    requireNonNull(listener, "listener");
    this.channel =
        new RedisChannel(
            vertx,
            settings,
            "changes",
            wire -> {
              for (Topic t : Topic.values()) {
                if (t.name().equalsIgnoreCase(wire)) {
                  listener.accept(t);
                }
              }
            },
            // Anything may have changed while there was no subscription.
            () -> {
              for (Topic t : Topic.values()) {
                listener.accept(t);
              }
            });
  }

  /** Publishes the change; blocks up to two seconds. A failure is logged, not thrown. */
  @Override
  public void notifyChange(Topic topic) {
    try {
      channel
          .publish(topic.name().toLowerCase(java.util.Locale.ROOT))
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
    channel.close();
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
