package dev.tollgate.pricing;

import static dev.tollgate.pricing.CostCalculator.costNanos;
import static dev.tollgate.pricing.Fixtures.priced;
import static dev.tollgate.pricing.Fixtures.usage;
import static dev.tollgate.pricing.RateKey.CACHE_CREATION;
import static dev.tollgate.pricing.RateKey.CACHE_CREATION_1H;
import static dev.tollgate.pricing.RateKey.CACHE_CREATION_ABOVE_200K;
import static dev.tollgate.pricing.RateKey.CACHE_READ;
import static dev.tollgate.pricing.RateKey.CACHE_READ_ABOVE_200K;
import static dev.tollgate.pricing.RateKey.INPUT;
import static dev.tollgate.pricing.RateKey.INPUT_ABOVE_128K;
import static dev.tollgate.pricing.RateKey.INPUT_ABOVE_200K;
import static dev.tollgate.pricing.RateKey.INPUT_AUDIO;
import static dev.tollgate.pricing.RateKey.INPUT_CHARACTER;
import static dev.tollgate.pricing.RateKey.INPUT_IMAGE;
import static dev.tollgate.pricing.RateKey.INPUT_SECOND;
import static dev.tollgate.pricing.RateKey.OUTPUT;
import static dev.tollgate.pricing.RateKey.OUTPUT_ABOVE_128K;
import static dev.tollgate.pricing.RateKey.OUTPUT_ABOVE_200K;
import static dev.tollgate.pricing.RateKey.OUTPUT_AUDIO;
import static dev.tollgate.pricing.RateKey.OUTPUT_CHARACTER;
import static dev.tollgate.pricing.RateKey.OUTPUT_IMAGE;
import static dev.tollgate.pricing.RateKey.OUTPUT_SECOND;
import static dev.tollgate.pricing.RateKey.PER_QUERY;
import static dev.tollgate.pricing.RateKey.PER_REQUEST;
import static dev.tollgate.pricing.RateKey.REASONING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Every expected figure here is worked out by hand in the comment beside it. */
class CostCalculatorTest {

  private static final Price.Priced SONNET =
      priced(INPUT, "3e-6", CACHE_CREATION, "3.75e-6", OUTPUT, "1.5e-5");

  @Test
  void costNanos_anthropicCacheCreation_chargesCacheCreationOnce() {
    // 3 x 0.000003 = 0.000009; 12,304 x 0.00000375 = 0.04614; 550 x 0.000015 = 0.00825
    // total 0.054399 USD. LiteLLM once billed 0.091311 by charging cache creation twice.
    Usage usage = usage().input(3).cacheCreation(12_304).output(550).build();

    assertThat(costNanos(SONNET, usage)).hasValue(54_399_000L);
  }

  @Test
  void costNanos_unknown_isEmptyNeverZero() {
    assertThat(costNanos(Price.UNKNOWN, Usage.tokens(1_000, 1_000))).isEmpty();
    assertThat(costNanos(Price.UNKNOWN, Usage.NONE)).isEmpty();
  }

  @Test
  void costNanos_free_isZero() {
    Usage usage = usage().input(1_000_000).output(1_000_000).cacheRead(5).images(3).build();

    assertThat(costNanos(Price.FREE, usage)).hasValue(0L);
  }

  @Test
  void costNanos_explicitZeroRates_isZero() {
    assertThat(costNanos(priced(INPUT, "0", OUTPUT, "0"), Usage.tokens(500, 500))).hasValue(0L);
  }

  @Test
  void costNanos_cacheReadWithRate_usesCacheReadRate() {
    // 1,000 x 0.0000025 = 0.0025; 2,000 x 0.00000125 = 0.0025; 100 x 0.00001 = 0.001 -> 0.006
    Price price = priced(INPUT, "2.5e-6", CACHE_READ, "1.25e-6", OUTPUT, "1e-5");
    Usage usage = usage().input(1_000).cacheRead(2_000).output(100).build();

    assertThat(costNanos(price, usage)).hasValue(6_000_000L);
  }

  @Test
  void costNanos_cacheReadWithoutRate_usesInputRate() {
    // 1,000 x 0.000002 = 0.002; 500 x 0.000002 = 0.001 -> 0.003
    Usage usage = usage().input(1_000).cacheRead(500).build();

    assertThat(costNanos(priced(INPUT, "2e-6", OUTPUT, "1e-5"), usage)).hasValue(3_000_000L);
  }

