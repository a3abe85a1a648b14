package dev.tollgate.budget;

import dev.tollgate.pricing.CostCalculator;
import java.math.BigDecimal;

/** Dollars at the API edge, nano-USD inside. Exact both ways; stateless. */
public final class Usd {
  private Usd() {}

  /**
   * {@code usd} in nano-USD, exactly.
   *
   * @throws IllegalArgumentException if it is negative, has more than 9 decimal places, or does not
   *     fit
   */
  /** The largest amount nano-USD in a {@code long} can hold, rounded down: 9.2e9 USD. */
  static final BigDecimal MAX_USD = new BigDecimal("9200000000");

  public static long toNanos(BigDecimal usd) {
    if (usd.signum() < 0) {
      throw new IllegalArgumentException("must not be negative, got " + usd.toPlainString());
    }
    if (usd.compareTo(MAX_USD) > 0 || usd.scale() > 1_000) {
      // Checked before any arithmetic: 1e1000000 would otherwise become a million-digit integer.
      throw new IllegalArgumentException(
          "must be a dollar amount with at most 9 decimal places (1 nano-USD) and below 9.2e9,"
              + " got "
              + (usd.precision() > 40
                  ? "a number of " + usd.precision() + " digits"
                  : usd.toString()));
    }
    BigDecimal nanos = usd.movePointRight(9);
    try {
      return nanos.stripTrailingZeros().toBigIntegerExact().longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "must be a dollar amount with at most 9 decimal places (1 nano-USD) and below 9.2e9,"
              + " got "
              + usd.toPlainString(),
          e);
    }
  }

  /** {@code nanos} as dollars without trailing zeros, for JSON. */
  public static BigDecimal of(long nanos) {
    BigDecimal usd = CostCalculator.nanosToUsd(nanos).stripTrailingZeros();
    return usd.scale() < 0 ? usd.setScale(0) : usd;
  }
}
