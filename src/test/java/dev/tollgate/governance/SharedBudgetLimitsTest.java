package dev.tollgate.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How an entity's own limits and its shared budget's combine. */
class SharedBudgetLimitsTest {
  @Test
  void ownRateLimitsOverrideTheSharedBudgetsFieldByField_spendComesFromTheBudget() {
    RateLimits shared =
        new RateLimits(
            OptionalLong.of(7),
            OptionalLong.of(700),
            OptionalLong.of(3),
            Map.of("gpt-4o", 1L),
            Map.of());
    RateLimits own =
        new RateLimits(
            OptionalLong.of(2),
            OptionalLong.empty(),
            OptionalLong.empty(),
            Map.of(),
            Map.of("x", 9L));

    RateLimits merged = own.or(shared);

    assertThat(merged.rpmLimit()).hasValue(2);
    assertThat(merged.tpmLimit()).hasValue(700);
    assertThat(merged.maxParallelRequests()).hasValue(3);
    assertThat(merged.modelRpmLimit()).containsExactlyEntriesOf(Map.of("gpt-4o", 1L));
    assertThat(merged.modelTpmLimit()).containsExactlyEntriesOf(Map.of("x", 9L));
    assertThat(RateLimits.NONE.or(shared)).isEqualTo(shared);
    assertThat(own.or(RateLimits.NONE)).isEqualTo(own);
  }
}