  @Test
  void costNanos_cacheCreationWithoutRate_usesInputRate() {
    // 1,000 x 0.000003 = 0.003
    Usage usage = usage().cacheCreation(1_000).build();

    assertThat(costNanos(priced(INPUT, "3e-6", OUTPUT, "1.5e-5"), usage)).hasValue(3_000_000L);
  }

  @Test
  void costNanos_oneHourCacheWithRate_usesOneHourRate() {
    // 5m: 1,000 x 0.00000375 = 0.00375; 1h: 1,000 x 0.000006 = 0.006 -> 0.00975
    Price price = priced(INPUT, "3e-6", CACHE_CREATION, "3.75e-6", CACHE_CREATION_1H, "6e-6");
    Usage usage = usage().cacheCreation(1_000).cacheCreation1h(1_000).build();

    assertThat(costNanos(price, usage)).hasValue(9_750_000L);
  }

  @Test
  void costNanos_oneHourCacheWithoutRate_usesFiveMinuteRate() {
    // 1,000 x 0.00000375 = 0.00375
    Usage usage = usage().cacheCreation1h(1_000).build();

    assertThat(costNanos(SONNET, usage)).hasValue(3_750_000L);
  }

  @Test
  void costNanos_oneHourCacheWithoutAnyCacheRate_usesInputRate() {
    // 1,000 x 0.000003 = 0.003
    Usage usage = usage().cacheCreation1h(1_000).build();

    assertThat(costNanos(priced(INPUT, "3e-6"), usage)).hasValue(3_000_000L);
  }

  @Test
  void costNanos_reasoningRate_splitsReasoningFromOutput() {
    // 600 x 0.00001 = 0.006; 400 x 0.00002 = 0.008 -> 0.014
    Price price = priced(INPUT, "1e-6", OUTPUT, "1e-5", REASONING, "2e-5");
    Usage usage = usage().output(1_000).reasoning(400).build();

    assertThat(costNanos(price, usage)).hasValue(14_000_000L);
  }

  @Test
  void costNanos_noReasoningRate_reasoningAtOutputRate() {
    // 1,000 x 0.00001 = 0.01
    Usage usage = usage().output(1_000).reasoning(400).build();

    assertThat(costNanos(priced(INPUT, "1e-6", OUTPUT, "1e-5"), usage)).hasValue(10_000_000L);
  }

  @Test
  void costNanos_audioRates_splitAudioFromText() {
    // input: 800 x 0.0000025 = 0.002 and 200 x 0.00004 = 0.008
    // output: 400 x 0.00001 = 0.004 and 100 x 0.00008 = 0.008 -> 0.022
    Price price =
        priced(INPUT, "2.5e-6", INPUT_AUDIO, "4e-5", OUTPUT, "1e-5", OUTPUT_AUDIO, "8e-5");
    Usage usage = usage().input(1_000).audioInput(200).output(500).audioOutput(100).build();

    assertThat(costNanos(price, usage)).hasValue(22_000_000L);
  }

  @Test
  void costNanos_noAudioRates_audioAtTextRates() {
    // 1,000 x 0.0000025 = 0.0025; 500 x 0.00001 = 0.005 -> 0.0075
    Usage usage = usage().input(1_000).audioInput(200).output(500).audioOutput(100).build();

    assertThat(costNanos(priced(INPUT, "2.5e-6", OUTPUT, "1e-5"), usage)).hasValue(7_500_000L);
  }

  @Test
  void costNanos_reasoningAndAudioOutput_bothSplitFromOutput() {
    // 300 x 0.00001 = 0.003; 500 x 0.00002 = 0.01; 200 x 0.00008 = 0.016 -> 0.029
    Price price = priced(OUTPUT, "1e-5", REASONING, "2e-5", OUTPUT_AUDIO, "8e-5");
    Usage usage = usage().output(1_000).reasoning(500).audioOutput(200).build();

    assertThat(costNanos(price, usage)).hasValue(29_000_000L);
  }

