package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated catalog in the jar. Expected rates were read by hand from the two source files
 * (LiteLLM's cost map of 2025-11-21 and genai-prices of 2026-08-21, per-million prices divided by
 * 1,000,000 on paper), not from the generator.
 */
class BundledCatalogTest {

  private static final Catalog BUNDLED = Catalog.bundled();

  private static CatalogEntry entry(String model) {
    return BUNDLED.lookup(model, null).orElseThrow(() -> new AssertionError("no entry " + model));
  }

  private static void assertRate(CatalogEntry entry, RateKey key, String expected) {
    assertThat(entry.rates().get(key))
        .as("%s %s", entry.key(), key.liteLlmName())
        .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo(expected));
  }

  @Test
  void bundled_loadsOnceWithThousandsOfEntries() {
    assertThat(Catalog.bundled()).isSameAs(BUNDLED);
    assertThat(BUNDLED.size()).isGreaterThan(2_500);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // key, input per token, output per token, source, source date
    // genai-prices openai gpt-4o-mini: input_mtok 0.15, output_mtok 0.6
    "openai/gpt-4o-mini, 0.00000015, 0.0000006, genai-prices, 2026-08-21",
    // LiteLLM azure/gpt-4o: 2.5e-06, 1e-05
    "azure/gpt-4o, 0.0000025, 0.00001, litellm, 2025-11-21",
    // LiteLLM claude-sonnet-4-5-20250929 (litellm_provider anthropic): 3e-06, 1.5e-05
    "anthropic/claude-sonnet-4-5-20250929, 0.000003, 0.000015, litellm, 2025-11-21",
    // genai-prices google gemini-2.5-pro: input_mtok base 1.25, output_mtok base 10
    "gemini/gemini-2.5-pro, 0.00000125, 0.00001, genai-prices, 2026-08-21",
    "vertex_ai/gemini-2.5-pro, 0.00000125, 0.00001, genai-prices, 2026-08-21",
    // LiteLLM vertex_ai/claude-3-5-sonnet@20240620: 3e-06, 1.5e-05
    "vertex_ai/claude-3-5-sonnet@20240620, 0.000003, 0.000015, litellm, 2025-11-21",
    // genai-prices aws regional.anthropic.claude-3-5-sonnet-20240620-v1:0: 3, 15 per Mtok
    "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0, 0.000003, 0.000015, genai-prices, 2026-08-21",
    // LiteLLM us.anthropic.claude-sonnet-4-5-20250929-v1:0 (bedrock_converse): 3.3e-06, 1.65e-05
    "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0, 0.0000033, 0.0000165, litellm, 2025-11-21",
    // LiteLLM mistral/mistral-large-latest: 2e-06, 6e-06
    "mistral/mistral-large-latest, 0.000002, 0.000006, litellm, 2025-11-21",
    // genai-prices groq llama-3.3-70b-versatile: 0.59, 0.79 per Mtok
    "groq/llama-3.3-70b-versatile, 0.00000059, 0.00000079, genai-prices, 2026-08-21",
    // genai-prices x-ai grok-4-0709: 3, 15 per Mtok
    "xai/grok-4-0709, 0.000003, 0.000015, genai-prices, 2026-08-21",
    // genai-prices cohere command-r: 0.15, 0.6 per Mtok
    "cohere/command-r, 0.00000015, 0.0000006, genai-prices, 2026-08-21",
    // genai-prices together meta-llama/Llama-3.3-70B-Instruct-Turbo: 0.88, 0.88 per Mtok
    "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo, 0.00000088, 0.00000088, genai-prices,"
        + " 2026-08-21",
    // genai-prices fireworks deepseek-r1-0528: 3, 8 per Mtok
    "fireworks_ai/accounts/fireworks/models/deepseek-r1-0528, 0.000003, 0.000008, genai-prices,"
        + " 2026-08-21",
  })
  void bundled_requiredProviders_haveSourceRates(
      String key, String input, String output, String source, String sourceDate) {
    CatalogEntry entry = entry(key);

    assertThat(entry.key()).isEqualTo(key);
    assertRate(entry, RateKey.INPUT, input);
    assertRate(entry, RateKey.OUTPUT, output);
    assertThat(entry.source()).isEqualTo(source);
    assertThat(entry.sourceDate()).isEqualTo(sourceDate);
  }

  @Test
  void bundled_anthropicSonnet45_hasCacheAndLongContextRates() {
    // LiteLLM: cache creation 3.75e-06, read 3e-07, above 200k: 6e-06 / 2.25e-05 / 7.5e-06 / 6e-07
    CatalogEntry e = entry("anthropic/claude-sonnet-4-5-20250929");

    assertRate(e, RateKey.CACHE_CREATION, "0.00000375");
    assertRate(e, RateKey.CACHE_READ, "0.0000003");
    assertRate(e, RateKey.INPUT_ABOVE_200K, "0.000006");
    assertRate(e, RateKey.OUTPUT_ABOVE_200K, "0.0000225");
    assertRate(e, RateKey.CACHE_CREATION_ABOVE_200K, "0.0000075");
    assertRate(e, RateKey.CACHE_READ_ABOVE_200K, "0.0000006");
    assertThat(e.maxInputTokens()).isEqualTo(OptionalLong.of(200_000));
    assertThat(e.maxOutputTokens()).isEqualTo(OptionalLong.of(64_000));
  }

  @Test
  void bundled_geminiTier_mappedFromGenaiTierAt200k() {
    // genai-prices gemini-2.5-pro tiers start at 200000: input 2.5, output 15, cache read 0.25
    // per Mtok. Its cache read base 0.125 per Mtok replaces LiteLLM's older 3.125e-07.
    CatalogEntry e = entry("gemini/gemini-2.5-pro");

    assertRate(e, RateKey.INPUT_ABOVE_200K, "0.0000025");
    assertRate(e, RateKey.OUTPUT_ABOVE_200K, "0.000015");
    assertRate(e, RateKey.CACHE_READ, "0.000000125");
    assertRate(e, RateKey.CACHE_READ_ABOVE_200K, "0.00000025");
  }

  @Test
  void bundled_mergedEntry_keepsLiteLlmRatesGenaiLacks() {
    // genai-prices grok-4-0709 has no tiers; LiteLLM's above-128k rates 6e-06 / 3e-05 stay.
    CatalogEntry e = entry("xai/grok-4-0709");

    assertRate(e, RateKey.CACHE_READ, "0.00000075");
    assertRate(e, RateKey.INPUT_ABOVE_128K, "0.000006");
    assertRate(e, RateKey.OUTPUT_ABOVE_128K, "0.00003");
  }

  @Test
  void bundled_requestFee_convertedFromPerThousand() {
    // genai-prices perplexity sonar: requests_kcount 12 -> 0.012 per request
    assertRate(entry("perplexity/sonar"), RateKey.PER_REQUEST, "0.012");
  }

  @Test
  void bundled_timeOfDayPrices_useThePeakPrice() {
    // genai-prices deepseek-chat: default 0.135 / 0.55, 00:30-16:30 UTC 0.27 / 1.1 per Mtok
    CatalogEntry e = entry("deepseek/deepseek-chat");

    assertRate(e, RateKey.INPUT, "0.00000027");
    assertRate(e, RateKey.OUTPUT, "0.0000011");
  }

  @Test
  void bundled_startDatedPrices_useThePriceInEffectOnTheCatalogDate() {
    // genai-prices o3: 10 / 40 per Mtok, then 2 / 8 from 2025-06-10
    CatalogEntry e = entry("openai/o3");

    assertRate(e, RateKey.INPUT, "0.000002");
    assertRate(e, RateKey.OUTPUT, "0.000008");
  }

  @Test
  void bundled_lookupRules_workOnRealKeys() {
    assertThat(BUNDLED.lookup("gpt-4o-mini", null).map(CatalogEntry::key))
        .hasValue("openai/gpt-4o-mini");
    assertThat(BUNDLED.lookup("azure/my-gpt4o", "gpt-4o").map(CatalogEntry::key))
        .hasValue("azure/gpt-4o");
    assertThat(
            BUNDLED
                .lookup("bedrock/converse/us.anthropic.claude-3-5-sonnet-20240620-v1:0", null)
                .map(CatalogEntry::key))
        .hasValue("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0");
    assertThat(BUNDLED.lookup("openai/gpt-4o-mini-2099-12-31", null).map(CatalogEntry::key))
        .hasValue("openai/gpt-4o-mini");
    assertThat(BUNDLED.lookup("openai/no-such-model-anywhere", null)).isEmpty();
  }

  @Test
  void bundled_resolvedAndCosted_endToEnd() {
    // openai/gpt-4o-mini: 1,000 x 0.00000015 + 500 x 0.0000006 = 0.00015 + 0.0003 = 0.00045
    Price price = new PriceResolver(BUNDLED).resolve("openai/gpt-4o-mini", null, Map.of());

    assertThat(price.state()).isEqualTo("priced");
    assertThat(price.sourceName()).isEqualTo("catalog");
    assertThat(CostCalculator.costNanos(price, Usage.tokens(1_000, 500))).hasValue(450_000L);
  }

  @Test
  void bundled_everyAliasPointsAtAnEntry() {
    assertThat(BUNDLED.aliases()).isNotEmpty();
    BUNDLED
        .aliases()
        .forEach(
            (alias, key) ->
                assertThat(BUNDLED.lookup(key, null)).as("alias %s -> %s", alias, key).isPresent());
  }

  @ParameterizedTest
  @CsvSource({
    "openai, 150",
    "azure, 150",
    "anthropic, 20",
    "gemini, 50",
    "vertex_ai, 150",
    "bedrock, 200",
    "mistral, 30",
    "groq, 20",
    "deepseek, 5",
    "xai, 20",
    "cohere, 10",
    "together_ai, 50",
    "fireworks_ai, 30"
  })
  void bundled_everyRequiredProvider_hasEntries(String provider, int atLeast) {
    long count = BUNDLED.keys().stream().filter(k -> k.startsWith(provider + "/")).count();

    assertThat(count).isGreaterThanOrEqualTo(atLeast);
  }
}
