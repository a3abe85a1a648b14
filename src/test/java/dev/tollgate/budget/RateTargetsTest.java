package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateTargetsTest {
  @Test
  void resetDurationsAreWrittenAsOpenAiWritesThem() {
    assertThat(RateTargets.duration(0)).isEqualTo("0ms");
    assertThat(RateTargets.duration(250)).isEqualTo("250ms");
    assertThat(RateTargets.duration(1000)).isEqualTo("1s");
    assertThat(RateTargets.duration(12_345)).isEqualTo("12.345s");
    assertThat(RateTargets.duration(27_500)).isEqualTo("27.5s");
    assertThat(RateTargets.duration(59_010)).isEqualTo("59.01s");
    assertThat(RateTargets.duration(60_000)).isEqualTo("60s");
  }
}
