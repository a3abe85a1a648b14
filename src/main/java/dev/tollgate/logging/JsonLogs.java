package dev.tollgate.logging;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Whether log lines are written as JSON. Starts from LiteLLM's {@code JSON_LOGS} variable, so the
 * first lines of a process are already JSON; the gateway turns it on later for {@code
 * general_settings.json_logs}. One flag per process: thread-safe, read with one volatile load.
 */
public final class JsonLogs {
  private static volatile boolean enabled = parse(System.getenv("JSON_LOGS"));

  private JsonLogs() {}

  /** True when log lines are JSON. */
  public static boolean enabled() {
    return enabled;
  }

  /** Switches JSON lines on or off for the whole process. */
  public static void set(boolean on) {
    enabled = on;
  }

  /** Whether a {@code JSON_LOGS} value means on: {@code true}, {@code 1} or {@code yes}. */
  public static boolean parse(@Nullable String value) {
    if (value == null) {
      return false;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      default -> false;
    };
  }
}
