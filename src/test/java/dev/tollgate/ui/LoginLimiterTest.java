package dev.tollgate.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginLimiterTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final LoginLimiter limiter = new LoginLimiter(clock);

  @Test
  void retryAfter_belowTheLimit_isZero() {
    for (int i = 0; i < LoginLimiter.MAX_FAILURES - 1; i++) {
      limiter.failed("10.0.0.1");
    }

    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
  }

  @Test
  void retryAfter_atTheLimit_refusesUntilTheWindowHasPassed() {
    for (int i = 0; i < LoginLimiter.MAX_FAILURES; i++) {
      limiter.failed("10.0.0.1");
    }
    clock.advance(Duration.ofSeconds(60));

    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isEqualTo(240);
    assertThat(limiter.retryAfterSeconds("10.0.0.2")).as("another address").isZero();

    clock.advance(Duration.ofSeconds(240));
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
    limiter.failed("10.0.0.1");
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).as("a new window").isZero();
  }

  @Test
  void succeeded_forgetsTheFailures() {
    for (int i = 0; i < LoginLimiter.MAX_FAILURES - 1; i++) {
      limiter.failed("10.0.0.1");
    }
    limiter.succeeded("10.0.0.1");
    limiter.failed("10.0.0.1");

    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
  }
}
