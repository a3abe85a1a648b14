package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CatalogTest {

  private static final Catalog BASE =
      Catalog.fromLiteLlmCostMap(
          """
          {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06,
                      "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
                      "max_input_tokens": 128000, "max_output_tokens": 16384},
           "gpt-4o-mini": {"litellm_provider": "openai", "input_cost_per_token": 1.5e-07}}
          """);

  private static Rates rates(Catalog catalog, String model) {
    return catalog.lookup(model, null).orElseThrow().rates();
  }

  @Test
  void mergedWith_overGivesSomeRates_replacesThoseKeepsTheRest() {
    Catalog over =
        Catalog.fromLiteLlmCostMap(
            """
            {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2e-06,
                        "max_input_tokens": 256000}}
            """);

    Catalog merged = BASE.mergedWith(over);

    CatalogEntry entry = merged.lookup("openai/gpt-4o", null).orElseThrow();
    assertThat(entry.rates().get(RateKey.INPUT)).hasValue(new BigDecimal("0.000002"));
    assertThat(entry.rates().get(RateKey.OUTPUT)).hasValue(new BigDecimal("0.00001"));
    assertThat(entry.rates().get(RateKey.CACHE_READ)).hasValue(new BigDecimal("0.00000125"));
    assertThat(entry.maxInputTokens()).isEqualTo(OptionalLong.of(256_000));
    assertThat(entry.maxOutputTokens()).isEqualTo(OptionalLong.of(16_384));
    assertThat(merged.size()).isEqualTo(2);
  }

  @Test
  void mergedWith_sparseReRegistration_neverErasesAKnownPrice() {
    // The LiteLLM bug this project exists for: re-registering a model without cost fields
    // turned its price into 0. Here the sparse entry changes nothing about the price.
    Catalog sparse =
        Catalog.fromLiteLlmCostMap(
            "{\"gpt-4o\": {\"litellm_provider\": \"openai\", \"mode\": \"chat\"}}");

    Catalog merged = BASE.mergedWith(sparse);

    assertThat(rates(merged, "openai/gpt-4o")).isEqualTo(rates(BASE, "openai/gpt-4o"));
  }

  @Test
  void mergedWith_newModel_added() {
    Catalog over =
        Catalog.fromLiteLlmCostMap(
            "{\"my-model\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 1e-06}}");

    Catalog merged = BASE.mergedWith(over);

    assertThat(merged.size()).isEqualTo(3);
    assertThat(merged.lookup("my-model", null)).isPresent();
  }

  @Test
  void mergedWith_leavesBothInputsUnchanged() {
    Catalog over =
        Catalog.fromLiteLlmCostMap(
            "{\"gpt-4o\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 9e-06}}");
    Rates before = rates(BASE, "openai/gpt-4o");

    BASE.mergedWith(over);

    assertThat(rates(BASE, "openai/gpt-4o")).isEqualTo(before);
    assertThat(rates(over, "openai/gpt-4o").values()).hasSize(1);
  }

  @Test
  void mergedWith_empty_isSameCatalog() {
    assertThat(BASE.mergedWith(Catalog.empty())).isSameAs(BASE);
    assertThat(Catalog.empty().mergedWith(BASE).size()).isEqualTo(BASE.size());
  }
}
