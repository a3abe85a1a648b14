package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTEN/NOTIFY on PostgreSQL. A dedicated connection (outside the pool, so it is never handed to
 * anyone else) listens on {@value ChangeNotifier#CHANNEL}, and a thread polls it; the listener runs
 * on that thread, once per topic in a group of notifications from other instances, and must hand
 * real work off. Each notification's payload is {@code topic:id}, with this notifier's id, so an
 * instance does not hear its own. After the listening connection is lost and made again, the
 * listener runs once for every topic, since notifications sent meanwhile were missed.
 */
final class PgChangeNotifier implements ChangeNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(PgChangeNotifier.class);
  private static final int POLL_MILLIS = 250;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(5);

  private final DataSource pool;
  private final DataSource direct;
  private final Consumer<Topic> listener;
  private final String id = UUID.randomUUID().toString();
  private final Thread thread;
  private final CountDownLatch listening = new CountDownLatch(1);
  private volatile boolean closed;

  /**
   * @param pool for sending notifications
   * @param direct unpooled connections, for the listening connection
   */
  PgChangeNotifier(DataSource pool, DataSource direct, Consumer<Topic> listener) {
    this.pool = pool;
    this.direct = direct;
    this.listener = listener;
    this.thread =
        Thread.ofPlatform().name("tollgate-change-listener").daemon().unstarted(this::listen);
    thread.start();
    try {
      // so that a change made right after this returns is heard; if the database is away, the
      // thread keeps trying and periodic sync covers the gap
      listening.await(STARTUP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void notifyChange(Topic topic) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, topic.wire() + ":" + id);
      ps.execute();
    } catch (SQLException e) {
      LOG.warn(
          "cannot notify other instances of a {} change ({}); they will see it at their next"
              + " sync",
          topic.wire(),
          e.getMessage());
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      thread.join(Duration.ofMillis(POLL_MILLIS * 4L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void listen() {
    boolean connectedBefore = false;
    boolean failing = false;
    long backoff = Duration.ofMillis(200).toNanos();
    while (!closed) {
      try (Connection c = direct.getConnection()) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + CHANNEL);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        listening.countDown();
        if (failing) {
          LOG.info("listening for configuration changes again");
          failing = false;
        }
        if (connectedBefore) {
          EnumSet.allOf(Topic.class).forEach(this::fire);
        }
        connectedBefore = true;
        backoff = Duration.ofMillis(200).toNanos();
        while (!closed) {
          PGNotification[] received = pg.getNotifications(POLL_MILLIS);
          if (received == null) {
            continue;
          }
          Set<Topic> heard = EnumSet.noneOf(Topic.class);
          for (PGNotification n : received) {
            String payload = n.getParameter();
            if (!payload.endsWith(id)) {
              // a topic this version does not know is ignored: nothing here reads it
              Topic.fromPayload(payload).ifPresent(heard::add);
            }
          }
          heard.forEach(this::fire);
        }
      } catch (SQLException e) {
        if (closed) {
          return;
        }
        if (!failing) {
          LOG.warn(
              "lost the connection listening for configuration changes ({}); retrying, and"
                  + " periodic sync goes on",
              e.getMessage());
          failing = true;
        }
        LockSupport.parkNanos(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF.toNanos());
      }
    }
  }

  private void fire(Topic topic) {
    try {
      listener.accept(topic);
    } catch (RuntimeException e) {
      LOG.warn("{} change listener failed", topic.wire(), e);
    }
  }
}
