package dev.tollgate.pricing;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.WithNull;
import org.jspecify.annotations.Nullable;

class PriceResolverProperties {

  private static final Catalog CATALOG =
      Catalog.fromLiteLlmCostMap(
          """
          {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06,
                      "output_cost_per_token": 1e-05},
           "free-model": {"litellm_provider": "ollama", "input_cost_per_token": 0,
                          "output_cost_per_token": 0},
           "sparse": {"litellm_provider": "openai"}}
          """);

  private final PriceResolver resolver = new PriceResolver(CATALOG);

  /** The outcome of a resolve: a price, or the message of the exception it threw. */
  private record Outcome(Price price, String error) {}

  private Outcome outcome(
      String model, @Nullable String baseModel, Map<RateKey, BigDecimal> custom) {
    Throwable thrown = catchThrowable(() -> resolver.resolve(model, baseModel, custom));
    if (thrown != null) {
      assertThat(thrown).isInstanceOf(PricingException.class);
      return new Outcome(Price.UNKNOWN, String.valueOf(thrown.getMessage()));
    }
    return new Outcome(resolver.resolve(model, baseModel, custom), "");
  }

  @Property
  void resolve_free_onlyWhenEveryCustomRateIsZeroWithInputAndOutput(
      @ForAll("models") String model,
      @ForAll("models") @WithNull(0.3) @Nullable String baseModel,
      @ForAll("customRates") Map<RateKey, BigDecimal> custom) {
    Outcome outcome = outcome(model, baseModel, custom);

    if (outcome.price() instanceof Price.Free) {
      assertThat(custom).containsKeys(RateKey.INPUT, RateKey.OUTPUT);
      assertThat(custom.values()).allMatch(rate -> rate.signum() == 0);
    }
  }

  @Property
  void resolve_neverMutatesInputs(
      @ForAll("models") String model,
      @ForAll("models") @WithNull(0.3) @Nullable String baseModel,
      @ForAll("customRates") Map<RateKey, BigDecimal> custom) {
    Map<RateKey, BigDecimal> before = new EnumMap<>(RateKey.class);
    before.putAll(custom);
    int catalogSize = CATALOG.size();
    var gpt4o = CATALOG.lookup("openai/gpt-4o", null);

    outcome(model, baseModel, custom);

    assertThat(custom).isEqualTo(before);
    custom.forEach(
        (key, rate) -> assertThat(rate.scale()).isEqualTo(requireNonNull(before.get(key)).scale()));
    assertThat(CATALOG.size()).isEqualTo(catalogSize);
    assertThat(CATALOG.lookup("openai/gpt-4o", null)).isEqualTo(gpt4o);
  }

  @Property
  void resolve_twice_equalResults(
      @ForAll("models") String model,
      @ForAll("models") @WithNull(0.3) @Nullable String baseModel,
      @ForAll("customRates") Map<RateKey, BigDecimal> custom) {
    assertThat(outcome(model, baseModel, custom)).isEqualTo(outcome(model, baseModel, custom));
  }

  @Property
  void resolve_customRatesGiven_everyOneAppearsInTheResult(
      @ForAll("models") String model,
      @ForAll("models") @WithNull(0.3) @Nullable String baseModel,
      @ForAll("customRates") Map<RateKey, BigDecimal> custom) {
    Outcome outcome = outcome(model, baseModel, custom);

    if (outcome.price() instanceof Price.Priced priced && !custom.isEmpty()) {
      assertThat(priced.source()).isEqualTo(PriceSource.CUSTOM);
      custom.forEach(
          (key, rate) ->
              assertThat(priced.rates().get(key))
                  .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo(rate)));
    }
  }

  @Property
  void resolve_noCustomRates_neverFree(
      @ForAll("models") String model, @ForAll("models") @WithNull(0.3) @Nullable String baseModel) {
    assertThat(resolver.resolve(model, baseModel, Map.of())).isNotInstanceOf(Price.Free.class);
  }

  @Provide
  Arbitrary<String> models() {
    return Arbitraries.of(
        "openai/gpt-4o",
        "gpt-4o",
        "openai/gpt-4o-2099-01-01",
        "ollama/free-model",
        "openai/sparse",
        "openai/unheard-of",
        "azure/my-deployment");
  }

  @Provide
  Arbitrary<Map<RateKey, BigDecimal>> customRates() {
    Arbitrary<BigDecimal> rate =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.of(BigDecimal.ZERO, new BigDecimal("0.000"))),
            Tuple.of(
                2,
                Arbitraries.bigDecimals()
                    .between(BigDecimal.ZERO, new BigDecimal("0.01"))
                    .ofScale(12)));
    return Arbitraries.maps(Arbitraries.of(RateKey.class), rate)
        .ofMaxSize(6)
        .map(
            m -> {
              Map<RateKey, BigDecimal> out = new EnumMap<>(RateKey.class);
              out.putAll(m);
              return out;
            });
  }
}
