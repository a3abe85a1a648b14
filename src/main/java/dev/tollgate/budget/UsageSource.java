package dev.tollgate.budget;

/**
 * Where a spend record's token counts came from. Reports show estimated spend apart from what the
 * provider reported, and never hide it.
 */
public enum UsageSource {
  /** The provider reported usage: the usage object, or the stream's usage chunk. */
  PROVIDER("provider"),
  /**
   * The provider reported none, but tokens were (or may have been) generated: a stream that ended
   * or was cut off without a usage chunk, an answer without a usage object, or a request that timed
   * out or lost its client after it went upstream. Input is counted from the request and output
   * from what was relayed to the client (docs/budgets.md, "Estimated usage").
   */
  ESTIMATED("estimated"),
  /**
   * Nothing was used: the request was refused before it went upstream, or the upstream refused it.
   */
  NONE("none");

  private final String wire;

  UsageSource(String wire) {
    this.wire = wire;
  }

  /** The name in the store, the spend log API and reports. */
  public String wire() {
    return wire;
  }

  /** The source named {@code wire}. */
  public static UsageSource fromWire(String wire) {
    for (UsageSource s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown usage source: " + wire);
  }
}
