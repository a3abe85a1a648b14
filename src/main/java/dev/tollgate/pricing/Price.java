package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;

/**
 * What a model costs, in one of three states. {@link Unknown} is never written as zero and never
 * treated as free; {@link Free} exists only when someone configured zero on purpose.
 */
public sealed interface Price permits Price.Unknown, Price.Free, Price.Priced {

  /** The one {@link Unknown} value. */
  Unknown UNKNOWN = new Unknown();

  /** The one {@link Free} value. */
  Free FREE = new Free();

  /** {@code "unknown"}, {@code "free"} or {@code "priced"}, for the API and logs. */
  String state();

  /** {@code "custom"}, {@code "catalog"} or {@code "none"}, for the API and logs. */
  String sourceName();

  /** No price is known: usage cannot be costed, and budgets must not treat it as zero. */
  record Unknown() implements Price {
    @Override
    public String state() {
      return "unknown";
    }

    @Override
    public String sourceName() {
      return "none";
    }
  }

  /** Explicitly configured as costing nothing, in the deployment's custom pricing. */
  record Free() implements Price {
    @Override
    public String state() {
      return "free";
    }

    @Override
    public String sourceName() {
      return "custom";
    }
  }

  /**
   * Known rates. Some may be zero; keys that are absent have no rate.
   *
   * @param rates the rates, never empty
   * @param source where they came from
   */
  record Priced(Rates rates, PriceSource source) implements Price {
    public Priced {
      requireNonNull(rates, "rates");
      requireNonNull(source, "source");
      if (rates.isEmpty()) {
        // An empty rate set would price everything at nothing: that is Unknown, not Priced.
        throw new IllegalArgumentException("a Priced price needs at least one rate");
      }
    }

    @Override
    public String state() {
      return "priced";
    }

    @Override
    public String sourceName() {
      return switch (source) {
        case CUSTOM -> "custom";
        case CATALOG -> "catalog";
      };
    }
  }
}
