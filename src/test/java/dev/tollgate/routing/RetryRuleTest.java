package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.common.GatewayException;
import dev.tollgate.routing.RetryRule.ErrorClass;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryRuleTest {
  static final RetryRule THREE = new RetryRule(3, 0, Map.of());

  static GatewayException status(int s) {
    return GatewayException.upstream(s, "upstream said " + s, null);
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504, 529})
  void allowed_transientFailure_numRetries(int s) {
    assertThat(THREE.allowed(status(s), Groups.deployment("a"))).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 413, 422, 499})
  void allowed_clientError_none(int s) {
    assertThat(THREE.allowed(status(s), Groups.deployment("a"))).isZero();
  }

  @Test
  void allowed_connectionFailureAndTimeout_retried() {
    assertThat(THREE.allowed(GatewayException.badGateway("refused", null), Groups.deployment("a")))
        .isEqualTo(3);
    assertThat(THREE.allowed(GatewayException.timeout("slow"), Groups.deployment("a")))
        .isEqualTo(3);
  }

  @Test
  void allowed_clientClosed_never() {
    assertThat(THREE.allowed(GatewayException.clientClosed(), Groups.deployment("a"))).isZero();
  }

  @Test
  void allowed_deploymentMaxRetries_overridesRouter() {
    assertThat(THREE.allowed(status(503), Groups.deployment("a", 1))).isEqualTo(1);
  }

  @Test
  void allowed_policy_overridesBothAndMayRetryBadRequest() {
    RetryRule r = new RetryRule(3, 0, Map.of(ErrorClass.BAD_REQUEST, 2, ErrorClass.RATE_LIMIT, 0));
    assertThat(r.allowed(status(400), Groups.deployment("a", 5))).isEqualTo(2);
    assertThat(r.allowed(status(429), Groups.deployment("a", 5))).isZero();
    assertThat(r.allowed(status(503), Groups.deployment("a"))).isEqualTo(3);
  }

  @Test
  void allowed_requested_winsOverDeploymentAndRouterNotPolicy() {
    RetryRule r = new RetryRule(3, 0, Map.of(ErrorClass.RATE_LIMIT, 0)).requesting(1);
    assertThat(r.allowed(status(503), Groups.deployment("a", 5))).isEqualTo(1);
    assertThat(r.allowed(status(429), Groups.deployment("a", 5))).isZero();
    assertThat(r.allowed(status(400), Groups.deployment("a", 5))).isZero();
  }

  @Test
  void errorClass_contentFilter_contentPolicy() {
    GatewayException e =
        GatewayException.of(400, "invalid_request_error", null, "content_filter", "x");
    assertThat(ErrorClass.of(e)).isEqualTo(ErrorClass.CONTENT_POLICY);
  }

  @Test
  void delayMillis_otherDeployment_noWait() {
    assertThat(THREE.delayMillis(1, false, 5_000, new SplittableRandom(1))).isZero();
  }

  @Test
  void delayMillis_retryAfterWithinCap_honoured() {
    assertThat(THREE.delayMillis(1, true, 1_234, new SplittableRandom(1))).isEqualTo(1_234);
    assertThat(THREE.delayMillis(1, true, 0, new SplittableRandom(1))).isZero();
  }

  @Test
  void delayMillis_retryAfterBeyondCap_exponentialInstead() {
    long d = THREE.delayMillis(1, true, 120_000, new SplittableRandom(1));
    assertThat(d).isBetween(375L, 500L);
  }

  @Test
  void delayMillis_exponentialWithJitter_cappedAtMax() {
    SplittableRandom r = new SplittableRandom(7);
    assertThat(THREE.delayMillis(1, true, -1, r)).isBetween(375L, 500L);
    assertThat(THREE.delayMillis(2, true, -1, r)).isBetween(750L, 1_000L);
    assertThat(THREE.delayMillis(3, true, -1, r)).isBetween(1_500L, 2_000L);
    assertThat(THREE.delayMillis(10, true, -1, r)).isBetween(6_000L, 8_000L);
    assertThat(THREE.delayMillis(60, true, -1, r)).isBetween(6_000L, 8_000L);
  }

  @Test
  void delayMillis_minDelay_isTheFloor() {
    RetryRule r = new RetryRule(1, 2_000, Map.of());
    assertThat(r.delayMillis(1, false, -1, new SplittableRandom(1))).isEqualTo(2_000);
    assertThat(r.delayMillis(1, true, 10, new SplittableRandom(1))).isEqualTo(2_000);
  }
}
