package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.governance.BudgetDuration;
import java.util.Optional;

/**
 * One budget counter a settled request was charged to, in the window it was settled in: what the
 * spend log needs to move the stored counter in the same transaction as the request's row.
 * Immutable.
 *
 * @param duration the budget's window length at settlement; empty for a lifetime budget
 * @param windowStart the start of the window current at settlement (0 for a lifetime budget)
 * @param windowEnd its end, exclusive; {@link CounterState#NO_END} for a lifetime budget
 * @param softLimit the soft budget in nano-USD, {@link Long#MAX_VALUE} for none
 */
public record Charge(
    CounterKey key,
    Optional<BudgetDuration> duration,
    long windowStart,
    long windowEnd,
    long softLimit) {

  public Charge {
    requireNonNull(key, "key");
    requireNonNull(duration, "duration");
    if (duration.isEmpty() != (windowEnd == CounterState.NO_END)) {
      throw new IllegalArgumentException("a window ends if and only if it has a duration: " + key);
    }
  }
}