  @Test
  void costNanos_perRequestFee_chargedOnce() {
    // 0.005 + 100 x 0.000001 = 0.0051
    Price price = priced(INPUT, "1e-6", OUTPUT, "1e-6", PER_REQUEST, "0.005");

    assertThat(costNanos(price, Usage.tokens(100, 0))).hasValue(5_100_000L);
    assertThat(costNanos(price, Usage.NONE)).hasValue(5_000_000L);
  }

  @Test
  void costNanos_images_usesOutputImageRate() {
    // 2 x 0.04 = 0.08 (output_cost_per_image wins over input_cost_per_image)
    Price price = priced(INPUT_IMAGE, "0.001", OUTPUT_IMAGE, "0.04");

    assertThat(costNanos(price, usage().images(2).build())).hasValue(80_000_000L);
  }

  @Test
  void costNanos_imagesWithOnlyInputImageRate_usesInputImageRate() {
    // 3 x 0.001 = 0.003
    Price price = priced(INPUT, "1e-6", INPUT_IMAGE, "0.001");

    assertThat(costNanos(price, usage().images(3).build())).hasValue(3_000_000L);
  }

  @Test
  void costNanos_perSecond_exactDecimalSeconds() {
    // 12,345 ms = 12.345 s; 12.345 x 0.0001 = 0.0012345
    Price price = priced(INPUT_SECOND, "0.0001");

    assertThat(costNanos(price, usage().millis(12_345).build())).hasValue(1_234_500L);
  }

  @Test
  void costNanos_perSecondBothRatesEqual_billsDurationOnce() {
    // whisper-1 lists 0.0001 for input and output: 60 s x 0.0001 = 0.006, not 0.012
    Price price = priced(INPUT_SECOND, "0.0001", OUTPUT_SECOND, "0.0001");

    assertThat(costNanos(price, usage().millis(60_000).build())).hasValue(6_000_000L);
  }

  @Test
  void costNanos_perSecondOutputRateZero_usesInputRate() {
    // deepgram style: 60 s x 0.00003333 = 0.0019998
    Price price = priced(INPUT_SECOND, "0.00003333", OUTPUT_SECOND, "0");

    assertThat(costNanos(price, usage().millis(60_000).build())).hasValue(1_999_800L);
  }

  @Test
  void costNanos_subNanoParts_roundedOnceAtTheEnd() {
    // 1 x 0.0000000004 + 1 x 0.0000000004 = 0.8 nanos -> 1 (per-part rounding would give 0)
    Price price = priced(INPUT, "4e-10", OUTPUT, "4e-10");

    assertThat(costNanos(price, Usage.tokens(1, 1))).hasValue(1L);
  }

  @Test
  void costNanos_exactHalfNano_roundsHalfUp() {
    // 1 x 0.0000000015 = 1.5 nanos -> 2; 1 x 0.0000000014999 -> 1
    assertThat(costNanos(priced(INPUT, "1.5e-9"), Usage.tokens(1, 0))).hasValue(2L);
    assertThat(costNanos(priced(INPUT, "1.4999e-9"), Usage.tokens(1, 0))).hasValue(1L);
  }

  private static final Price.Priced TIERED_200K =
      priced(
          INPUT, "3e-6",
          OUTPUT, "1.5e-5",
          CACHE_READ, "3e-7",
          CACHE_CREATION, "3.75e-6",
          INPUT_ABOVE_200K, "6e-6",
          OUTPUT_ABOVE_200K, "2.25e-5",
          CACHE_READ_ABOVE_200K, "6e-7",
          CACHE_CREATION_ABOVE_200K, "7.5e-6");

  @Test
  void costNanos_exactly200kInput_usesBaseRates() {
    // total input 150,000 + 30,000 + 20,000 = 200,000, not above the threshold:
    // 150,000 x 0.000003 = 0.45; 30,000 x 0.0000003 = 0.009; 20,000 x 0.00000375 = 0.075;
    // 1,000 x 0.000015 = 0.015 -> 0.549
    Usage usage =
        usage().input(150_000).cacheRead(30_000).cacheCreation(20_000).output(1_000).build();

    assertThat(costNanos(TIERED_200K, usage)).hasValue(549_000_000L);
  }

