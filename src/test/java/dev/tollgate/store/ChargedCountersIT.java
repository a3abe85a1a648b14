package dev.tollgate.store;

import static dev.tollgate.store.SpendLogIT.awaitTrue;
import static dev.tollgate.store.SpendLogIT.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.Charge;
import dev.tollgate.budget.Charges;
import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.CounterState;
import dev.tollgate.budget.Level;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.governance.BudgetDuration;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stored budget counters move with the spend log: in the transaction that writes a batch, by
 * exactly what its records were charged, once however often the batch is written; and a counter
 * that disagrees with the rows charged to it is corrected at start.
 */
class ChargedCountersIT {
  static final long DAY = 86_400_000L;
  static final long T = 20_000 * DAY; // a day's start
  static final CounterKey KEY = CounterKey.of(Level.KEY, "k1");
  static final CounterKey GLOBAL = CounterKey.of(Level.GLOBAL, CounterKey.GLOBAL_ID);

  static Charge daily(CounterKey k, long at) {
    long start = at - Math.floorMod(at, DAY);
    return new Charge(
        k, Optional.of(BudgetDuration.parse("1d")), start, start + DAY, Long.MAX_VALUE);
  }

  static Charge lifetime(CounterKey k) {
    return new Charge(k, Optional.empty(), 0, CounterState.NO_END, Long.MAX_VALUE);
  }

  static Charges charged(long at) {
    return new Charges(at, List.of(daily(KEY, at), lifetime(GLOBAL)));
  }

  static CounterState stored(Database db, CounterKey k) {
    return db.counters().loadCounters().stream()
        .filter(s -> s.key().equals(k))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no stored counter " + k));
  }

  static void record(Database db, long persistedAfter, SpendRecord r, Charges c)
      throws InterruptedException {
    db.spendLog().record(r, c);
    awaitTrue(() -> db.spendLog().stats().persisted() == persistedAfter);
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_chargedRecords_moveTheStoredCountersByExactlyTheirCost(StoreKind kind)
      throws Exception {
    try (Database db = kind.fresh().open()) {
      record(db, 1, SpendRecords.priced("a", 1_000), charged(T + 10));
      record(db, 2, SpendRecords.priced("b", 234), charged(T + 20));
      record(db, 3, SpendRecords.unpriced("c", 40, 2), charged(T + 30));
      record(db, 4, SpendRecords.priced("free", 0), Charges.NONE);

      CounterState key = stored(db, KEY);
      assertThat(key.spendNanos()).isEqualTo(1_234);
      assertThat(key.unpricedRequests()).isEqualTo(1);
      assertThat(key.unpricedTokens()).isEqualTo(42);
      assertThat(key.sinceMillis()).isEqualTo(T);
      assertThat(key.endMillis()).isEqualTo(T + DAY);
      assertThat(stored(db, GLOBAL).spendNanos()).isEqualTo(1_234);
      // The invariant: the counter equals the spend rows charged to it.
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(1_234);
      assertThat(count(db, "SELECT COUNT(*) FROM spend_charges")).isEqualTo(6);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void record_chargeInTheNextWindow_startsTheCounterAfresh(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      record(db, 1, SpendRecords.priced("a", 1_000), charged(T + 10));
      record(db, 2, SpendRecords.priced("b", 7), charged(T + DAY + 5));
      CounterState key = stored(db, KEY);
      assertThat(key.spendNanos()).isEqualTo(7);
      assertThat(key.sinceMillis()).isEqualTo(T + DAY);
      assertThat(stored(db, GLOBAL).spendNanos()).isEqualTo(1_007);
      // A record settled in the old window and written late is not counted in the new one.
      record(db, 3, SpendRecords.priced("late", 50), charged(T + DAY - 1));
      assertThat(stored(db, KEY).spendNanos()).isEqualTo(7);
      assertThat(stored(db, KEY).sinceMillis()).isEqualTo(T + DAY);
      assertThat(stored(db, GLOBAL).spendNanos()).isEqualTo(1_057);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void replay_batchWrittenAgain_movesTheCountersOnce(StoreKind kind) throws Exception {
    StoreKind.Target t = kind.fresh();
    SpendRecord a = SpendRecords.priced("a", 1_000);
    try (Database db = t.open()) {
      record(db, 1, a, charged(T + 10));
    }
    // The same record in the journal, as after a commit whose acknowledgement was lost.
    new SpendJournal(t.dataDir()).append(List.of(new CounterSql.Charged(a, charged(T + 10))));
    SpendRecord b = SpendRecords.priced("b", 5);
    new SpendJournal(t.dataDir()).append(List.of(new CounterSql.Charged(b, charged(T + 11))));
    try (Database db = t.open()) {
      assertThat(db.spendLog().stats().journalPending()).isZero();
      assertThat(stored(db, KEY).spendNanos()).isEqualTo(1_005);
      assertThat(count(db, "SELECT SUM(cost_nanos) FROM spend_logs")).isEqualTo(1_005);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void reconcileCounters_tamperedOrStaleCounter_isCorrectedToTheChargedRows(StoreKind kind)
      throws Exception {
    try (Database db = kind.fresh().open()) {
      record(db, 1, SpendRecords.priced("a", 1_000), charged(T + 10));
      record(db, 2, SpendRecords.unpriced("b", 3, 4), charged(T + 20));
      try (Connection c = db.pool().getConnection();
          Statement s = c.createStatement()) {
        s.executeUpdate(
            "UPDATE budget_counters SET spend_nanos = 1, unpriced_requests = 0"
                + " WHERE level = 'key'");
        s.executeUpdate("UPDATE budget_counters SET spend_nanos = 999999 WHERE level = 'global'");
      }
      assertThat(stored(db, KEY).spendNanos()).isEqualTo(1);

      assertThat(db.reconcileCounters(T + 30)).isEqualTo(2);

      CounterState key = stored(db, KEY);
      assertThat(key.spendNanos()).isEqualTo(1_000);
      assertThat(key.unpricedRequests()).isEqualTo(1);
      assertThat(key.unpricedTokens()).isEqualTo(7);
      assertThat(stored(db, GLOBAL).spendNanos()).isEqualTo(1_000);
      // Nothing left to correct.
      assertThat(db.reconcileCounters(T + 30)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void restartCounters_reset_countsOnlyWhatWasChargedSince(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      record(db, 1, SpendRecords.priced("a", 1_000), charged(T + 10));
      record(db, 2, SpendRecords.priced("b", 20), charged(T + 30));
      CounterState before = stored(db, KEY);
      List<CounterState> after =
          db.counters()
              .restartCounters(
                  List.of(
                      new CounterState(
                          KEY, before.duration(), T + 20, before.endMillis(), 0, 0, 0, false)));
      assertThat(after).singleElement().extracting(CounterState::spendNanos).isEqualTo(20L);
      assertThat(stored(db, KEY).sinceMillis()).isEqualTo(T + 20);
      // Later charges add to the restarted counter, and it still equals the rows since the reset.
      record(db, 3, SpendRecords.priced("c", 3), charged(T + 40));
      assertThat(stored(db, KEY).spendNanos()).isEqualTo(23);
      assertThat(db.reconcileCounters(T + 50)).isZero();
    }
  }
}
