package dev.tollgate.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.meter.Meter.Admitted;
import dev.tollgate.meter.Meter.Check;
import dev.tollgate.meter.Meter.Kind;
import dev.tollgate.meter.Meter.Reading;
import dev.tollgate.meter.Meter.Refused;
import dev.tollgate.meter.Meter.Settled;
import dev.tollgate.meter.Meter.Settlement;
import dev.tollgate.meter.Meter.Verdict;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Meter} must do, whatever holds its counters. A subclass supplies meters that
 * share their counters (for an in-process meter, the same instance every time is fine).
 */
public abstract class MeterContract {
  protected static final long T0 = 1_700_000_000_000L;
  protected static final long DAY = 86_400_000L;
  protected static final long NONE = Long.MAX_VALUE;

  /** One per test: JUnit makes a new instance of the class for every test. */
  protected final Vertx vertx = Vertx.vertx();

  private final Set<Meter> opened = Collections.newSetFromMap(new IdentityHashMap<>());
  private final AtomicInteger ids = new AtomicInteger();

  /** A meter sharing its counters with every other meter this test got from here. */
  protected abstract Meter createMeter(Vertx vertx);

  protected final Meter newMeter() {
    return track(createMeter(vertx));
  }

  /** Closes {@code m} after the test. */
  protected final <M extends Meter> M track(M m) {
    synchronized (opened) {
      opened.add(m);
    }
    return m;
  }

  @AfterEach
  void closeMeters() {
    synchronized (opened) {
      opened.forEach(Meter::close);
      opened.clear();
    }
    await(vertx.close());
  }

  // --- admission -------------------------------------------------------------------------------

  @Test
  void admit_everyCheckPasses_reservesOnEvery() {
    Meter m = newMeter();
    Verdict v = admit(m, spend("a", 1000, 10), window("b", 100, 1));
    assertThat(v).isInstanceOf(Admitted.class);
    assertThat(((Admitted) v).before()).extracting(Reading::reserved).containsExactly(0L, 0L);
    assertThat(read(m, spend("a", 1000, 0)).reserved()).isEqualTo(10);
    assertThat(read(m, window("b", 100, 0)).reserved()).isEqualTo(1);
  }

  @Test
  void admit_secondCheckBlocks_nothingReserved() {
    Meter m = newMeter();
    settle(m, id(), new Settlement(spend("b", 100, 0), 0, 100, 0, 0, NONE));
    Verdict v = admit(m, spend("a", 1000, 10), spend("b", 100, 10));
    assertThat(v).isInstanceOf(Refused.class);
    assertThat(((Refused) v).index()).isEqualTo(1);
    assertThat(((Refused) v).reading().used()).isEqualTo(100);
    assertThat(read(m, spend("a", 1000, 0)).reserved()).isZero();
    assertThat(read(m, spend("b", 100, 0)).reserved()).isZero();
  }

  @Test
  void admit_usedPlusReservedReachesLimit_blocks() {
    Meter m = newMeter();
    assertThat(admit(m, spend("a", 100, 60))).isInstanceOf(Admitted.class);
    assertThat(admit(m, spend("a", 100, 60))).isInstanceOf(Admitted.class);
    assertThat(admit(m, spend("a", 100, 60))).isInstanceOf(Refused.class);
  }

  @Test
  void admit_noLimit_countsAndReservesButNeverBlocks() {
    Meter m = newMeter();
    for (int i = 0; i < 5; i++) {
      assertThat(admit(m, spend("a", NONE, Long.MAX_VALUE / 8))).isInstanceOf(Admitted.class);
    }
    assertThat(read(m, spend("a", NONE, 0)).reserved()).isEqualTo(5 * (Long.MAX_VALUE / 8));
  }

