package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One entry of a {@code model_max_budget}, in any of LiteLLM's shapes: a bare number of dollars,
 * its {@code BudgetConfig} ({@code {"max_budget": 10, "budget_duration": "1d", "tpm_limit": 1000,
 * "rpm_limit": 10}}) or the {@code GenericBudgetInfo} aliases ({@code {"budget_limit": 10,
 * "time_period": "1d"}}). Immutable.
 *
 * @param maxBudgetNanos the max budget for that model, nano-USD; empty when the entry only limits
 *     rates
 * @param duration its window; empty for a lifetime budget
 * @param tpmLimit tokens per minute for that model
 * @param rpmLimit requests per minute for that model
 * @param spelling the names it was written with, so that it reads back as LiteLLM stores it
 */
public record ModelBudget(
    OptionalLong maxBudgetNanos,
    Optional<BudgetDuration> duration,
    OptionalLong tpmLimit,
    OptionalLong rpmLimit,
    Spelling spelling) {

  /** Which of LiteLLM's shapes an entry was written in. */
  public enum Spelling {
    /** A bare number of dollars: {@code {"gpt-4o": 10}}. */
    NUMBER("number"),
    /** {@code max_budget} and {@code budget_duration}. */
    BUDGET_CONFIG("budget_config"),
    /** The aliases {@code budget_limit} and {@code time_period}. */
    GENERIC("generic");

    private final String wire;

    Spelling(String wire) {
      this.wire = wire;
    }

    /** The name it is stored under. */
    public String wire() {
      return wire;
    }

    public static Optional<Spelling> fromWire(String s) {
      for (Spelling v : values()) {
        if (v.wire.equals(s)) {
          return Optional.of(v);
        }
      }
      return Optional.empty();
    }
  }

  public ModelBudget {
    requireNonNull(spelling, "spelling");
    nonNegative("max_budget", maxBudgetNanos);
    nonNegative("tpm_limit", tpmLimit);
    nonNegative("rpm_limit", rpmLimit);
    if (maxBudgetNanos.isEmpty() && tpmLimit.isEmpty() && rpmLimit.isEmpty()) {
      throw new IllegalArgumentException("needs max_budget, tpm_limit or rpm_limit");
    }
    if (spelling == Spelling.NUMBER
        && (maxBudgetNanos.isEmpty()
            || duration.isPresent()
            || tpmLimit.isPresent()
            || rpmLimit.isPresent())) {
      throw new IllegalArgumentException("a bare number is a max budget alone");
    }
  }

  /** A spend budget alone, written with LiteLLM's {@code budget_limit} and {@code time_period}. */
  public ModelBudget(long maxBudgetNanos, Optional<BudgetDuration> duration) {
    this(
        OptionalLong.of(maxBudgetNanos),
        duration,
        OptionalLong.empty(),
        OptionalLong.empty(),
        Spelling.GENERIC);
  }

  private static void nonNegative(String field, OptionalLong v) {
    if (v.isPresent() && v.getAsLong() < 0) {
      throw new IllegalArgumentException(field + " must not be negative");
    }
  }
}
