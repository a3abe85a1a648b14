package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.meter.Meter.Admitted;
import dev.tollgate.meter.Meter.Check;
import dev.tollgate.meter.Meter.Kind;
import dev.tollgate.meter.Meter.Settlement;
import dev.tollgate.meter.Meter.Stale;
import dev.tollgate.meter.Meter.Unavailable;
import dev.tollgate.meter.Meter.Verdict;
import dev.tollgate.testing.TestRedis;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RedisMeter} against a real Redis: the {@link MeterContract}, and what Redis adds. */
class RedisMeterIT extends MeterContract {
  private static @org.jspecify.annotations.Nullable TestRedis server;

  @BeforeAll
  static void startRedis() {
    server = TestRedis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis().close();
  }

  @BeforeEach
  void empty() {
    redis().flushAll();
  }

  private static TestRedis redis() {
    return Objects.requireNonNull(server, "server");
  }

  /**
   * A generous command timeout, so that a loaded machine never sends a test to the fallback; a
   * stopped Redis refuses connections at once, so outages are still seen at once.
   */
  private static RedisSettings settings() {
    return RedisSettings.ofUrl(redis().url())
        .withTimeouts(Duration.ofSeconds(10), Duration.ofMillis(100));
  }

  /** For the tests of timeouts themselves: far shorter than the stalls they make Redis take. */
  private static RedisSettings quick() {
    return RedisSettings.ofUrl(redis().url())
        .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(100));
  }

  /** A meter whose floors are fresh: as the enforcer leaves it once it has read the store. */
  @Override
  protected Meter createMeter(Vertx vertx) {
    RedisMeter m = new RedisMeter(vertx, settings(), new LocalMeter());
    await(m.floorsLoaded());
    return m;
  }

  /** Waits for something a timer does; fails after a minute rather than hang. */
  private static void awaitCondition(java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within a minute");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private RedisMeter redisMeter(RedisSettings s, LocalMeter local) {
    RedisMeter m = new RedisMeter(vertx, s, local);
    track(m);
    await(m.floorsLoaded());
    return m;
  }

  @Test
  void admit_afterFlushAll_isStaleUntilTheFloorsAreLoadedAgain() {
    RedisMeter m = redisMeter(settings(), new LocalMeter());
    Check c = spend("a", 1_000, 100);
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
    redis().flushAll();
    assertThat(admit(m, c)).isInstanceOf(Stale.class);
    assertThat(m.needsFloors()).isTrue();
    // Nothing was reserved by the stale answer; with fresh floors admission goes on.
    assertThat(redis().command("EXISTS", "tollgate:spend:a")).isEqualTo(0L);
    await(m.floorsLoaded());
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
  }

  @Test
  void admit_afterARestartFromAnOlderSnapshot_isStaleUntilTheFloorsAreLoadedAgain() {
    assumeTrue(redis().canRestart(), "needs the embedded redis");
    RedisMeter m = redisMeter(settings(), new LocalMeter());
    Check c = spend("a", 1_000, 100);
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
    // The snapshot holds this instance's floors marker: only the emptied script cache tells.
    java.nio.file.Path old = redis().snapshot();
    redis().restartFrom(old);
    assertThat(redis().command("EXISTS", "tollgate:floors:" + m.instanceId())).isEqualTo(1L);
    Verdict v = admit(m, c);
    if (!(v instanceof Stale)) {
      // the first command after the restart may instead find the old connection closed
      await(m.reachable());
      v = admit(m, c);
    }
    assertThat(v).isInstanceOf(Stale.class);
    await(m.floorsLoaded());
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
  }

  @Test
  void keys_windowsExpireAfterTheirEnd_lifetimeSpendNever() {
    RedisMeter m = redisMeter(settings(), new LocalMeter());
    String a = id();
    Check gauge = new Check("par", Kind.GAUGE, 0, NONE, 5, 1, -1, 0);
    admit(
        m,
        a,
        spend("life", 100, 1),
        spendWindow("day", T0, T0 + DAY, 100, 1),
        window("rpm", 5, 1),
        gauge);
    assertThat(redis().command("PTTL", "tollgate:spend:life")).isEqualTo(-1L);
    assertThat((Long) redis().command("PTTL", "tollgate:spend:day"))
        .isGreaterThan(DAY)
        .isLessThanOrEqualTo(2 * DAY);
    assertThat((Long) redis().command("PTTL", "tollgate:window:rpm:" + T0))
        .isGreaterThan(60_000L)
        .isLessThanOrEqualTo(120_000L);
    assertThat((Long) redis().command("PTTL", "tollgate:gauge:par")).isGreaterThan(0L);
    assertThat(redis().command("EXISTS", "tollgate:reserved:" + m.instanceId() + ":" + a))
        .isEqualTo(1L);
    settle(m, a, new Settlement(spend("life", 100, 1), 1, 5, 0, 0, NONE));
    assertThat(redis().command("EXISTS", "tollgate:reserved:" + m.instanceId() + ":" + a))
        .isEqualTo(0L);
    if (!(redis().command("KEYS", "tollgate:applied:*") instanceof List<?> applied)) {
      throw new AssertionError("KEYS answers a list");
    }
    assertThat(applied).hasSize(1);
    assertThat((Long) redis().command("PTTL", String.valueOf(applied.get(0)))).isGreaterThan(0L);
    assertThat(redis().command("HGET", "tollgate:spend:life", "used")).isEqualTo("5");
  }

  @Test
  void instanceDies_anotherReleasesExactlyWhatItHeld_andALateSettlementReleasesNothingTwice() {
    RedisMeter dying = redisMeter(settings(), new LocalMeter());
    RedisMeter survivor = redisMeter(settings(), new LocalMeter());
    Check life = spend("life", 1_000, 100);
    Check rpm = window("rpm", 50, 1);
    Check par = new Check("par", Kind.GAUGE, 0, NONE, 5, 1, -1, 0);
    String a = id();
    String b = id();
    admit(dying, a, life, rpm, par);
    admit(dying, b, life, rpm, par);
    String mine = id();
    admit(survivor, mine, life, rpm, par);
    assertThat(redis().command("HGET", "tollgate:spend:life", "reserved")).isEqualTo("300");

    // Both alive: nothing is released.
    assertThat(await(survivor.reapSilentInstances())).isZero();
    assertThat(redis().command("HGET", "tollgate:spend:life", "reserved")).isEqualTo("300");

    // The dying instance settles one request, then stops beating (its alive key is gone, as
    // after its ttl) with the other still in flight.
    settle(
        dying, a, new Settlement(life, 100, 40, 0, 0, NONE), new Settlement(par, 1, 0, 0, 0, NONE));
    redis().command("DEL", "tollgate:alive:" + dying.instanceId());
    assertThat(await(survivor.reapSilentInstances())).isEqualTo(1);

    assertThat(redis().command("HGET", "tollgate:spend:life", "reserved")).isEqualTo("100");
    assertThat(redis().command("HGET", "tollgate:spend:life", "used")).isEqualTo("40");
    assertThat(redis().command("HGET", "tollgate:window:rpm:" + T0, "reserved")).isEqualTo("2");
    assertThat(redis().command("HGET", "tollgate:gauge:par", "reserved")).isEqualTo("1");
    assertThat(redis().command("SISMEMBER", "tollgate:instances", dying.instanceId()))
        .isEqualTo(0L);
    assertThat(await(survivor.reapSilentInstances())).isZero();

    // The request it had in flight settles after all: its spend counts, nothing is released again.
    settle(
        dying, b, new Settlement(life, 100, 60, 0, 0, NONE), new Settlement(par, 1, 0, 0, 0, NONE));
    assertThat(redis().command("HGET", "tollgate:spend:life", "reserved")).isEqualTo("100");
    assertThat(redis().command("HGET", "tollgate:spend:life", "used")).isEqualTo("100");
    assertThat(redis().command("HGET", "tollgate:gauge:par", "reserved")).isEqualTo("1");
  }

  @Test
  void instanceClosedWithoutSettling_itsReservationsReturnOnTheirOwnAfterItsTtl() {
    RedisSettings quick = settings().withInstanceTtl(Duration.ofMillis(300));
    RedisMeter crashed = redisMeter(quick, new LocalMeter());
    redisMeter(quick, new LocalMeter());
    Check life = spend("life", 1_000, 250);
    Check par = new Check("par", Kind.GAUGE, 0, NONE, 1, 1, -1, 0);
    admit(crashed, id(), life, par);
    // max_parallel 1 is taken, and stays taken while the holder lives.
    assertThat(admit(crashed, id(), par)).isInstanceOf(Meter.Refused.class);

    crashed.close();

    // The survivor's own timers notice the silence and give the reservations back.
    awaitCondition(
        () ->
            "0".equals(redis().command("HGET", "tollgate:spend:life", "reserved"))
                && "0".equals(redis().command("HGET", "tollgate:gauge:par", "reserved")));
    RedisMeter next = redisMeter(quick, new LocalMeter());
    assertThat(admit(next, id(), par)).isInstanceOf(Admitted.class);
  }

  @Test
  void admitThatTimedOutButRanInRedis_refusedByTheFallback_isGivenBackWhenRedisAnswersAgain()
      throws Exception {
    LocalMeter local = new LocalMeter();
    Check c = spend("life", 1_000, 100);
    // The fallback refuses (its view of the counter is at the limit); Redis would admit.
    local.restore(c.counter(), 0, NONE, 1_000, 0, 0, false);
    RedisMeter m = redisMeter(quick(), local);
    // The admit script is loaded first: an EVALSHA queued behind the busy script would otherwise
    // find no script and not run at all, which is not the case under test.
    assertThat(admit(m, id(), spend("warm", 1_000, 1))).isInstanceOf(Admitted.class);
    // Redis is busy in a script for 2 s, far longer than the meter's 300 ms timeout: the admit,
    // sent well inside those 2 s, times out, then runs once the script is done.
    java.util.concurrent.CountDownLatch sending = new java.util.concurrent.CountDownLatch(1);
    Thread busy =
        Thread.ofPlatform()
            .start(
                () -> {
                  sending.countDown();
                  redis()
                      .command(
                          "EVAL",
                          "local s = redis.call('TIME') local t0 = s[1] * 1000000 + s[2]"
                              + " while true do local t = redis.call('TIME')"
                              + " if t[1] * 1000000 + t[2] - t0 > 2000000 then break end end"
                              + " return 1",
                          "0");
                });
    sending.await();
    Thread.sleep(300);
    assertThat(admit(m, id(), c)).isInstanceOf(Meter.Refused.class);
    busy.join();

    // Redis ran the admit after the timeout, and nobody will settle the refused request; the
    // queued give-back releases it once the meter is back.
    awaitCondition(
        () ->
            m.mode().equals("redis")
                && "0".equals(redis().command("HGET", "tollgate:spend:life", "reserved")));
    assertThat(admit(m, id(), c)).isInstanceOf(Admitted.class);
    assertThat(redis().command("HGET", "tollgate:spend:life", "reserved")).isEqualTo("100");
  }

  @Test
  void globCharactersInThePrefixAreEscapedForScan() {
    assertThat(RedisMeter.glob("a*b?c[d]e\\f")).isEqualTo("a\\*b\\?c\\[d\\]e\\\\f");
    RedisSettings odd = settings().withKeyPrefix("t*[1]:");
    RedisMeter dying = redisMeter(odd, new LocalMeter());
    RedisMeter survivor = redisMeter(odd, new LocalMeter());
    RedisMeter neighbour = redisMeter(settings().withKeyPrefix("t1:"), new LocalMeter());
    admit(dying, id(), spend("x", 100, 10));
    admit(neighbour, id(), spend("x", 100, 10));
    redis().command("DEL", "t*[1]:alive:" + dying.instanceId());
    redis().command("DEL", "t1:alive:" + neighbour.instanceId());
    assertThat(await(survivor.reapSilentInstances())).isEqualTo(1);
    assertThat(redis().command("HGET", "t*[1]:spend:x", "reserved")).isEqualTo("0");
    assertThat(redis().command("HGET", "t1:spend:x", "reserved")).isEqualTo("10");
  }

  @Test
  void scriptCacheFlushed_reloadsAndStaysOnRedis() {
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(settings(), local);
    assertThat(admit(m, spend("a", 100, 1))).isInstanceOf(Admitted.class);
    redis().command("SCRIPT", "FLUSH");
    // As after a restart, which may have been from an older snapshot: the floors are read again.
    assertThat(admit(m, spend("a", 100, 1))).isInstanceOf(Stale.class);
    await(m.floorsLoaded());
    assertThat(admit(m, spend("a", 100, 1))).isInstanceOf(Admitted.class);
    assertThat(m.mode()).isEqualTo("redis");
    assertThat(local.admits()).isZero();
    assertThat(redis().command("HGET", "tollgate:spend:a", "reserved")).isEqualTo("2");
  }

  @Test
  void counterLost_laterRelease_clampsAtZero() {
    RedisMeter m = redisMeter(settings(), new LocalMeter());
    String a = id();
    Check c = spend("a", 100, 30);
    admit(m, a, c);
    redis().command("DEL", "tollgate:spend:a");
    var after = settle(m, a, new Settlement(c, 30, 4, 0, 0, NONE)).after().get(0);
    assertThat(after.reserved()).isZero();
    assertThat(after.used()).isEqualTo(4);
  }

  @Test
  void redisStopped_localMode_admitsLocallyAndDropsTheQueueWhenRedisComesBackEmpty() {
    assumeTrue(redis().canRestart(), "needs the embedded redis");
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(settings(), local);
    Check c = spend("a", 1_000_000, 100);
    String a = id();
    assertThat(admit(m, a, c)).isInstanceOf(Admitted.class);
    assertThat(m.mode()).isEqualTo("redis");

    redis().stop();
    Settlement settleA = new Settlement(c, 100, 40, 0, 0, NONE);
    settle(m, a, settleA);
    assertThat(m.mode()).isEqualTo("redis-fallback-local");
    String b = id();
    // The fallback starts from floors read afresh (the enforcer reloads them on Stale).
    assertThat(admit(m, b, c)).isInstanceOf(Stale.class);
    await(m.floorsLoaded());
    assertThat(admit(m, b, c)).isInstanceOf(Admitted.class);
    assertThat(local.admits()).isEqualTo(1);
    Settlement settleB = new Settlement(c, 100, 60, 0, 0, NONE);
    settle(m, b, settleB);
    var localReading = read(local, c);
    assertThat(localReading.reserved()).isZero();
    assertThat(localReading.used()).isEqualTo(100);
    assertThat(m.queuedSettlements()).isEqualTo(2);

    // Redis comes back empty: the queue is not replayed, as the records' spend is in the spend
    // log and so in the floors read afresh, on top of which a replay would count it twice.
    redis().restart();
    await(m.reachable());
    assertThat(m.mode()).isEqualTo("redis");
    assertThat(m.queuedSettlements()).isZero();
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isNull();
    assertThat(admit(m, c)).isInstanceOf(Stale.class);
    await(m.floorsLoaded());
    Check floored = new Check("a", Kind.SPEND, 0, NONE, 1_000_000, 100, 0, 100);
    assertThat(admit(m, floored)).isInstanceOf(Admitted.class);
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("100");
    assertThat(local.admits()).isEqualTo(1);
  }

  @Test
  void redisStopped_closedMode_answersUnavailableAndDropsTheQueueWhenRedisComesBackEmpty() {
    assumeTrue(redis().canRestart(), "needs the embedded redis");
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(settings().withFailureMode(RedisFailureMode.CLOSED), local);
    Check c = spend("a", 1_000_000, 100);
    String a = id();
    assertThat(admit(m, a, c)).isInstanceOf(Admitted.class);

    redis().stop();
    Verdict v = admit(m, c);
    assertThat(v).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) v).why()).contains("unreachable").contains("closed");
    assertThat(m.mode()).isEqualTo("redis-unavailable-closed");
    settle(m, a, new Settlement(c, 100, 40, 0, 0, NONE));
    assertThat(local.admits()).isZero();
    // The settlement, and the give-back of the admit that failed (it cannot have run here).
    assertThat(m.queuedSettlements()).isEqualTo(2);

    redis().restart();
    await(m.reachable());
    assertThat(m.queuedSettlements()).isZero();
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isNull();
    assertThat(admit(m, c)).isInstanceOf(Stale.class);
    await(m.floorsLoaded());
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
  }

  @Test
  void restartLosesReservations_oldReleaseDoesNotTakeFromNewRequests() {
    assumeTrue(redis().canRestart(), "needs the embedded redis");
    RedisMeter m = redisMeter(settings(), new LocalMeter());
    Check c = spend("a", 1_000_000, 100);
    String a = id();
    admit(m, a, c);
    redis().stop();
    admit(m, c); // the meter notices the outage
    redis().restart();
    await(m.reachable());
    await(m.floorsLoaded()); // as the enforcer does once admission answers Stale
    String b = id();
    assertThat(admit(m, b, c)).isInstanceOf(Admitted.class);
    settle(m, a, new Settlement(c, 100, 10, 0, 0, NONE));
    assertThat(redis().command("HGET", "tollgate:spend:a", "reserved")).isEqualTo("100");
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("10");
  }

  @Test
  void replyLost_settlementTimesOutThenRuns_replayCountsItOnce() {
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(quick(), local);
    Check c = spend("a", 1_000_000, 100);
    String a = id();
    admit(m, a, c);
    redis().command("CLIENT", "PAUSE", "1500", "ALL");
    settle(m, a, new Settlement(c, 100, 40, 0, 0, NONE)); // times out; Redis runs it later
    assertThat(m.mode()).isEqualTo("redis-fallback-local");
    await(m.reachable());
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("40");
    assertThat(redis().command("HGET", "tollgate:spend:a", "reserved")).isEqualTo("0");
  }

  @Test
  void queueFull_dropsAndCounts() {
    assumeTrue(redis().canRestart(), "needs the embedded redis");
    RedisMeter m = redisMeter(settings().withMaxQueuedSettlements(1), new LocalMeter());
    redis().stop();
    Check c = spend("a", NONE, 0);
    settle(m, id(), new Settlement(c, 0, 1, 0, 0, NONE));
    settle(m, id(), new Settlement(c, 0, 2, 0, 0, NONE));
    assertThat(m.queuedSettlements()).isEqualTo(1);
    assertThat(m.droppedSettlements()).isEqualTo(1);
    // Back, but empty: the queue is dropped too (see the local-mode test), and counted apart.
    redis().restart();
    await(m.reachable());
    assertThat(m.queuedSettlements()).isZero();
    assertThat(m.droppedSettlements()).isEqualTo(1);
  }
}
