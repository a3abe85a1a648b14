package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EstimateTest {
  private static final OptionalLong NONE = OptionalLong.empty();

  @Test
  void textOnly_oneTokenPerThreeBytesRoundedUp() {
    Estimate e = Estimate.of(10, 0, 0, 0, OptionalLong.of(7), NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(4);
    assertThat(e.outputTokens()).isEqualTo(7);
    assertThat(e.bounded()).isTrue();
  }

  @Test
  void aLargeInlineImage_reservesTheImageBound_notItsBytes() {
    // A 3 MB base64 image would be a million tokens as text.
    Estimate e = Estimate.of(300, 1, 1, 3_000_000, OptionalLong.of(10), NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + Estimate.IMAGE_TOKENS);
  }

  @Test
  void aSmallInlineImage_reservesItsBytesAsText_whenThatIsLess() {
    Estimate e = Estimate.of(300, 2, 2, 3_000, OptionalLong.of(10), NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + 1_000);
  }

  @Test
  void anImageByUrl_reservesTheImageBound_itsFewBytesSayNothing() {
    Estimate e = Estimate.of(300, 3, 1, 3_000_000, OptionalLong.of(10), NONE, 4096, true);
    assertThat(e.inputTokens()).isEqualTo(100 + 2 * Estimate.IMAGE_TOKENS + Estimate.IMAGE_TOKENS);
  }

  @Test
  void noBound_capsOutputAtTheModelMaximumOrTheDefault() {
    assertThat(Estimate.of(3, 0, 0, 0, NONE, OptionalLong.of(1000), 4096, true).outputTokens())
        .isEqualTo(1000);
    Estimate e = Estimate.of(3, 0, 0, 0, NONE, OptionalLong.of(100_000), 4096, true);
    assertThat(e.outputTokens()).isEqualTo(4096);
    assertThat(e.bounded()).isFalse();
    assertThat(Estimate.of(3, 0, 0, 0, NONE, NONE, 4096, false).outputTokens()).isZero();
  }
}
