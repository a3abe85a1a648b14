package dev.tollgate.ui;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down guessing at the login form: a client address that has failed {@link #MAX_FAILURES}
 * logins within {@link #WINDOW_MILLIS} may not try again (even with the right key) until that
 * window has passed. Counts live in this instance's memory, so behind N instances a client gets N
 * times the tries; the keys themselves are long random secrets, so this is about noise and cost,
 * not the last line of defence. Thread-safe; never blocks.
 */
final class LoginLimiter {
  static final int MAX_FAILURES = 10;
  static final long WINDOW_MILLIS = 5 * 60_000;

  /** Beyond this many addresses, windows that have passed are dropped before adding another. */
  private static final int MAX_TRACKED = 10_000;

  /** Failures of one address since {@code startMillis}. */
  private record Window(long startMillis, int failures) {}

  private final ConcurrentHashMap<String, Window> failures = new ConcurrentHashMap<>();
  private final Clock clock;

  LoginLimiter(Clock clock) {
    this.clock = clock;
  }

  /** Seconds until {@code address} may try again, or 0 when it may now. */
  long retryAfterSeconds(String address) {
    Window w = failures.get(address);
    long now = clock.millis();
    if (w == null || w.failures() < MAX_FAILURES || now - w.startMillis() >= WINDOW_MILLIS) {
      return 0;
    }
    return Math.max(1, (w.startMillis() + WINDOW_MILLIS - now + 999) / 1000);
  }

  /** Counts a failed login from {@code address}. */
  void failed(String address) {
    long now = clock.millis();
    if (failures.size() >= MAX_TRACKED) {
      failures.values().removeIf(w -> now - w.startMillis() >= WINDOW_MILLIS);
    }
    failures.compute(
        address,
        (a, w) ->
            w == null || now - w.startMillis() >= WINDOW_MILLIS
                ? new Window(now, 1)
                : new Window(w.startMillis(), w.failures() + 1));
  }

  /** Forgets {@code address}'s failures after a login that worked. */
  void succeeded(String address) {
    failures.remove(address);
  }
}
