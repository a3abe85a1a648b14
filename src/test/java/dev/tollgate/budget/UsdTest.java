package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Dollar amounts from the management API, to exact nano-USD, with their bounds. */
class UsdTest {
  @Test
  void exactAmounts_toNanos() {
    assertThat(Usd.toNanos(new BigDecimal("0.05"))).isEqualTo(50_000_000L);
    assertThat(Usd.toNanos(new BigDecimal("1.000000001"))).isEqualTo(1_000_000_001L);
    assertThat(Usd.toNanos(new BigDecimal("0.0000000010000"))).isEqualTo(1L);
    assertThat(Usd.toNanos(new BigDecimal("9200000000"))).isEqualTo(9_200_000_000_000_000_000L);
  }

  @Test
  void hugeExponents_refusedBeforeAnyArithmetic_withAShortMessage() {
    for (String s : new String[] {"1e1000000", "1e10", "9200000000.000000001"}) {
      assertThatThrownBy(() -> Usd.toNanos(new BigDecimal(s)))
          .as(s)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("below 9.2e9");
    }
    assertThatThrownBy(() -> Usd.toNanos(new BigDecimal("1e-1000000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("9 decimal places");
  }

  @Test
  void tooPrecise_orNegative_refused() {
    assertThatThrownBy(() -> Usd.toNanos(new BigDecimal("0.0000000001")))
        .hasMessageContaining("9 decimal places");
    assertThatThrownBy(() -> Usd.toNanos(new BigDecimal("-1"))).hasMessageContaining("negative");
  }
}
