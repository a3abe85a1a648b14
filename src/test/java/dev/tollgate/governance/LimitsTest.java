package dev.tollgate.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LimitsTest {
  private static final RateLimits RPM_10 = RateLimits.NONE.withRpmLimit(OptionalLong.of(10));

  @Test
  void rateLimits_negativeCount_refusedNamingTheField() {
    assertThatThrownBy(() -> RateLimits.NONE.withRpmLimit(OptionalLong.of(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rpm_limit must not be negative");
    assertThatThrownBy(() -> RateLimits.NONE.withTpmLimit(OptionalLong.of(-1)))
        .hasMessage("tpm_limit must not be negative");
    assertThatThrownBy(() -> RateLimits.NONE.withMaxParallelRequests(OptionalLong.of(-1)))
        .hasMessage("max_parallel_requests must not be negative");
    assertThatThrownBy(() -> RateLimits.NONE.withModelRpmLimit(Map.of("gpt-4o", -5L)))
        .hasMessage("model_rpm_limit.gpt-4o must not be negative");
    assertThatThrownBy(() -> RateLimits.NONE.withModelTpmLimit(Map.of("", 5L)))
        .hasMessage("model_tpm_limit must not name an empty model");
  }

  @Test
  void rateLimits_zero_isALimitNotAbsence() {
    RateLimits r = RateLimits.NONE.withMaxParallelRequests(OptionalLong.of(0));

    assertThat(r.isEmpty()).isFalse();
    assertThat(r.maxParallelRequests()).hasValue(0);
  }

  @Test
  void rateLimits_modelMaps_sortedAndUnmodifiable() {
    Map<String, Long> given = new HashMap<>();
    given.put("z-model", 1L);
    given.put("a-model", 2L);
    given.put("m-model", 3L);

    RateLimits r = RateLimits.NONE.withModelRpmLimit(given);
    given.put("late", 4L);

    assertThat(List.copyOf(r.modelRpmLimit().keySet()))
        .containsExactly("a-model", "m-model", "z-model");
    assertThatThrownBy(() -> r.modelRpmLimit().put("x", 1L))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rateLimits_none_isEmpty() {
    assertThat(RateLimits.NONE.isEmpty()).isTrue();
    assertThat(RateLimits.NONE.withModelTpmLimit(Map.of("m", 1L)).isEmpty()).isFalse();
  }

  @Test
  void limits_fourArgumentConstructor_hasNoRateLimits() {
    Limits l = new Limits(OptionalLong.of(5), OptionalLong.empty(), Optional.empty(), Map.of());

    assertThat(l.rate()).isSameAs(RateLimits.NONE);
    assertThat(Limits.NONE.rate()).isSameAs(RateLimits.NONE);
  }

  @Test
  void limits_onlyRateLimits_isEmptyOfSpendLimitsButNotUnset() {
    Limits l = Limits.NONE.withRate(RPM_10);

    assertThat(l.isEmpty()).isTrue();
    assertThat(l.isUnset()).isFalse();
    assertThat(Limits.NONE.isUnset()).isTrue();
  }

  @Test
  void limits_withSpendChanges_keepRateLimits() {
    Limits l =
        Limits.NONE
            .withRate(RPM_10)
            .withMaxBudget(OptionalLong.of(1))
            .withSoftBudget(OptionalLong.of(1))
            .withDuration(Optional.of(BudgetDuration.parse("1d")))
            .withModelMaxBudget(Map.of("m", new ModelBudget(1, Optional.empty())));

    assertThat(l.rate()).isEqualTo(RPM_10);
    assertThat(l.withRate(RateLimits.NONE).maxBudgetNanos()).hasValue(1);
  }

  @Test
  void limitsOf_sharedBudget_givesItsSpendLimits_andItsRateLimitsWhereTheEntitySetsNone() {
    SharedBudget b =
        new SharedBudget(
            "b1",
            Limits.NONE.withRate(RPM_10).withMaxBudget(OptionalLong.of(5)),
            Entities.T0,
            Entities.T0);
    GovernanceSnapshot s = GovernanceSnapshot.of(List.of(b));
    Limits own = Limits.NONE.withRate(RateLimits.NONE.withTpmLimit(OptionalLong.of(99)));

    Limits linked = s.limitsOf(own, Optional.of("b1"));
    assertThat(linked.maxBudgetNanos()).hasValue(5);
    assertThat(linked.rate().rpmLimit()).hasValue(10);
    assertThat(linked.rate().tpmLimit()).hasValue(99);
    Limits ownRpm = Limits.NONE.withRate(RateLimits.NONE.withRpmLimit(OptionalLong.of(3)));
    assertThat(s.limitsOf(ownRpm, Optional.of("b1")).rate().rpmLimit()).hasValue(3);
    assertThat(s.limitsOf(own, Optional.empty()).rate().tpmLimit()).hasValue(99);
    assertThat(s.limitsOf(own, Optional.empty()).maxBudgetNanos()).isEmpty();
  }
}
