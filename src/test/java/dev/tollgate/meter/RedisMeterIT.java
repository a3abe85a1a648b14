package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.meter.Meter.Admitted;
import dev.tollgate.meter.Meter.Check;
import dev.tollgate.meter.Meter.Kind;
import dev.tollgate.meter.Meter.Settlement;
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

  private static RedisSettings settings() {
    return RedisSettings.ofUrl(redis().url())
        .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(100));
  }

  @Override
  protected Meter createMeter(Vertx vertx) {
    return new RedisMeter(vertx, settings(), new LocalMeter());
  }

  private RedisMeter redisMeter(RedisSettings s, LocalMeter local) {
    RedisMeter m = new RedisMeter(vertx, s, local);
    track(m);
    return m;
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
    assertThat(redis().command("EXISTS", "tollgate:reserved:" + a)).isEqualTo(1L);
    settle(m, a, new Settlement(spend("life", 100, 1), 1, 5, 0, 0, NONE));
    assertThat(redis().command("EXISTS", "tollgate:reserved:" + a)).isEqualTo(0L);
    if (!(redis().command("KEYS", "tollgate:applied:*") instanceof List<?> applied)) {
      throw new AssertionError("KEYS answers a list");
    }
    assertThat(applied).hasSize(1);
    assertThat((Long) redis().command("PTTL", String.valueOf(applied.get(0)))).isGreaterThan(0L);
    assertThat(redis().command("HGET", "tollgate:spend:life", "used")).isEqualTo("5");
  }

  @Test
  void scriptCacheFlushed_reloadsAndStaysOnRedis() {
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(settings(), local);
    assertThat(admit(m, spend("a", 100, 1))).isInstanceOf(Admitted.class);
    redis().command("SCRIPT", "FLUSH");
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
  void redisStopped_localMode_admitsLocallyAndReplaysSettlementsOnceAfterRestart() {
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
    assertThat(admit(m, b, c)).isInstanceOf(Admitted.class);
    assertThat(local.admits()).isEqualTo(1);
    Settlement settleB = new Settlement(c, 100, 60, 0, 0, NONE);
    settle(m, b, settleB);
    var localReading = read(local, c);
    assertThat(localReading.reserved()).isZero();
    assertThat(localReading.used()).isEqualTo(100);
    assertThat(m.queuedSettlements()).isEqualTo(2);

    redis().restart();
    await(m.reachable());
    assertThat(m.mode()).isEqualTo("redis");
    assertThat(m.queuedSettlements()).isZero();
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("100");
    assertThat(read(m, c).reserved()).isZero();

    settle(m, a, settleA);
    settle(m, b, settleB);
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("100");
    assertThat(admit(m, c)).isInstanceOf(Admitted.class);
    assertThat(local.admits()).isEqualTo(1);
  }

  @Test
  void redisStopped_closedMode_answersUnavailableAndReplaysSettlements() {
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
    assertThat(m.queuedSettlements()).isEqualTo(1);

    redis().restart();
    await(m.reachable());
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("40");
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
    String b = id();
    assertThat(admit(m, b, c)).isInstanceOf(Admitted.class);
    settle(m, a, new Settlement(c, 100, 10, 0, 0, NONE));
    assertThat(redis().command("HGET", "tollgate:spend:a", "reserved")).isEqualTo("100");
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("10");
  }

  @Test
  void replyLost_settlementTimesOutThenRuns_replayCountsItOnce() {
    LocalMeter local = new LocalMeter();
    RedisMeter m = redisMeter(settings(), local);
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
    redis().restart();
    await(m.reachable());
    assertThat(redis().command("HGET", "tollgate:spend:a", "used")).isEqualTo("1");
  }
}