  @Test
  void costNanos_justAbove200kInput_usesTierRatesForWholeRequest() {
    // total input 200,001:
    // 150,001 x 0.000006 = 0.900006; 30,000 x 0.0000006 = 0.018; 20,000 x 0.0000075 = 0.15;
    // 1,000 x 0.0000225 = 0.0225 -> 1.090506
    Usage usage =
        usage().input(150_001).cacheRead(30_000).cacheCreation(20_000).output(1_000).build();

    assertThat(costNanos(TIERED_200K, usage)).hasValue(1_090_506_000L);
  }

  @Test
  void costNanos_oneHourCacheTokensCountTowardTier() {
    // 200,000 input + 1 one-hour cache token = 200,001 total: tier applies.
    // 200,000 x 0.000006 = 1.2; the 1h token has no own rate, so the tier's 5m rate: 0.0000075
    Usage usage = usage().input(200_000).cacheCreation1h(1).build();

    assertThat(costNanos(TIERED_200K, usage)).hasValue(1_200_007_500L);
  }

  @Test
  void costNanos_above200kWithoutTierCacheRates_usesBaseCacheRates() {
    // 250,000 x 0.000006 = 1.5; cache read has no tier rate: 10,000 x 0.0000003 = 0.003 -> 1.503
    Price price = priced(INPUT, "3e-6", CACHE_READ, "3e-7", INPUT_ABOVE_200K, "6e-6");
    Usage usage = usage().input(250_000).cacheRead(10_000).build();

    assertThat(costNanos(price, usage)).hasValue(1_503_000_000L);
  }

  @Test
  void costNanos_above200kWithoutAnyCacheReadRate_usesTierInputRate() {
    // 210,000 x 0.000006 = 1.26; cache read falls back to the (tier) input rate:
    // 10,000 x 0.000006 = 0.06 -> 1.32
    Price price = priced(INPUT, "3e-6", INPUT_ABOVE_200K, "6e-6");
    Usage usage = usage().input(210_000).cacheRead(10_000).build();

    assertThat(costNanos(price, usage)).hasValue(1_320_000_000L);
  }

  private static final Price.Priced TIERED_128K =
      priced(
          INPUT, "1.25e-6", OUTPUT, "5e-6", INPUT_ABOVE_128K, "2.5e-6", OUTPUT_ABOVE_128K, "1e-5");

  @Test
  void costNanos_exactly128kInput_usesBaseRates() {
    // 128,000 x 0.00000125 = 0.16; 1,000 x 0.000005 = 0.005 -> 0.165
    assertThat(costNanos(TIERED_128K, Usage.tokens(128_000, 1_000))).hasValue(165_000_000L);
  }

  @Test
  void costNanos_justAbove128kInput_usesTierRates() {
    // 128,001 x 0.0000025 = 0.3200025; 1,000 x 0.00001 = 0.01 -> 0.3300025
    assertThat(costNanos(TIERED_128K, Usage.tokens(128_001, 1_000))).hasValue(330_002_500L);
  }

  @Test
  void costNanos_bothTiers_picksTheHighestThresholdCrossed() {
    Price price = priced(INPUT, "1e-6", INPUT_ABOVE_128K, "2e-6", INPUT_ABOVE_200K, "3e-6");

    // 100,000 x 0.000001 = 0.1
    assertThat(costNanos(price, Usage.tokens(100_000, 0))).hasValue(100_000_000L);
    // 150,000 x 0.000002 = 0.3
    assertThat(costNanos(price, Usage.tokens(150_000, 0))).hasValue(300_000_000L);
    // 250,000 x 0.000003 = 0.75
    assertThat(costNanos(price, Usage.tokens(250_000, 0))).hasValue(750_000_000L);
  }

  @Test
  void costNanos_above200kWithOnly128kRates_uses128kRates() {
    // 300,000 x 0.0000025 = 0.75
    assertThat(costNanos(TIERED_128K, Usage.tokens(300_000, 0))).hasValue(750_000_000L);
  }

  @Test
  void costNanos_pricedOnlyPerImage_billsImagesNotTokens() {
    Price imageOnly = priced(OUTPUT_IMAGE, "0.04");

    assertThat(costNanos(imageOnly, usage().input(10).images(1).build())).hasValue(40_000_000L);
  }

  @Test
  void costNanos_pricedByAnotherUnitAndNoneMeasured_isEmpty() {
    // Tokens were used, but nothing the price counts was measured: never billed as 0.
    Price imageOnly = priced(OUTPUT_IMAGE, "0.04");

    assertThat(costNanos(imageOnly, usage().input(10).build())).isEmpty();
    assertThat(costNanos(priced(INPUT_SECOND, "0.01"), Usage.tokens(5, 5))).isEmpty();
  }

