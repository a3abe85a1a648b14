package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class AttemptsTest {
  /** Picks the first deployment, and jitters by nothing. */
  static final RandomGenerator FIRST = () -> 0L;

  static final GatewayException UNAVAILABLE = GatewayException.upstream(503, "down", null);
  static final GatewayException LIMITED =
      GatewayException.of(
          429, "rate_limit_exceeded", null, "deployment_rpm_limit_exceeded", "full");

  static Failure failed() {
    return new Failure.Failed(UNAVAILABLE, -1);
  }

  static String id(Optional<Deployment> d) {
    return d.map(Deployment::id).orElse("none");
  }

  @Test
  void next_first_picksByWeight() {
    Attempts a = Attempts.of(Groups.group("a", "b"), RetryRule.NONE, FIRST);
    assertThat(java.util.Objects.requireNonNull(a.first()).id()).isEqualTo("a");
    assertThat(a.started()).isEqualTo(1);
    assertThat(a.delayMillis()).isZero();
  }

  @Test
  void next_firstTwice_throws() {
    Attempts a = Attempts.of(Groups.group("a"), RetryRule.NONE, FIRST);
    a.first();
    assertThatThrownBy(() -> a.first()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void next_failedWithoutRetries_none() {
    Attempts a = Attempts.of(Groups.group("a", "b"), RetryRule.NONE, FIRST);
    a.first();
    assertThat(a.next(failed())).isEmpty();
    assertThat(a.retries()).isZero();
  }

  @Test
  void next_failed_retriesOnAnotherDeploymentAtOnce() {
    Attempts a = Attempts.of(Groups.group("a", "b", "c"), new RetryRule(2, 0, Map.of()), FIRST);
    a.first();
    assertThat(id(a.next(failed()))).isEqualTo("b");
    assertThat(a.delayMillis()).isZero();
    assertThat(id(a.next(failed()))).isEqualTo("c");
    assertThat(a.retries()).isEqualTo(2);
    assertThat(a.started()).isEqualTo(3);
    assertThat(a.next(failed())).isEmpty();
  }

  @Test
  void next_failedInAGroupOfOne_sameDeploymentAfterBackoff() {
    Attempts a = Attempts.of(Groups.group("a"), new RetryRule(2, 0, Map.of()), FIRST);
    a.first();
    assertThat(id(a.next(failed()))).isEqualTo("a");
    assertThat(a.delayMillis()).isEqualTo(RetryRule.INITIAL_DELAY_MILLIS);
    assertThat(id(a.next(new Failure.Failed(UNAVAILABLE, 7)))).isEqualTo("a");
    assertThat(a.delayMillis()).isEqualTo(7);
    assertThat(a.next(failed())).isEmpty();
  }

  @Test
  void next_retriesWrapRound() {
    Attempts a = Attempts.of(Groups.group("a", "b"), new RetryRule(3, 0, Map.of()), FIRST);
    a.first();
    assertThat(id(a.next(failed()))).isEqualTo("b");
    assertThat(id(a.next(failed()))).isEqualTo("a");
    assertThat(id(a.next(failed()))).isEqualTo("b");
  }

  @Test
  void next_badRequest_neverRetried() {
    Attempts a = Attempts.of(Groups.group("a", "b"), new RetryRule(3, 0, Map.of()), FIRST);
    a.first();
    assertThat(a.next(new Failure.Failed(GatewayException.upstream(400, "bad", null), -1)))
        .isEmpty();
  }

  @Test
  void next_passedOver_nextDeploymentWithoutARetry() {
    Attempts a = Attempts.of(Groups.group("a", "b"), RetryRule.NONE, FIRST);
    a.first();
    assertThat(id(a.next(new Failure.PassedOver(LIMITED)))).isEqualTo("b");
    assertThat(a.retries()).isZero();
    assertThat(a.started()).isEqualTo(2);
    assertThat(a.next(new Failure.PassedOver(LIMITED))).isEmpty();
  }

  @Test
  void next_passedOverAfterARetry_countsAfresh() {
    Attempts a = Attempts.of(Groups.group("a", "b"), new RetryRule(1, 0, Map.of()), FIRST);
    a.first();
    assertThat(id(a.next(failed()))).isEqualTo("b");
    assertThat(id(a.next(new Failure.PassedOver(LIMITED)))).isEqualTo("a");
    assertThat(a.next(new Failure.PassedOver(LIMITED))).isEmpty();
  }

  @Test
  void next_callerRefused_none() {
    Attempts a = Attempts.of(Groups.group("a", "b"), new RetryRule(3, 0, Map.of()), FIRST);
    a.first();
    assertThat(a.next(new Failure.Refused(LIMITED))).isEmpty();
  }
}
