package dev.tollgate.pricing;

import static dev.tollgate.pricing.Fixtures.rates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatesTest {

  @Test
  void equals_sameValueDifferentScale_equal() {
    Rates a = new Rates(rates(RateKey.INPUT, "3E-6", RateKey.OUTPUT, "0"));
    Rates b = new Rates(rates(RateKey.INPUT, "0.000003", RateKey.OUTPUT, "0.000"));

    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
  }

  @Test
  void equals_differentValue_notEqual() {
    assertThat(new Rates(rates(RateKey.INPUT, "3E-6")))
        .isNotEqualTo(new Rates(rates(RateKey.INPUT, "3.1E-6")));
  }

  @Test
  void constructor_laterChangesToArgument_notSeen() {
    Map<RateKey, BigDecimal> given = new EnumMap<>(rates(RateKey.INPUT, "1e-6"));
    Rates rates = new Rates(given);

    given.put(RateKey.OUTPUT, BigDecimal.ONE);

    assertThat(rates.has(RateKey.OUTPUT)).isFalse();
  }

  @Test
  void values_isUnmodifiable() {
    Rates rates = new Rates(rates(RateKey.INPUT, "1e-6"));

    assertThatThrownBy(() -> rates.values().put(RateKey.OUTPUT, BigDecimal.ONE))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void constructor_negativeRate_throwsNamingKey() {
    assertThatThrownBy(() -> new Rates(rates(RateKey.CACHE_READ, "-0.1")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("cache_read_input_token_cost");
  }

  @Test
  void get_absentKey_emptyNotZero() {
    Rates rates = new Rates(rates(RateKey.INPUT, "0"));

    assertThat(rates.get(RateKey.INPUT)).hasValue(BigDecimal.ZERO);
    assertThat(rates.get(RateKey.OUTPUT)).isEmpty();
  }

  @Test
  void none_isEmpty() {
    assertThat(Rates.none().isEmpty()).isTrue();
    assertThat(new Rates(Map.of())).isEqualTo(Rates.none());
  }
}
