package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.budget.SpendRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SpendListenersTest {
  private static SpendRecord record(String id) {
    return new SpendRecord(
        id,
        0,
        "hash",
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        "m",
        Optional.of("d"),
        Optional.of("openai/m"),
        "priced",
        "custom",
        1,
        1,
        0,
        0,
        0,
        OptionalLong.of(5),
        dev.tollgate.budget.UsageSource.PROVIDER,
        200,
        Optional.empty(),
        1,
        false);
  }

  @Test
  void record_reachesListenersInOrder_andOneThatThrowsKeepsItFromNoneAfterIt() {
    List<String> seen = new ArrayList<>();
    SpendListeners listeners = new SpendListeners();
    listeners.add(r -> seen.add("settle " + r.requestId()));
    listeners.add(
        r -> {
          throw new IllegalStateException("broken listener");
        });
    listeners.add(r -> seen.add("log " + r.requestId()));

    listeners.record(record("a"));
    listeners.record(record("b"));

    assertThat(seen).containsExactly("settle a", "log a", "settle b", "log b");
  }
}
