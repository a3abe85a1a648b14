package dev.tollgate.pricing;

import static dev.tollgate.pricing.Fixtures.rates;
import static dev.tollgate.pricing.RateKey.CACHE_READ;
import static dev.tollgate.pricing.RateKey.INPUT;
import static dev.tollgate.pricing.RateKey.INPUT_SECOND;
import static dev.tollgate.pricing.RateKey.OUTPUT;
import static dev.tollgate.pricing.RateKey.PER_REQUEST;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PriceResolverTest {

  private static final Catalog CATALOG =
      Catalog.fromLiteLlmCostMap(
          """
          {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06,
                      "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06},
           "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.75e-06,
                            "output_cost_per_token": 1.1e-05},
           "new-model": {"litellm_provider": "openai", "max_input_tokens": 8192}}
          """);

  private final PriceResolver resolver = new PriceResolver(CATALOG);

  private static Price.Priced priced(PriceSource source, Object... keyThenDecimal) {
    return new Price.Priced(new Rates(rates(keyThenDecimal)), source);
  }

  @Test
  void resolve_noCustomRates_pricedFromCatalog() {
    assertThat(resolver.resolve("openai/gpt-4o", null, Map.of()))
        .isEqualTo(
            priced(PriceSource.CATALOG, INPUT, "2.5e-6", OUTPUT, "1e-5", CACHE_READ, "1.25e-6"));
  }

  @Test
  void resolve_noCustomRatesNoCatalogEntry_unknown() {
    assertThat(resolver.resolve("openai/unheard-of", null, Map.of())).isEqualTo(Price.UNKNOWN);
  }

  @Test
  void resolve_catalogEntryWithoutRates_unknown() {
    assertThat(resolver.resolve("openai/new-model", null, Map.of())).isEqualTo(Price.UNKNOWN);
  }

  @Test
  void resolve_baseModel_pricesTheDeployment() {
    assertThat(resolver.resolve("azure/my-deployment", "gpt-4o", Map.of()))
        .isEqualTo(priced(PriceSource.CATALOG, INPUT, "2.75e-6", OUTPUT, "1.1e-5"));
  }

  @Test
  void resolve_customInputAndOutput_customWinsOverCatalog() {
    Price price = resolver.resolve("openai/gpt-4o", null, rates(INPUT, "1e-6", OUTPUT, "2e-6"));

    // Keys the deployment did not set (cache read) still come from the catalog.
    assertThat(price)
        .isEqualTo(
            priced(PriceSource.CUSTOM, INPUT, "1e-6", OUTPUT, "2e-6", CACHE_READ, "1.25e-6"));
  }

  @Test
  void resolve_allZeroWithInputAndOutput_free() {
    assertThat(resolver.resolve("openai/gpt-4o", null, rates(INPUT, "0", OUTPUT, "0.000")))
        .isEqualTo(Price.FREE);
    assertThat(resolver.resolve("openai/unheard-of", null, rates(INPUT, "0", OUTPUT, "0")))
        .isEqualTo(Price.FREE);
  }

  @Test
  void resolve_allZeroIncludingOtherKeys_free() {
    assertThat(
            resolver.resolve(
                "openai/unheard-of", null, rates(INPUT, "0", OUTPUT, "0", CACHE_READ, "0")))
        .isEqualTo(Price.FREE);
  }

  @Test
  void resolve_zeroTokensButRequestFee_pricedNotFree() {
    Price price =
        resolver.resolve(
            "openai/unheard-of", null, rates(INPUT, "0", OUTPUT, "0", PER_REQUEST, "0.01"));

    assertThat(price)
        .isEqualTo(priced(PriceSource.CUSTOM, INPUT, "0", OUTPUT, "0", PER_REQUEST, "0.01"));
  }

  @Test
  void resolve_zeroInputOnlyWithCatalog_completedNotFree() {
    Price price = resolver.resolve("openai/gpt-4o", null, rates(INPUT, "0"));

    assertThat(price)
        .isEqualTo(priced(PriceSource.CUSTOM, INPUT, "0", OUTPUT, "1e-5", CACHE_READ, "1.25e-6"));
  }

  @Test
  void resolve_partialCustomWithCatalog_completedFromCatalog() {
    Price price = resolver.resolve("openai/gpt-4o", null, rates(OUTPUT, "2e-5"));

    assertThat(price)
        .isEqualTo(
            priced(PriceSource.CUSTOM, INPUT, "2.5e-6", OUTPUT, "2e-5", CACHE_READ, "1.25e-6"));
  }

  @Test
  void resolve_partialCustomWithBaseModel_completedFromBaseModelEntry() {
    Price price = resolver.resolve("azure/my-deployment", "azure/gpt-4o", rates(INPUT, "3e-6"));

    assertThat(price).isEqualTo(priced(PriceSource.CUSTOM, INPUT, "3e-6", OUTPUT, "1.1e-5"));
  }

  @Test
  void resolve_partialCustomWithBothTokenRatesNoCatalog_pricedCustom() {
    Price price =
        resolver.resolve(
            "openai/unheard-of", null, rates(INPUT, "1e-6", OUTPUT, "2e-6", CACHE_READ, "5e-7"));

    assertThat(price)
        .isEqualTo(priced(PriceSource.CUSTOM, INPUT, "1e-6", OUTPUT, "2e-6", CACHE_READ, "5e-7"));
  }

  @Test
  void resolve_customWithoutOutputNoCatalog_throwsNamingOutputKey() {
    assertThatThrownBy(() -> resolver.resolve("openai/unheard-of", null, rates(INPUT, "1e-6")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("output_cost_per_token")
        .hasMessageNotContaining("input_cost_per_token ")
        .hasMessageContaining("openai/unheard-of");
  }

  @Test
  void resolve_customWithoutInputNoCatalog_throwsNamingInputKey() {
    assertThatThrownBy(() -> resolver.resolve("openai/unheard-of", null, rates(OUTPUT, "1e-6")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("input_cost_per_token");
  }

  @Test
  void resolve_customWithoutTokenRatesSparseCatalogEntry_throws() {
    // An entry without rates cannot complete anything.
    assertThatThrownBy(() -> resolver.resolve("openai/new-model", null, rates(CACHE_READ, "1e-7")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("input_cost_per_token")
        .hasMessageContaining("output_cost_per_token");
  }

  @Test
  void resolve_zeroInputOnlyNoCatalog_throwsNotFree() {
    assertThatThrownBy(() -> resolver.resolve("openai/unheard-of", null, rates(INPUT, "0")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("output_cost_per_token");
  }

  @ParameterizedTest
  @EnumSource(
      value = RateKey.class,
      names = {
        "INPUT_SECOND",
        "OUTPUT_SECOND",
        "INPUT_IMAGE",
        "OUTPUT_IMAGE",
        "INPUT_CHARACTER",
        "OUTPUT_CHARACTER",
        "PER_QUERY"
      })
  void resolve_customPricedOnlyByAnotherUnitNoCatalog_isPricedNotRefused(RateKey unit) {
    Price price = resolver.resolve("sagemaker/my-endpoint", null, rates(unit, "0.0002"));

    assertThat(price).isEqualTo(priced(PriceSource.CUSTOM, unit, "0.0002"));
  }

  @Test
  void resolve_zeroTokenRatesAndAPerSecondRate_isPricedNotFree() {
    Price price =
        resolver.resolve(
            "sagemaker/my-endpoint", null, rates(INPUT, "0", OUTPUT, "0", INPUT_SECOND, "0.0002"));

    assertThat(price.state()).isEqualTo("priced");
  }

  @Test
  void resolve_positiveTokenRateWithPerSecondButNoOutputRate_stillThrows() {
    // Billed by tokens (a token rate above 0), so the missing output rate would bill nothing.
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    "openai/unheard-of", null, rates(INPUT, "1e-6", INPUT_SECOND, "0.01")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("output_cost_per_token");
  }

  @Test
  void resolve_negativeCustomRate_throwsNamingKey() {
    assertThatThrownBy(
            () -> resolver.resolve("openai/gpt-4o", null, rates(INPUT, "-1e-6", OUTPUT, "1e-6")))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("input_cost_per_token")
        .hasMessageContaining("negative");
  }

  @Test
  void resolve_leavesCustomMapUnchanged() {
    Map<RateKey, BigDecimal> custom = new EnumMap<>(rates(OUTPUT, "2.000e-5"));
    Map<RateKey, BigDecimal> before = new EnumMap<>(custom);

    resolver.resolve("openai/gpt-4o", null, custom);

    assertThat(custom).isEqualTo(before);
    assertThat(requireNonNull(custom.get(OUTPUT)).scale())
        .isEqualTo(requireNonNull(before.get(OUTPUT)).scale());
  }

  @Test
  void resolve_sameInputs_equalResults() {
    Map<RateKey, BigDecimal> custom = rates(OUTPUT, "2e-5");

    assertThat(resolver.resolve("openai/gpt-4o", null, custom))
        .isEqualTo(resolver.resolve("openai/gpt-4o", null, rates(OUTPUT, "0.00002")));
  }
}
