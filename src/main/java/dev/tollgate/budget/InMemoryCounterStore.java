package dev.tollgate.budget;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link CounterStore} in memory, for tests and for a gateway without a database. */
public final class InMemoryCounterStore implements CounterStore {
  private final Map<CounterKey, CounterState> states = new LinkedHashMap<>();

  @Override
  public synchronized List<CounterState> loadCounters() {
    return List.copyOf(states.values());
  }

  @Override
  public synchronized void saveCounters(List<CounterState> saved) {
    saved.forEach(s -> states.put(s.key(), s));
  }

  /** Without a spend log to count again from, a restarted counter starts empty. */
  @Override
  public synchronized List<CounterState> restartCounters(List<CounterState> counters) {
    counters.forEach(s -> states.put(s.key(), s));
    return List.copyOf(counters);
  }
}
