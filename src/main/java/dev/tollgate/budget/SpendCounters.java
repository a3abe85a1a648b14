package dev.tollgate.budget;

import dev.tollgate.governance.BudgetDuration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Every spend counter, in memory. Each counter is an immutable {@link CounterState} behind an
 * {@link AtomicReference}, changed by compare-and-set: lock-free, safe from every event loop at
 * once, never blocking.
 *
 * <p>Windows roll lazily: every read and update first brings the state to the window that contains
 * "now" (from the caller's clock), so a reset happens exactly at the boundary without a periodic
 * job. Counters that changed are remembered until {@link #drainDirty()} hands them to a store.
 */
final class SpendCounters {
  private final ConcurrentHashMap<CounterKey, AtomicReference<CounterState>> states =
      new ConcurrentHashMap<>();
  private final Set<CounterKey> dirty = ConcurrentHashMap.newKeySet();
  private final Windows windows;

  SpendCounters(Windows windows) {
    this.windows = windows;
  }

  /** A state change: the state before (already rolled to now) and after. */
  record Change(CounterState before, CounterState after) {}

  /** The counter's state at {@code now}, without changing anything. */
  CounterState read(CounterKey key, Optional<BudgetDuration> duration, long now) {
    AtomicReference<CounterState> ref = states.get(key);
    CounterState s = ref == null ? initial(key, duration, now) : ref.get();
    return roll(s, duration, now);
  }

  /** Applies {@code f} (pure; it may run more than once) to the state at {@code now}. */
  Change update(
      CounterKey key, Optional<BudgetDuration> duration, long now, UnaryOperator<CounterState> f) {
    AtomicReference<CounterState> ref = states.get(key);
    if (ref == null) {
      ref = states.computeIfAbsent(key, k -> new AtomicReference<>(initial(k, duration, now)));
    }
    while (true) {
      CounterState current = ref.get();
      CounterState before = roll(current, duration, now);
      CounterState after = f.apply(before);
      if (ref.compareAndSet(current, after)) {
        // Marked after the swap, so a concurrent drain that misses this change sees the mark.
        dirty.add(key);
        return new Change(before, after);
      }
    }
  }

  /**
   * Starts an existing counter afresh at {@code now}: nothing counted, the window's end unchanged
   * (a lifetime counter stays lifetime). A counter that does not exist has nothing to reset.
   */
  void reset(CounterKey key, long now) {
    AtomicReference<CounterState> ref = states.get(key);
    if (ref == null) {
      return;
    }
    update(
        key,
        ref.get().duration(),
        now,
        s -> CounterState.fresh(key, s.duration(), now, s.endMillis()));
  }

  /** Keys of counters that exist and match {@code filter}. */
  List<CounterKey> keys(Predicate<CounterKey> filter) {
    return states.keySet().stream().filter(filter).toList();
  }

  /** Installs states loaded from a store; call before serving. */
  void restore(Collection<CounterState> loaded) {
    for (CounterState s : loaded) {
      states.put(s.key(), new AtomicReference<>(s));
    }
  }

  /** The states changed since the last drain, as they are now. */
  List<CounterState> drainDirty() {
    List<CounterState> out = new ArrayList<>();
    for (CounterKey k : List.copyOf(dirty)) {
      dirty.remove(k);
      AtomicReference<CounterState> ref = states.get(k);
      if (ref != null) {
        out.add(ref.get());
      }
    }
    return out;
  }

  /** Marks counters dirty again, after a store failed to save them. */
  void markDirty(Collection<CounterState> failed) {
    failed.forEach(s -> dirty.add(s.key()));
  }

  /** Every counter's raw state, not rolled. */
  List<CounterState> all() {
    return states.values().stream().map(AtomicReference::get).toList();
  }

  private CounterState initial(CounterKey key, Optional<BudgetDuration> duration, long now) {
    if (duration.isEmpty()) {
      return CounterState.fresh(key, duration, now, CounterState.NO_END);
    }
    Window w = windows.at(duration.get(), Instant.ofEpochMilli(now));
    return CounterState.fresh(key, duration, w.start().toEpochMilli(), w.end().toEpochMilli());
  }

  /**
   * {@code s} brought to {@code now} under the entity's current {@code duration}:
   *
   * <ul>
   *   <li>past the window's end: a fresh window, the one that contains now;
   *   <li>a duration added to a counter that had none: a fresh window starting now;
   *   <li>a duration changed or removed: spend and start kept, the end moved to the new duration's
   *       next boundary (or never);
   *   <li>otherwise unchanged.
   * </ul>
   */
  CounterState roll(CounterState s, Optional<BudgetDuration> duration, long now) {
    if (now >= s.endMillis()) {
      if (duration.isPresent()) {
        return initial(s.key(), duration, now);
      }
      return CounterState.fresh(s.key(), duration, s.endMillis(), CounterState.NO_END);
    }
    if (duration.equals(s.duration())) {
      return s;
    }
    if (duration.isEmpty()) {
      return s.withWindow(duration, CounterState.NO_END);
    }
    long end = windows.at(duration.get(), Instant.ofEpochMilli(now)).end().toEpochMilli();
    if (s.duration().isEmpty()) {
      return CounterState.fresh(s.key(), duration, now, end);
    }
    return s.withWindow(duration, end);
  }
}