  @Test
  void admit_200ConcurrentFromThreadsAndEventLoops_admitsExactlyCeilRemainingOverReserve()
      throws Exception {
    long limit = 1000;
    long reserve = 7; // ceil(1000 / 7) = 143
    List<Meter> meters = List.of(newMeter(), newMeter(), newMeter());
    List<Future<Verdict>> verdicts = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int i = 0; i < 200; i++) {
        Meter m = meters.get(i % meters.size());
        String id = id();
        if (i % 2 == 0) {
          pool.execute(() -> verdicts.add(admitAsync(m, id, spend("a", limit, reserve))));
        } else {
          Context ctx = vertx.getOrCreateContext();
          Promise<Verdict> p = Promise.promise();
          verdicts.add(p.future());
          ctx.runOnContext(x -> admitAsync(m, id, spend("a", limit, reserve)).onComplete(p));
        }
      }
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    List<Verdict> all = verdicts.stream().map(MeterContract::await).toList();
    assertThat(all).hasSize(200);
    assertThat(all.stream().filter(v -> v instanceof Admitted).count()).isEqualTo(143);
    assertThat(read(meters.get(0), spend("a", limit, 0)).reserved()).isEqualTo(143 * reserve);
  }

  // --- settlement ------------------------------------------------------------------------------

  @Test
  void settle_releasesReservationAndAddsSpend() {
    Meter m = newMeter();
    String id = id();
    Check c = spend("a", 1000, 50);
    assertThat(admit(m, id, c)).isInstanceOf(Admitted.class);
    Settled s = settle(m, id, new Settlement(c, 50, 30, 1, 7, NONE));
    Reading r = s.after().get(0);
    assertThat(r.reserved()).isZero();
    assertThat(r.used()).isEqualTo(30);
    assertThat(r.unpricedRequests()).isEqualTo(1);
    assertThat(r.unpricedTokens()).isEqualTo(7);
    assertThat(read(m, c).used()).isEqualTo(30);
  }

  @Test
  void settle_sameRequestIdTwice_countsOnce() {
    Meter m = newMeter();
    String id = id();
    Check c = spend("a", 1000, 50);
    admit(m, id, c);
    Settlement s = new Settlement(c, 50, 30, 0, 0, NONE);
    settle(m, id, s);
    Settled again = settle(m, id, s);
    assertThat(again.after().get(0).used()).isEqualTo(30);
    assertThat(again.softCrossed()).containsExactly(false);
    Reading r = read(m, c);
    assertThat(r.used()).isEqualTo(30);
    assertThat(r.reserved()).isZero();
  }

  @Test
  void settle_exactAboveTwoToThe32_keepsEveryNano() {
    Meter m = newMeter();
    long big = 4_000_000_000_000_001L; // 4 million USD and one nano: below 2^53
    settle(m, id(), new Settlement(spend("a", NONE, 0), 0, big, 0, 0, NONE));
    settle(m, id(), new Settlement(spend("a", NONE, 0), 0, 2, 0, 0, NONE));
    assertThat(read(m, spend("a", NONE, 0)).used()).isEqualTo(big + 2);
  }

  @Test
  void settle_concurrentCrossingsOfSoftLimit_reportExactlyOnce() {
    List<Meter> meters = List.of(newMeter(), newMeter());
    Check c = spend("a", NONE, 0);
    List<Future<Settled>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Meter m = meters.get(i % 2);
      all.add(m.settle(id(), List.of(new Settlement(c, 0, 10, 0, 0, 200)), T0));
    }
    long crossed =
        all.stream().map(MeterContract::await).filter(s -> s.softCrossed().get(0)).count();
    assertThat(crossed).isEqualTo(1);
    assertThat(read(meters.get(0), c).softAlerted()).isTrue();
  }

  @Test
  void settle_nextWindow_softAlertFiresAgain() {
    Meter m = newMeter();
    Check day1 = spendWindow("a", T0, T0 + DAY, NONE, 0);
    assertThat(settle(m, id(), new Settlement(day1, 0, 300, 0, 0, 200)).softCrossed())
        .containsExactly(true);
    assertThat(settle(m, id(), new Settlement(day1, 0, 300, 0, 0, 200)).softCrossed())
        .containsExactly(false);
    Check day2 = spendWindow("a", T0 + DAY, T0 + 2 * DAY, NONE, 0);
    Settled s = await(m.settle(id(), List.of(new Settlement(day2, 0, 300, 0, 0, 200)), T0 + DAY));
    assertThat(s.softCrossed()).containsExactly(true);
    assertThat(s.after().get(0).used()).isEqualTo(300);
  }

  // --- SPEND windows ---------------------------------------------------------------------------

  @Test
  void spend_windowEnded_startsAfreshAtWindowStartKeepingReserved() {
    Meter m = newMeter();
    Check day1 = spendWindow("a", T0, T0 + DAY, 1000, 40);
    admit(m, id(), day1);
    settle(m, id(), new Settlement(day1, 0, 500, 2, 9, 100));
    Check day2 = spendWindow("a", T0 + DAY, T0 + 2 * DAY, 1000, 0);
    Reading r = await(m.read(List.of(day2), T0 + DAY + 5)).get(0);
    assertThat(r.used()).isZero();
    assertThat(r.unpricedRequests()).isZero();
    assertThat(r.unpricedTokens()).isZero();
    assertThat(r.softAlerted()).isFalse();
    assertThat(r.reserved()).isEqualTo(40);
    assertThat(r.since()).isEqualTo(T0 + DAY);
    assertThat(r.windowEnd()).isEqualTo(T0 + 2 * DAY);
  }

  @Test
  void spend_durationAddedToLifetime_startsAfreshAtNow() {
    Meter m = newMeter();
    Check lifetime = spendWindow("a", 0, NONE, 1000, 0);
    settle(m, id(), new Settlement(lifetime, 0, 700, 0, 0, NONE));
    long now = T0 + 1234;
    Check daily = spendWindow("a", T0, T0 + DAY, 1000, 0);
    assertThat(await(m.admit(id(), List.of(daily), now))).isInstanceOf(Admitted.class);
    Reading r = await(m.read(List.of(daily), now)).get(0);
    assertThat(r.used()).isZero();
    assertThat(r.since()).isEqualTo(now);
    assertThat(r.windowEnd()).isEqualTo(T0 + DAY);
  }

  @Test
  void spend_durationChanged_onlyEndMoves() {
    Meter m = newMeter();
    Check daily = spendWindow("a", T0, T0 + DAY, 1000, 0);
    settle(m, id(), new Settlement(daily, 0, 700, 0, 0, NONE));
    Check weekly = spendWindow("a", T0, T0 + 7 * DAY, 1000, 0);
    Reading r = await(m.read(List.of(weekly), T0 + 10)).get(0);
    assertThat(r.used()).isEqualTo(700);
    assertThat(r.since()).isEqualTo(T0);
    assertThat(r.windowEnd()).isEqualTo(T0 + 7 * DAY);
    Check removed = spendWindow("a", T0, NONE, 1000, 0);
    settle(m, id(), new Settlement(removed, 0, 1, 0, 0, NONE));
    Reading after = read(m, removed);
    assertThat(after.used()).isEqualTo(701);
    assertThat(after.windowEnd()).isEqualTo(NONE);
  }

  // --- WINDOW and GAUGE ------------------------------------------------------------------------

  @Test
  void window_eachWindowIsItsOwnCounter() {
    Meter m = newMeter();
    Check minute1 = new Check("rpm", Kind.WINDOW, T0, T0 + 60_000, 2, 1, -1, 0);
    String a = id();
    assertThat(admit(m, a, minute1)).isInstanceOf(Admitted.class);
    settle(m, a, new Settlement(minute1, 1, 1, 0, 0, NONE));
    assertThat(admit(m, minute1)).isInstanceOf(Admitted.class);
    assertThat(admit(m, minute1)).isInstanceOf(Refused.class);
    Check minute2 = new Check("rpm", Kind.WINDOW, T0 + 60_000, T0 + 120_000, 2, 1, -1, 0);
    Verdict v = await(m.admit(id(), List.of(minute2), T0 + 60_000));
    assertThat(v).isInstanceOf(Admitted.class);
    assertThat(((Admitted) v).before().get(0).used()).isZero();
    assertThat(((Admitted) v).before().get(0).reserved()).isZero();
  }

  @Test
  void gauge_countsRequestsInFlight() {
    Meter m = newMeter();
    Check g = new Check("parallel", Kind.GAUGE, 0, NONE, 2, 1, -1, 0);
    String a = id();
    assertThat(admit(m, a, g)).isInstanceOf(Admitted.class);
    assertThat(admit(m, g)).isInstanceOf(Admitted.class);
    assertThat(admit(m, g)).isInstanceOf(Refused.class);
    Settled s = settle(m, a, new Settlement(g, 1, 0, 0, 0, NONE));
    assertThat(s.after().get(0).reserved()).isEqualTo(1);
    assertThat(s.after().get(0).used()).isZero();
    assertThat(admit(m, g)).isInstanceOf(Admitted.class);
  }

  // --- floors ----------------------------------------------------------------------------------

  @Test
  void floor_missingCounter_seedsFromFloor() {
    Meter m = newMeter();
    Check c = new Check("a", Kind.SPEND, T0, T0 + DAY, 1000, 10, T0 + 50, 995);
    Verdict v = admit(m, c);
    assertThat(v).isInstanceOf(Admitted.class);
    Reading before = ((Admitted) v).before().get(0);
    assertThat(before.used()).isEqualTo(995);
    assertThat(before.since()).isEqualTo(T0 + 50);
    assertThat(admit(m, c)).isInstanceOf(Refused.class);
  }

  @Test
  void floor_fromAnotherWindow_isIgnored() {
    Meter m = newMeter();
    Check c = new Check("a", Kind.SPEND, T0, T0 + DAY, 1000, 10, T0 - DAY, 995);
    Verdict v = admit(m, c);
    assertThat(((Admitted) v).before().get(0).used()).isZero();
    assertThat(((Admitted) v).before().get(0).since()).isEqualTo(T0);
  }

  @Test
  void floor_concurrentSeedingFromSeveralMeters_neverAddsTheBaseTwice() {
    List<Meter> meters = List.of(newMeter(), newMeter(), newMeter(), newMeter());
    Check c = new Check("a", Kind.SPEND, T0, T0 + DAY, NONE, 0, T0, 500);
    List<Future<Verdict>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(meters.get(i % meters.size()).admit(id(), List.of(c), T0 + 1));
    }
    all.forEach(MeterContract::await);
    assertThat(read(meters.get(0), c).used()).isEqualTo(500);
    settle(meters.get(1), id(), new Settlement(c, 0, 7, 0, 0, NONE));
    assertThat(read(meters.get(2), c).used()).isEqualTo(507);
  }

  @Test
  void floor_staleLowCounter_isRaisedNotAdded() {
    Meter m = newMeter();
    Check plain = spendWindow("a", T0, T0 + DAY, 1000, 0);
    settle(m, id(), new Settlement(plain, 0, 100, 0, 0, NONE));
    Check floored = new Check("a", Kind.SPEND, T0, T0 + DAY, 1000, 0, T0, 400);
    Verdict v = admit(m, floored);
    assertThat(((Admitted) v).before().get(0).used()).isEqualTo(400);
    Check lower = new Check("a", Kind.SPEND, T0, T0 + DAY, 1000, 0, T0, 300);
    assertThat(((Admitted) admit(m, lower)).before().get(0).used()).isEqualTo(400);
  }

  @Test
  void floor_olderSinceAfterReset_doesNotUndoTheReset() {
    Meter m = newMeter();
    Check plain = spendWindow("a", T0, T0 + DAY, 1000, 0);
    settle(m, id(), new Settlement(plain, 0, 900, 0, 0, NONE));
    await(m.reset(List.of(plain), T0 + 100));
    Check oldFloor = new Check("a", Kind.SPEND, T0, T0 + DAY, 1000, 0, T0, 900);
    Verdict v = await(m.admit(id(), List.of(oldFloor), T0 + 200));
    assertThat(v).isInstanceOf(Admitted.class);
    assertThat(((Admitted) v).before().get(0).used()).isZero();
    assertThat(((Admitted) v).before().get(0).since()).isEqualTo(T0 + 100);
  }

  // --- reset and read --------------------------------------------------------------------------

  @Test
  void reset_isSeenByAnotherMeterAtOnce() {
    Meter one = newMeter();
    Meter two = newMeter();
    Check c = spendWindow("a", T0, T0 + DAY, 1000, 20);
    admit(one, c);
    settle(one, id(), new Settlement(c, 0, 1000, 1, 5, 10));
    assertThat(admit(two, c)).isInstanceOf(Refused.class);
    await(one.reset(List.of(c), T0 + 300));
    Reading r = await(two.read(List.of(c), T0 + 301)).get(0);
    assertThat(r.used()).isZero();
    assertThat(r.unpricedRequests()).isZero();
    assertThat(r.softAlerted()).isFalse();
    assertThat(r.since()).isEqualTo(T0 + 300);
    assertThat(r.reserved()).isEqualTo(20);
    assertThat(r.windowEnd()).isEqualTo(T0 + DAY);
    assertThat(admit(two, c)).isInstanceOf(Admitted.class);
  }

  @Test
  void reset_absentCounter_isCreatedSoThatAnOldFloorCannotBringSpendBack() {
    Meter m = newMeter();
    Check c = spendWindow("nobody", T0, T0 + DAY, 1000, 0);
    await(m.reset(List.of(c), T0 + 50));
    Reading r = read(m, c);
    assertThat(r.exists()).isTrue();
    assertThat(r.used()).isZero();
    assertThat(r.since()).isEqualTo(T0 + 50);
    // Another instance still holds the store's view from before the reset: it is ignored.
    Check oldFloor = new Check("nobody", Kind.SPEND, T0, T0 + DAY, 1000, 0, T0, 900);
    assertThat(((Admitted) admit(m, oldFloor)).before().get(0).used()).isZero();
  }

  @Test
  void read_appliesTheFloorAsAdmissionWould() {
    Meter m = newMeter();
    Check floored = new Check("f", Kind.SPEND, T0, T0 + DAY, 1000, 0, T0, 700);
    Reading r = read(m, floored);
    assertThat(r.used()).isEqualTo(700);
    assertThat(r.since()).isEqualTo(T0);
  }

  @Test
  void read_absentCounter_readsZeroInTheCheckWindow() {
    Meter m = newMeter();
    Reading r = read(m, spendWindow("a", T0, T0 + DAY, 10, 0));
    assertThat(r).isEqualTo(new Reading("a", false, 0, 0, T0, T0 + DAY, 0, 0, false));
  }

  // --- helpers ---------------------------------------------------------------------------------

  protected final String id() {
    return "req-" + ids.incrementAndGet() + "-" + System.identityHashCode(this);
  }

  protected static Check spend(String counter, long limit, long reserve) {
    return spendWindow(counter, T0, NONE, limit, reserve);
  }

  protected static Check spendWindow(
      String counter, long start, long end, long limit, long reserve) {
    return new Check(counter, Kind.SPEND, start, end, limit, reserve, -1, 0);
  }

  protected static Check window(String counter, long limit, long reserve) {
    return new Check(counter, Kind.WINDOW, T0, T0 + 60_000, limit, reserve, -1, 0);
  }

  protected final Verdict admit(Meter m, Check... checks) {
    return admit(m, id(), checks);
  }

  protected static Verdict admit(Meter m, String id, Check... checks) {
    return await(admitAsync(m, id, checks));
  }

  private static Future<Verdict> admitAsync(Meter m, String id, Check... checks) {
    return m.admit(id, List.of(checks), T0 + 1);
  }

  protected static Settled settle(Meter m, String id, Settlement... settlements) {
    return await(m.settle(id, List.of(settlements), T0 + 2));
  }

  protected static Reading read(Meter m, Check c) {
    return await(m.read(List.of(c), T0 + 3)).get(0);
  }

  /** Waits for a result; the bound only stops a broken test from hanging. */
  protected static <T> T await(Future<T> f) {
    try {
      return f.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no result within 30 s", e);
    }
  }
}
