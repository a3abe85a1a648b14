package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTest {

  @Test
  void state_eachKind_namesIt() {
    Price priced = Fixtures.priced(RateKey.INPUT, "1e-6");

    assertThat(Price.UNKNOWN.state()).isEqualTo("unknown");
    assertThat(Price.FREE.state()).isEqualTo("free");
    assertThat(priced.state()).isEqualTo("priced");
  }

  @Test
  void sourceName_eachKind_namesIt() {
    Rates rates = new Rates(Fixtures.rates(RateKey.INPUT, "1e-6"));

    assertThat(Price.UNKNOWN.sourceName()).isEqualTo("none");
    assertThat(Price.FREE.sourceName()).isEqualTo("custom");
    assertThat(new Price.Priced(rates, PriceSource.CUSTOM).sourceName()).isEqualTo("custom");
    assertThat(new Price.Priced(rates, PriceSource.CATALOG).sourceName()).isEqualTo("catalog");
  }

  @Test
  void priced_emptyRates_rejected() {
    assertThatThrownBy(() -> new Price.Priced(new Rates(Map.of()), PriceSource.CATALOG))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
