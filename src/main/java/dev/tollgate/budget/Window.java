package dev.tollgate.budget;

import java.time.Instant;

/** A budget window: from {@code start} (inclusive) to {@code end} (exclusive). */
public record Window(Instant start, Instant end) {
  public Window {
    if (!end.isAfter(start)) {
      throw new IllegalArgumentException("a window ends after it starts: " + start + ".." + end);
    }
  }

  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end);
  }
}
