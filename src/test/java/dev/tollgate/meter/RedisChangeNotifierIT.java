package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.store.ChangeNotifier.Topic;
import dev.tollgate.testing.TestRedis;
import io.vertx.core.Vertx;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Change notices through a real Redis: heard by the others, not by the sender, and resubscribed.
 */
class RedisChangeNotifierIT {
  TestRedis redis;
  Vertx vertx;
  final LinkedBlockingQueue<Topic> heardByA = new LinkedBlockingQueue<>();
  final LinkedBlockingQueue<Topic> heardByB = new LinkedBlockingQueue<>();
  RedisChangeNotifier a;
  RedisChangeNotifier b;

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
    RedisSettings s = RedisSettings.ofUrl(redis.url());
    a = new RedisChangeNotifier(vertx, s, heardByA::add);
    b = new RedisChangeNotifier(vertx, s, heardByB::add);
    // Each hears every topic once when its subscription starts.
    for (LinkedBlockingQueue<Topic> q : java.util.List.of(heardByA, heardByB)) {
      for (int i = 0; i < Topic.values().length; i++) {
        assertThat(q.poll(30, TimeUnit.SECONDS)).isNotNull();
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    a.close();
    b.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    redis.close();
  }

  @Test
  void aChangeIsHeardByTheOthersNotByTheSender() throws Exception {
    a.notifyChange(Topic.GOVERNANCE);
    assertThat(heardByB.poll(30, TimeUnit.SECONDS)).isEqualTo(Topic.GOVERNANCE);
    b.notifyChange(Topic.MODELS);
    assertThat(heardByA.poll(30, TimeUnit.SECONDS)).isEqualTo(Topic.MODELS);
    // Neither heard its own.
    assertThat(heardByA).isEmpty();
    assertThat(heardByB).isEmpty();
  }

  @Test
  void afterARedisRestartTheSubscriptionComesBackAndEverythingIsReRead() throws Exception {
    Assumptions.assumeTrue(redis.canRestart(), "needs the embedded redis");
    redis.stop();
    a.notifyChange(Topic.GOVERNANCE); // lost: logged, not thrown
    redis.restart();
    // On resubscribing, B re-reads every topic, which covers the notice it missed.
    java.util.Set<Topic> reread = java.util.EnumSet.noneOf(Topic.class);
    while (reread.size() < Topic.values().length) {
      Topic t = heardByB.poll(30, TimeUnit.SECONDS);
      assertThat(t).as("B resubscribed").isNotNull();
      reread.add(t);
    }
    heardByB.clear();
    a.notifyChange(Topic.GOVERNANCE);
    Topic t = heardByB.poll(30, TimeUnit.SECONDS);
    while (t != null && t != Topic.GOVERNANCE) {
      t = heardByB.poll(30, TimeUnit.SECONDS);
    }
    assertThat(t).isEqualTo(Topic.GOVERNANCE);
  }
}
