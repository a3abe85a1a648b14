package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EstimateTest {
  private static final OptionalLong NONE = OptionalLong.empty();

  @Test
  void of_textOnly_reservesTheTextBoundAndMaxTokens() {
    Estimate e = Estimate.of(4, 0, 0, 0, OptionalLong.of(7), 1, NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(4);
    assertThat(e.outputTokens()).isEqualTo(7);
    assertThat(e.bounded()).isTrue();
  }

  @Test
  void of_aLargeInlineImage_reservesTheImageBound_notItsBytes() {
    // A 3 MB base64 image would be millions of tokens counted as data.
    Estimate e = Estimate.of(100, 1, 1, 3_000_000, OptionalLong.of(10), 1, NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + Estimate.IMAGE_TOKENS);
  }

  @Test
  void of_aSmallInlineImage_reservesATokenPerByte_whenThatIsLess() {
    Estimate e = Estimate.of(100, 2, 2, 3_000, OptionalLong.of(10), 1, NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + 3_000);
  }

  @Test
  void of_anImageByUrl_reservesTheImageBound_itsFewBytesSayNothing() {
    Estimate e = Estimate.of(100, 3, 1, 3_000_000, OptionalLong.of(10), 1, NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + 2 * Estimate.IMAGE_TOKENS + Estimate.IMAGE_TOKENS);
  }

  @Test
  void of_noBound_capsOutputAtTheModelMaximumOrTheDefault() {
    assertThat(Estimate.of(1, 0, 0, 0, NONE, 1, OptionalLong.of(1000), 4096, true).outputTokens())
        .isEqualTo(1000);
    Estimate e = Estimate.of(1, 0, 0, 0, NONE, 1, OptionalLong.of(100_000), 4096, true);
    assertThat(e.outputTokens()).isEqualTo(4096);
    assertThat(e.bounded()).isFalse();
    assertThat(Estimate.of(1, 0, 0, 0, NONE, 1, NONE, 4096, false).outputTokens()).isZero();
  }

  @Test
  void of_severalChoices_multiplyTheOutputBound() {
    assertThat(Estimate.of(1, 0, 0, 0, OptionalLong.of(100), 128, NONE, 4096, true).outputTokens())
        .isEqualTo(12_800);
    assertThat(Estimate.of(1, 0, 0, 0, NONE, 3, OptionalLong.of(1000), 4096, true).outputTokens())
        .isEqualTo(3_000);
    // Embeddings generate nothing, however many choices.
    assertThat(Estimate.of(1, 0, 0, 0, NONE, 5, NONE, 4096, false).outputTokens()).isZero();
  }

  @Test
  void of_hugeMaxTokensTimesChoices_saturatesInsteadOfOverflowing() {
    Estimate e = Estimate.of(1, 0, 0, 0, OptionalLong.of(Long.MAX_VALUE / 2), 4, NONE, 4096, true);
    assertThat(e.outputTokens()).isEqualTo(Long.MAX_VALUE);
  }
}
