package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LiteLLM {@code budget_duration} such as {@code 30s}, {@code 15m}, {@code 1h}, {@code 1d},
 * {@code 7d}, {@code 2w} or {@code 1mo}: how long a budget window lasts. Immutable. How windows
 * align to the calendar is the budget engine's business (docs/budgets.md).
 *
 * @param amount how many units, at least 1
 * @param unit the unit
 */
public record BudgetDuration(int amount, Unit unit) {
  private static final Pattern SYNTAX = Pattern.compile("([1-9][0-9]{0,5})(s|m|h|d|w|mo)");

  /** The units LiteLLM accepts, with their suffixes. */
  public enum Unit {
    SECONDS("s", 1),
    MINUTES("m", 60),
    HOURS("h", 3600),
    DAYS("d", 0),
    WEEKS("w", 0),
    MONTHS("mo", 0);

    private final String suffix;
    private final long seconds;

    Unit(String suffix, long seconds) {
      this.suffix = suffix;
      this.seconds = seconds;
    }

    public String suffix() {
      return suffix;
    }
  }

  public BudgetDuration {
    requireNonNull(unit, "unit");
    if (amount < 1) {
      throw new IllegalArgumentException("a budget duration is at least 1, got " + amount);
    }
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException with a message that says what was expected
   */
  public static BudgetDuration parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be a duration such as 30s, 15m, 1h, 1d, 7d, 2w or 1mo, got '" + text + "'");
    }
    int amount = Integer.parseInt(m.group(1));
    Unit unit =
        switch (m.group(2)) {
          case "s" -> Unit.SECONDS;
          case "m" -> Unit.MINUTES;
          case "h" -> Unit.HOURS;
          case "d" -> Unit.DAYS;
          case "w" -> Unit.WEEKS;
          default -> Unit.MONTHS;
        };
    return new BudgetDuration(amount, unit);
  }

  /** Whether the unit is seconds, minutes or hours (a fixed length of elapsed time). */
  public boolean fixedLength() {
    return unit.seconds > 0;
  }

  /** The length in seconds, for {@link #fixedLength()} durations. */
  public long seconds() {
    if (!fixedLength()) {
      throw new IllegalStateException(text() + " is a calendar duration");
    }
    return amount * unit.seconds;
  }

  /** The number of days, for day and week durations. */
  public long days() {
    return switch (unit) {
      case DAYS -> amount;
      case WEEKS -> 7L * amount;
      default -> throw new IllegalStateException(text() + " is not a day or week duration");
    };
  }

  /** The canonical text, e.g. {@code 30d}. */
  public String text() {
    return amount + unit.suffix;
  }

  @Override
  public String toString() {
    return text();
  }
}
