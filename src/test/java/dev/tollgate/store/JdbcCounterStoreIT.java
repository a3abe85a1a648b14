package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.budget.CounterKey;
import dev.tollgate.budget.CounterState;
import dev.tollgate.budget.Level;
import dev.tollgate.governance.BudgetDuration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcCounterStoreIT {

  private static CounterState lifetime(CounterKey key, long spend) {
    return new CounterState(
        key, Optional.empty(), 1_700_000_000_000L, CounterState.NO_END, spend, 3, 4_096, true);
  }

  private static CounterState windowed(CounterKey key, String duration, long spend) {
    return new CounterState(
        key,
        Optional.of(BudgetDuration.parse(duration)),
        1_740_787_200_000L,
        1_743_465_600_000L,
        spend,
        0,
        0,
        false);
  }

  /** One counter of every level, with a sub where the level has one. */
  private static List<CounterState> everyLevel() {
    List<CounterState> out = new ArrayList<>();
    for (Level l : Level.values()) {
      String sub =
          switch (l) {
            case KEY_MODEL, USER_MODEL, CUSTOMER_MODEL -> "openai/gpt-4o";
            case TEAM_MEMBER -> "user-1";
            default -> "";
          };
      CounterKey key = new CounterKey(l, l == Level.GLOBAL ? CounterKey.GLOBAL_ID : "id-é", sub);
      out.add(l.ordinal() % 2 == 0 ? lifetime(key, Long.MAX_VALUE) : windowed(key, "1mo", 7));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void loadCounters_afterCloseAndReopen_returnsEveryStateExactly(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      assertThat(db.counters().loadCounters()).isEmpty();
      db.counters().saveCounters(everyLevel());
    }
    try (Database db = t.open()) {
      assertThat(db.counters().loadCounters()).containsExactlyInAnyOrderElementsOf(everyLevel());
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void saveCounters_existingKey_replacesEveryField(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    CounterKey key = CounterKey.of(Level.TEAM, "qa");
    CounterState later =
        new CounterState(
            key,
            Optional.of(new BudgetDuration(Integer.MAX_VALUE, BudgetDuration.Unit.SECONDS)),
            Long.MAX_VALUE - 2,
            Long.MAX_VALUE - 1,
            0,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            false);
    try (Database db = t.open()) {
      db.counters().saveCounters(List.of(lifetime(key, 10)));
      db.counters().saveCounters(List.of(later));
    }
    try (Database db = t.open()) {
      assertThat(db.counters().loadCounters()).containsExactly(later);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void saveCounters_anOlderViewNeverReplacesANewerOne(StoreKind kind) {
    CounterKey key = CounterKey.of(Level.KEY, "k");
    Optional<BudgetDuration> day = Optional.of(BudgetDuration.parse("1d"));
    CounterState reset = new CounterState(key, day, 5_000, 86_400_000, 40, 0, 0, false);
    CounterState beforeReset = new CounterState(key, day, 0, 86_400_000, 900, 1, 3, true);
    CounterState lessSpend = new CounterState(key, day, 5_000, 86_400_000, 30, 0, 0, false);
    CounterState more = new CounterState(key, day, 5_000, 86_400_000, 50, 1, 2, false);
    try (Database db = kind.fresh().open()) {
      db.counters().saveCounters(List.of(reset));
      // Another instance read the counter before the reset, or before the last request settled.
      db.counters().saveCounters(List.of(beforeReset));
      db.counters().saveCounters(List.of(lessSpend));
      assertThat(db.counters().loadCounters()).containsExactly(reset);
      db.counters().saveCounters(List.of(more));
      assertThat(db.counters().loadCounters()).containsExactly(more);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void saveCounters_sameKeyTwiceInOneBatch_keepsTheLast(StoreKind kind) {
    CounterKey key = CounterKey.of(Level.KEY, "k");
    CounterKey other = CounterKey.of(Level.USER, "k");
    try (Database db = kind.fresh().open()) {
      db.counters()
          .saveCounters(List.of(lifetime(key, 1), lifetime(other, 2), windowed(key, "1d", 3)));

      assertThat(db.counters().loadCounters())
          .containsExactlyInAnyOrder(windowed(key, "1d", 3), lifetime(other, 2));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void saveCounters_emptySubAndModelSub_areDifferentCounters(StoreKind kind) {
    CounterState whole = lifetime(CounterKey.of(Level.KEY, "k"), 5);
    CounterState model = lifetime(new CounterKey(Level.KEY_MODEL, "k", "gpt-4o"), 6);
    CounterState keyWithSub = lifetime(new CounterKey(Level.KEY, "k", " "), 7);
    try (Database db = kind.fresh().open()) {
      db.counters().saveCounters(List.of(whole, model, keyWithSub));

      assertThat(db.counters().loadCounters()).containsExactlyInAnyOrder(whole, model, keyWithSub);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void saveCounters_manyStates_oneTransaction(StoreKind kind) {
    List<CounterState> many = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      many.add(windowed(CounterKey.of(Level.CUSTOMER, "c" + i), "1d", i));
    }
    try (Database db = kind.fresh().open()) {
      db.counters().saveCounters(many);

      assertThat(db.counters().loadCounters()).containsExactlyInAnyOrderElementsOf(many);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void loadCounters_unknownLevel_failsNamingTheRow(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO budget_counters (level, entity_id, sub, duration, since_ms, end_ms,"
                      + " spend_nanos, unpriced_requests, unpriced_tokens, soft_alerted,"
                      + " updated_at) VALUES ('planet', 'x', '', NULL, 0,"
                      + " 9223372036854775807, 0, 0, 0, ?, 0)")) {
        ps.setBoolean(1, false);
        ps.executeUpdate();
      }

      assertThatThrownBy(() -> db.counters().loadCounters())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("(planet, x, '')")
          .hasMessageContaining("unknown level");
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void budgetCounters_windowWithoutDuration_isRefusedByTheSchema(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open();
        Connection c = db.pool().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO budget_counters (level, entity_id, sub, duration, since_ms, end_ms,"
                    + " spend_nanos, unpriced_requests, unpriced_tokens, soft_alerted,"
                    + " updated_at) VALUES ('key', 'x', '', NULL, 0, 5, 0, 0, 0, ?, 0)")) {
      ps.setBoolean(1, false);

      assertThatThrownBy(ps::executeUpdate).isInstanceOf(java.sql.SQLException.class);
    }
  }
}
