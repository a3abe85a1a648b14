package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.governance.BudgetDuration;
import java.util.Optional;

/**
 * One spend counter's state: what it has counted since {@code sinceMillis}, and when that window
 * ends. Immutable; a counter moves from state to state by compare-and-set. This is also what a
 * {@link CounterStore} persists.
 *
 * @param duration the window length the state was computed under; empty for a lifetime budget
 * @param sinceMillis when counting started: the window's start, or a manual reset, or the moment a
 *     duration was added to an entity that had none
 * @param endMillis when the window ends (exclusive); {@link #NO_END} for a lifetime budget
 * @param spendNanos exact spend counted in the window, nano-USD
 * @param unpricedRequests requests in the window whose cost could not be known; their spend is not
 *     in {@code spendNanos}
 * @param unpricedTokens the tokens of those requests
 * @param softAlerted whether the soft-budget alert has fired in this window
 */
public record CounterState(
    CounterKey key,
    Optional<BudgetDuration> duration,
    long sinceMillis,
    long endMillis,
    long spendNanos,
    long unpricedRequests,
    long unpricedTokens,
    boolean softAlerted) {

  /** {@link #endMillis()} of a window that never ends. */
  public static final long NO_END = Long.MAX_VALUE;

  public CounterState {
    requireNonNull(key, "key");
    requireNonNull(duration, "duration");
    if (duration.isEmpty() != (endMillis == NO_END)) {
      throw new IllegalArgumentException("a window ends if and only if it has a duration: " + key);
    }
    if (spendNanos < 0 || unpricedRequests < 0 || unpricedTokens < 0) {
      throw new IllegalArgumentException("counts must not be negative: " + key);
    }
  }

  /** A counter with nothing counted, from {@code since} to {@code end}. */
  static CounterState fresh(
      CounterKey key, Optional<BudgetDuration> duration, long since, long end) {
    return new CounterState(key, duration, since, end, 0, 0, 0, false);
  }

  CounterState plusSpend(long nanos) {
    return new CounterState(
        key,
        duration,
        sinceMillis,
        endMillis,
        Math.addExact(spendNanos, nanos),
        unpricedRequests,
        unpricedTokens,
        softAlerted);
  }

  CounterState plusUnpriced(long tokens) {
    return new CounterState(
        key,
        duration,
        sinceMillis,
        endMillis,
        spendNanos,
        unpricedRequests + 1,
        Math.addExact(unpricedTokens, tokens),
        softAlerted);
  }

  CounterState withSoftAlerted() {
    return new CounterState(
        key, duration, sinceMillis, endMillis, spendNanos, unpricedRequests, unpricedTokens, true);
  }

  CounterState withWindow(Optional<BudgetDuration> d, long end) {
    return new CounterState(
        key, d, sinceMillis, end, spendNanos, unpricedRequests, unpricedTokens, softAlerted);
  }
}