  @Test
  void costNanos_perCharacter_billsPromptAndCompletionCharacters() {
    // 1,000 x 0.0000003125 + 250 x 0.000000375 = 0.0003125 + 0.00009375 = 0.00040625
    Price price = priced(INPUT_CHARACTER, "0.0000003125", OUTPUT_CHARACTER, "0.000000375");

    assertThat(costNanos(price, usage().input(300).output(70).characters(1_000, 250).build()))
        .hasValue(406_250L);
  }

  @Test
  void costNanos_perQuery_billsQueriesAndNoTokens() {
    // cohere rerank style: 1 x 0.002 (the token rates of 0 do not make it token-priced)
    Price price = priced(INPUT, "0", OUTPUT, "0", PER_QUERY, "0.002");

    assertThat(costNanos(price, usage().input(5_000).queries(1).build())).hasValue(2_000_000L);
  }

  @Test
  void costNanos_tokenRateAboveZero_billsTokensNotSeconds() {
    // As LiteLLM: a positive token rate wins; the duration is not billed on top.
    Price price = priced(INPUT, "1e-6", OUTPUT, "2e-6", INPUT_SECOND, "0.01");

    assertThat(costNanos(price, Usage.tokens(100, 10))).hasValue(120_000L);
  }

  @Test
  void costNanos_outputTokensWithoutOutputRate_isEmpty() {
    assertThat(costNanos(priced(INPUT, "1e-6"), Usage.tokens(10, 10))).isEmpty();
  }

  @Test
  void costNanos_imagesWithoutImageRate_isEmpty() {
    assertThat(costNanos(priced(INPUT, "1e-6", OUTPUT, "1e-6"), usage().images(1).build()))
        .isEmpty();
  }

  @Test
  void costNanos_durationWithoutPerSecondRate_isEmpty() {
    assertThat(costNanos(priced(INPUT, "1e-6", OUTPUT, "1e-6"), usage().millis(1).build()))
        .isEmpty();
  }

  @Test
  void costNanos_unusedUnitWithoutRate_stillPriced() {
    // Only input used, and input is priced: 10 x 0.000001 = 0.00001
    assertThat(costNanos(priced(INPUT, "1e-6"), Usage.tokens(10, 0))).hasValue(10_000L);
  }

  @Test
  void costNanos_moreReasoningThanOutput_throws() {
    Price price = priced(OUTPUT, "1e-5", REASONING, "2e-5");

    assertThatThrownBy(() -> costNanos(price, usage().output(10).reasoning(11).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nanosToUsd_isExact() {
    assertThat(CostCalculator.nanosToUsd(54_399_000L)).isEqualByComparingTo("0.054399");
    assertThat(CostCalculator.nanosToUsd(1L)).isEqualTo(new BigDecimal("0.000000001"));
  }

  @Test
  void formatUsd_plainStringWithoutTrailingZeros() {
    assertThat(CostCalculator.formatUsd(54_399_000L)).isEqualTo("0.054399");
    assertThat(CostCalculator.formatUsd(0L)).isEqualTo("0");
    assertThat(CostCalculator.formatUsd(1L)).isEqualTo("0.000000001");
    assertThat(CostCalculator.formatUsd(12_000_000_000L)).isEqualTo("12");
    assertThat(CostCalculator.formatUsd(-5L)).isEqualTo("-0.000000005");
    assertThat(CostCalculator.formatUsd(10_000_000_000L)).isEqualTo("10");
    assertThat(CostCalculator.formatUsd(1_500_000_000L)).isEqualTo("1.5");
    assertThat(CostCalculator.formatUsd(Long.MAX_VALUE)).isEqualTo("9223372036.854775807");
  }

  @net.jqwik.api.Property
  void formatUsd_isTheExactDecimalWithoutTrailingZeros(
      @net.jqwik.api.ForAll @net.jqwik.api.constraints.LongRange(min = 0) long nanos) {
    assertThat(CostCalculator.formatUsd(nanos))
        .isEqualTo(CostCalculator.nanosToUsd(nanos).stripTrailingZeros().toPlainString());
  }
}
