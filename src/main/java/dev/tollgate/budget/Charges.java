package dev.tollgate.budget;

import java.util.List;

/**
 * What settling one request charged: the counters, and the instant of settlement that chose their
 * windows. The record's own cost (or, when unknown, one unpriced request with its tokens) is what
 * each counter gets. Immutable.
 *
 * @param settledAtMillis the settlement's {@code now}, epoch milliseconds
 */
public record Charges(long settledAtMillis, List<Charge> counters) {
  /** Nothing charged: a free or never-forwarded request, or one that no budget covers. */
  public static final Charges NONE = new Charges(0, List.of());

  public Charges {
    counters = List.copyOf(counters);
  }

  public boolean isEmpty() {
    return counters.isEmpty();
  }
}
