package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.LitellmSettings;
import dev.tollgate.governance.BudgetDuration;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BudgetSettingsTest {

  @Test
  void from_litellmSettings_typedExactly() {
    LitellmSettings s =
        new LitellmSettings(
            Optional.of(new BigDecimal("100.5")),
            Optional.of("30d"),
            Optional.of(new BigDecimal("0.000000001")),
            Optional.of("tier"),
            Optional.empty(),
            Optional.of("Europe/Paris"),
            false,
            java.util.List.of(),
            true,
            dev.tollgate.config.PrometheusMetricsConfig.ALL,
            Map.of("unknown_price_policy", "deny"),
            Optional.empty());
    BudgetSettings b = BudgetSettings.from(s);
    assertThat(b.maxBudgetNanos()).hasValue(100_500_000_000L);
    assertThat(b.budgetDuration()).contains(BudgetDuration.parse("30d"));
    assertThat(b.maxEndUserBudgetNanos()).hasValue(1);
    assertThat(b.maxEndUserBudgetId()).contains("tier");
    assertThat(b.unknownPricePolicy()).isEqualTo(UnknownPricePolicy.DENY);
    assertThat(b.timezone()).isEqualTo(ZoneId.of("Europe/Paris"));
  }

  @Test
  void from_defaults_enforceAndUtc() {
    BudgetSettings b = BudgetSettings.from(LitellmSettings.defaults());
    assertThat(b.unknownPricePolicy()).isEqualTo(UnknownPricePolicy.ENFORCE);
    assertThat(b.timezone()).isEqualTo(ZoneOffset.UTC);
    assertThat(b.maxBudgetNanos()).isEmpty();
  }

  @Test
  void from_badPolicyOrTooPrecise_refusedNamingTheKey() {
    LitellmSettings policy =
        new LitellmSettings(
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            java.util.List.of(),
            true,
            dev.tollgate.config.PrometheusMetricsConfig.ALL,
            Map.of("unknown_price_policy", "maybe"),
            Optional.empty());
    assertThatThrownBy(() -> BudgetSettings.from(policy))
        .hasMessageContaining("unknown_price_policy");
    LitellmSettings precise =
        new LitellmSettings(
            Optional.of(new BigDecimal("0.0000000001")),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            java.util.List.of(),
            true,
            dev.tollgate.config.PrometheusMetricsConfig.ALL,
            Map.of(),
            Optional.empty());
    assertThatThrownBy(() -> BudgetSettings.from(precise))
        .hasMessageContaining("litellm_settings.max_budget");
  }

  @Test
  void parse_budgetDurations_acceptedAndRejected() {
    assertThat(BudgetDuration.parse("30s").seconds()).isEqualTo(30);
    assertThat(BudgetDuration.parse("15m").seconds()).isEqualTo(900);
    assertThat(BudgetDuration.parse("7d").days()).isEqualTo(7);
    assertThat(BudgetDuration.parse("2w").days()).isEqualTo(14);
    assertThat(BudgetDuration.parse("1mo").unit()).isEqualTo(BudgetDuration.Unit.MONTHS);
    for (String bad : new String[] {"", "0d", "1y", "d", "-1d", "1.5h", "1 d", "01d"}) {
      assertThatThrownBy(() -> BudgetDuration.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void toNanos_usd_exactAndBounded() {
    assertThat(Usd.toNanos(new BigDecimal("1.000000001"))).isEqualTo(1_000_000_001L);
    assertThat(Usd.toNanos(new BigDecimal("1E+2"))).isEqualTo(100_000_000_000L);
    assertThat(Usd.of(1_500_000_000L).toPlainString()).isEqualTo("1.5");
    assertThat(Usd.of(0).toPlainString()).isEqualTo("0");
    assertThatThrownBy(() -> Usd.toNanos(new BigDecimal("-0.1"))).hasMessageContaining("negative");
    assertThatThrownBy(() -> Usd.toNanos(new BigDecimal("1e12")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
