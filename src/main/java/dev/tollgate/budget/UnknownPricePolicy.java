package dev.tollgate.budget;

import java.util.Locale;

/**
 * What admission does with a deployment whose price is unknown ({@code unknown_price_policy}).
 * Either way its budgets are checked and its spend records are flagged unpriced; an unknown price
 * is never treated as free.
 */
public enum UnknownPricePolicy {
  /** Admit while every budget is below its max (the default). */
  ENFORCE,
  /** Refuse it to any caller that has a max budget at any level. */
  DENY;

  /**
   * Parses {@code enforce} or {@code deny}.
   *
   * @throws IllegalArgumentException naming what was expected
   */
  public static UnknownPricePolicy parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "enforce" -> ENFORCE;
      case "deny" -> DENY;
      default ->
          throw new IllegalArgumentException(
              "unknown_price_policy must be 'enforce' or 'deny', got '" + s + "'");
    };
  }
}
