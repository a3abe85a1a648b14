package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LiteLlmCostMapTest {

  private static CatalogEntry only(Catalog catalog, String model) {
    return catalog.lookup(model, null).orElseThrow();
  }

  @Test
  void fromLiteLlmCostMap_floatLiterals_keptAsExactDecimals() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "openai",
                   "input_cost_per_token": 1.5e-07,
                   "output_cost_per_token": 0.1234567890123456789}}
            """);

    Rates rates = only(catalog, "openai/m").rates();
    assertThat(rates.get(RateKey.INPUT)).hasValue(new BigDecimal("0.00000015"));
    // A double would have lost the digits after the 17th.
    assertThat(rates.get(RateKey.OUTPUT)).hasValue(new BigDecimal("0.1234567890123456789"));
  }

  @Test
  void fromLiteLlmCostMap_sparseEntry_hasNoRatesAndResolvesUnknown() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"new-model": {"litellm_provider": "openai", "max_input_tokens": 8192, "mode": "chat"}}
            """);

    CatalogEntry entry = only(catalog, "openai/new-model");
    assertThat(entry.rates().isEmpty()).isTrue();
    assertThat(entry.maxInputTokens()).isEqualTo(OptionalLong.of(8192));
    assertThat(new PriceResolver(catalog).resolve("openai/new-model", null, Map.of()))
        .isEqualTo(Price.UNKNOWN);
  }

  @Test
  void fromLiteLlmCostMap_explicitZero_keptAsZeroNotDropped() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"llama3": {"litellm_provider": "ollama",
                        "input_cost_per_token": 0, "output_cost_per_token": 0.0}}
            """);

    Rates rates = only(catalog, "ollama/llama3").rates();
    assertThat(rates.get(RateKey.INPUT)).hasValue(BigDecimal.ZERO);
    assertThat(rates.get(RateKey.OUTPUT)).hasValue(BigDecimal.ZERO);
    Price price = new PriceResolver(catalog).resolve("ollama/llama3", null, Map.of());
    assertThat(price).isEqualTo(new Price.Priced(rates, PriceSource.CATALOG));
    assertThat(CostCalculator.costNanos(price, Usage.tokens(100, 100))).hasValue(0L);
  }

  @Test
  void fromLiteLlmCostMap_nullRate_isAbsentNotZero() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "openai",
                   "input_cost_per_token": 1e-06, "output_cost_per_token": null}}
            """);

    assertThat(only(catalog, "openai/m").rates().get(RateKey.OUTPUT)).isEmpty();
  }

  @Test
  void fromLiteLlmCostMap_numericString_accepted() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "openai", "input_cost_per_token": "3e-06"}}
            """);

    assertThat(only(catalog, "openai/m").rates().get(RateKey.INPUT))
        .hasValue(new BigDecimal("0.000003"));
  }

  @Test
  void fromLiteLlmCostMap_fieldsOutsideRateKey_dropped() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "vertex_ai-language-models",
                   "input_cost_per_pixel": 1.25e-07,
                   "output_cost_per_token_batches": 1e-06,
                   "search_context_cost_per_query": {"search_context_size_low": 0.01},
                   "supports_vision": true}}
            """);

    assertThat(only(catalog, "vertex_ai/m").rates().isEmpty()).isTrue();
  }

  @Test
  void fromLiteLlmCostMap_perCharacterAndPerQuery_kept() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "vertex_ai-language-models",
                   "input_cost_per_character": 1.25e-07, "output_cost_per_character": 3.75e-07},
             "cohere/rerank-x": {"litellm_provider": "cohere", "input_cost_per_query": 0.002}}
            """);

    assertThat(only(catalog, "vertex_ai/m").rates().get(RateKey.INPUT_CHARACTER))
        .hasValue(new BigDecimal("0.000000125"));
    assertThat(only(catalog, "cohere/rerank-x").rates().get(RateKey.PER_QUERY))
        .hasValue(new BigDecimal("0.002"));
  }

  @Test
  void fromLiteLlmCostMap_bareKey_filedUnderCanonicalProvider() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"gemini-2.5-pro": {"litellm_provider": "vertex_ai-language-models",
                                "input_cost_per_token": 1.25e-06},
             "text-completion-codestral/codestral-2501": {
               "litellm_provider": "text-completion-codestral", "input_cost_per_token": 1e-06}}
            """);

    assertThat(only(catalog, "gemini-2.5-pro").key()).isEqualTo("vertex_ai/gemini-2.5-pro");
    assertThat(only(catalog, "codestral/codestral-2501").key())
        .isEqualTo("codestral/codestral-2501");
    assertThat(catalog.aliases()).containsEntry("gemini-2.5-pro", "vertex_ai/gemini-2.5-pro");
  }

  @Test
  void fromLiteLlmCostMap_bareAndPrefixedKeysForOneModel_mergedPrefixedWinning() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"vertex_ai/img": {"litellm_provider": "vertex_ai-language-models",
                               "output_cost_per_image": 0.039},
             "img": {"litellm_provider": "vertex_ai-language-models",
                     "input_cost_per_token": 3e-07, "output_cost_per_image": 0.05}}
            """);

    Rates rates = only(catalog, "vertex_ai/img").rates();
    assertThat(rates.get(RateKey.OUTPUT_IMAGE)).hasValue(new BigDecimal("0.039"));
    assertThat(rates.get(RateKey.INPUT)).hasValue(new BigDecimal("3e-7"));
  }

  @Test
  void fromLiteLlmCostMap_entryWithoutProvider_keptUnderItsOwnKey() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap("{\"my-model\": {\"input_cost_per_token\": 1e-06}}");

    assertThat(only(catalog, "my-model").key()).isEqualTo("my-model");
    assertThat(catalog.lookup("openai/my-model", null)).isEmpty();
  }

  @Test
  void fromLiteLlmCostMap_sampleSpec_skipped() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"sample_spec": {"input_cost_per_token": 0.0, "max_input_tokens": "max input tokens",
                             "litellm_provider": "one of https://docs.litellm.ai/docs/providers"}}
            """);

    assertThat(catalog.size()).isZero();
  }

  @Test
  void fromLiteLlmCostMap_maxTokens_read() {
    Catalog catalog =
        Catalog.fromLiteLlmCostMap(
            """
            {"m": {"litellm_provider": "openai", "max_input_tokens": 128000,
                   "max_output_tokens": 16384}}
            """);

    CatalogEntry entry = only(catalog, "openai/m");
    assertThat(entry.maxInputTokens()).isEqualTo(OptionalLong.of(128_000));
    assertThat(entry.maxOutputTokens()).isEqualTo(OptionalLong.of(16_384));
    assertThat(entry.source()).isEqualTo("litellm-cost-map");
  }

  @Test
  void fromLiteLlmCostMap_negativeRate_throwsNamingModelAndField() {
    assertThatThrownBy(
            () ->
                Catalog.fromLiteLlmCostMap(
                    "{\"m\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": -1e-06}}"))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("m")
        .hasMessageContaining("input_cost_per_token");
  }

  @Test
  void fromLiteLlmCostMap_nonNumericRate_throwsNamingField() {
    assertThatThrownBy(
            () ->
                Catalog.fromLiteLlmCostMap(
                    "{\"m\": {\"litellm_provider\": \"openai\", \"output_cost_per_token\": true}}"))
        .isInstanceOf(PricingException.class)
        .hasMessageContaining("output_cost_per_token");
  }

  @Test
  void fromLiteLlmCostMap_duplicateKey_throws() {
    assertThatThrownBy(
            () ->
                Catalog.fromLiteLlmCostMap(
                    "{\"m\": {\"input_cost_per_token\": 1}, \"m\": {\"input_cost_per_token\": 0}}"))
        .isInstanceOf(PricingException.class);
  }

  @Test
  void fromLiteLlmCostMap_notJson_throws() {
    assertThatThrownBy(() -> Catalog.fromLiteLlmCostMap("{not json"))
        .isInstanceOf(PricingException.class);
    assertThatThrownBy(() -> Catalog.fromLiteLlmCostMap("[]")).isInstanceOf(PricingException.class);
  }

  @Test
  void fromLiteLlmCostMap_inputStream_sameAsString() {
    String json = "{\"m\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 2e-06}}";

    Catalog fromStream =
        Catalog.fromLiteLlmCostMap(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));

    assertThat(fromStream.lookup("openai/m", null))
        .isEqualTo(Catalog.fromLiteLlmCostMap(json).lookup("openai/m", null));
  }
}
