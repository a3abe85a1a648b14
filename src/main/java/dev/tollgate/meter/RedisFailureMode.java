package dev.tollgate.meter;

import java.util.Locale;

/** What a {@link RedisMeter} does while Redis cannot be reached ({@code redis_failure_mode}). */
public enum RedisFailureMode {
  /** Admit and settle through the local fallback meter; replay settlements when Redis returns. */
  LOCAL,
  /** Answer every admission {@link Meter.Unavailable}; replay settlements when Redis returns. */
  CLOSED;

  /**
   * Parses the config value {@code local} or {@code closed} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static RedisFailureMode parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "local" -> LOCAL;
      case "closed" -> CLOSED;
      default ->
          throw new IllegalArgumentException(
              "redis_failure_mode must be 'local' or 'closed', not '" + value + "'");
    };
  }
}
