package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.DeploymentConfig;
import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.pricing.Catalog;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.RateKey;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The five named registration cases, and the LiteLLM bug: a model registered again (router rebuild,
 * config sync, /model/update) must keep exactly the price it had.
 */
class ModelRegistrarTest {
  /** A small catalog with one known model; "acme/secret-model" is in no catalog. */
  static final Catalog CATALOG =
      Catalog.fromLiteLlmCostMap(
          """
          {"gpt-4o-mini": {"litellm_provider": "openai", "input_cost_per_token": 1.5e-7,
                           "output_cost_per_token": 6e-7, "max_output_tokens": 16384},
           "sparse-model": {"litellm_provider": "openai", "max_tokens": 8192}}
          """);

  static List<DeploymentConfig> deployments(String yaml) {
    GatewayConfig c = ConfigLoader.parse("test.yaml", yaml, Environment.of(Map.of()));
    return c.modelList();
  }

  static Price priceOf(ModelRegistry r, String id) {
    return r.deployment(id).orElseThrow().price();
  }

  static final String MODELS =
      """
      model_list:
        - model_name: unknown
          litellm_params: {model: openai/acme-secret-model}
          model_info: {id: unknown-1}
        - model_name: catalog
          litellm_params: {model: openai/gpt-4o-mini}
          model_info: {id: catalog-1}
        - model_name: sparse
          litellm_params: {model: openai/sparse-model}
          model_info: {id: sparse-1}
        - model_name: free
          litellm_params: {model: hosted_vllm/llama, api_base: "http://localhost:8000/v1",
                           input_cost_per_token: 0, output_cost_per_token: 0}
          model_info: {id: free-1}
        - model_name: custom
          litellm_params: {model: openai/gpt-4o-mini, input_cost_per_token: 0.000001,
                           output_cost_per_token: 0.000002}
          model_info: {id: custom-1}
      """;

  @Test
  void register_firstRegistration_givesEachStateCorrectly() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    ModelRegistry reg = r.registry();

    assertThat(priceOf(reg, "unknown-1")).isEqualTo(Price.UNKNOWN);
    assertThat(priceOf(reg, "catalog-1"))
        .isInstanceOfSatisfying(
            Price.Priced.class,
            p -> {
              assertThat(p.source()).isEqualTo(PriceSource.CATALOG);
              assertThat(p.rates().get(RateKey.INPUT))
                  .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("1.5e-7"));
            });
    assertThat(priceOf(reg, "free-1")).isEqualTo(Price.FREE);
    assertThat(priceOf(reg, "custom-1"))
        .isInstanceOfSatisfying(
            Price.Priced.class,
            p -> {
              assertThat(p.source()).isEqualTo(PriceSource.CUSTOM);
              assertThat(p.rates().get(RateKey.OUTPUT))
                  .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("0.000002"));
            });
  }

  @Test
  void rebuild_twice_keepsUnknownOrCatalogPriceAndNeverBecomesFree() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    ModelRegistry first = r.registry();
    r.rebuild();
    ModelRegistry second = r.rebuild();

    assertThat(priceOf(second, "unknown-1")).isEqualTo(Price.UNKNOWN).isNotEqualTo(Price.FREE);
    assertThat(priceOf(second, "catalog-1")).isEqualTo(priceOf(first, "catalog-1"));
    assertThat(second).isEqualTo(first);
  }

  @Test
  void rebuild_entryWithOnlyAnId_staysSparse() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    for (int i = 0; i < 3; i++) {
      r.rebuild();
    }
    Deployment d = r.registry().deployment("sparse-1").orElseThrow();
    // The catalog lists the model without any price: it stays unknown, with no rates invented.
    assertThat(d.price()).isEqualTo(Price.UNKNOWN);
    assertThat(d.params().customRates()).isEmpty();
    assertThat(CATALOG.lookup("openai/sparse-model", null))
        .hasValueSatisfying(e -> assertThat(e.rates().isEmpty()).isTrue());
  }

  @Test
  void rebuild_explicitZeros_stayFree() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    for (int i = 0; i < 3; i++) {
      r.rebuild();
    }
    assertThat(priceOf(r.registry(), "free-1")).isEqualTo(Price.FREE);
  }

  @Test
  void rebuild_customPricedEntry_keepsItsRates_andDoesNotTouchTheSameBackendModel() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    Price before = priceOf(r.registry(), "custom-1");
    for (int i = 0; i < 3; i++) {
      r.rebuild();
    }
    assertThat(priceOf(r.registry(), "custom-1")).isEqualTo(before);
    // custom-1 and catalog-1 share openai/gpt-4o-mini; the custom price stays with custom-1.
    assertThat(priceOf(r.registry(), "catalog-1"))
        .isInstanceOfSatisfying(
            Price.Priced.class, p -> assertThat(p.source()).isEqualTo(PriceSource.CATALOG));
    assertThat(CATALOG.lookup("openai/gpt-4o-mini", null).orElseThrow().rates().get(RateKey.INPUT))
        .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("1.5e-7"));
  }

  /** The LiteLLM bug, a thousand times over: re-registration through the API path. */
  @Test
  void put_sameUnknownModelAThousandTimes_staysUnknown() {
    ModelRegistrar r = new ModelRegistrar(List.of(), Map.of(), CATALOG);
    DeploymentConfig ui =
        deployments(
                "model_list: [{model_name: ui-model, litellm_params: {model: openai/acme-secret-model}, model_info: {id: ui-1}}]")
            .get(0);
    ModelRegistry once = r.put(ui);
    for (int i = 0; i < 1000; i++) {
      r.put(ui);
      r.rebuild();
    }
    assertThat(priceOf(r.registry(), "ui-1")).isEqualTo(Price.UNKNOWN);
    assertThat(r.registry()).isEqualTo(once);
    assertThat(r.catalog()).isSameAs(CATALOG);
  }

  @Test
  void put_partialCustomPricingWithoutCatalogEntry_isRejectedAndChangesNothing() {
    ModelRegistrar r = new ModelRegistrar(deployments(MODELS), Map.of(), CATALOG);
    ModelRegistry before = r.registry();
    DeploymentConfig partial =
        deployments(
                "model_list: [{model_name: p, litellm_params: {model: openai/acme-secret-model, input_cost_per_token: 0.000001}, model_info: {id: p-1}}]")
            .get(0);
    assertThatThrownBy(() -> r.put(partial))
        .isInstanceOf(ModelRegistrar.RegistrationException.class)
        .hasMessageContaining("p-1")
        .hasMessageContaining("output_cost_per_token");
    assertThat(r.registry()).isSameAs(before);
  }

  @Test
  void put_partialCustomPricingWithCatalogEntry_isCompletedFromTheCatalog() {
    ModelRegistrar r = new ModelRegistrar(List.of(), Map.of(), CATALOG);
    DeploymentConfig partial =
        deployments(
                "model_list: [{model_name: p, litellm_params: {model: openai/gpt-4o-mini, input_cost_per_token: 0.000001}, model_info: {id: p-1}}]")
            .get(0);
    r.put(partial);
    assertThat(priceOf(r.registry(), "p-1"))
        .isInstanceOfSatisfying(
            Price.Priced.class,
            p -> {
              assertThat(p.source()).isEqualTo(PriceSource.CUSTOM);
              assertThat(p.rates().get(RateKey.INPUT)).hasValue(new BigDecimal("0.000001"));
              assertThat(p.rates().get(RateKey.OUTPUT))
                  .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("6e-7"));
            });
  }

  @Test
  void aliases_resolveToTheirGroup() {
    ModelRegistrar r =
        new ModelRegistrar(deployments(MODELS), Map.of("gpt-mini", "catalog"), CATALOG);
    assertThat(r.registry().resolve("gpt-mini"))
        .hasValueSatisfying(g -> assertThat(g.name()).isEqualTo("catalog"));
    assertThat(r.registry().resolve("nope")).isEmpty();
  }

  /** Bedrock's base id and its dearer us-east-1 entry, as LiteLLM's cost map lists them. */
  static final Catalog BEDROCK =
      Catalog.fromLiteLlmCostMap(
          """
          {"mistral.mistral-large-2402-v1:0": {"litellm_provider": "bedrock",
              "input_cost_per_token": 4e-6, "output_cost_per_token": 1.2e-5},
           "bedrock/us-east-1/mistral.mistral-large-2402-v1:0": {"litellm_provider": "bedrock",
              "input_cost_per_token": 8e-6, "output_cost_per_token": 2.4e-5}}
          """);

  @Test
  void register_bedrockWithRegionParam_takesTheRegionalEntry_elseTheBaseId() {
    ModelRegistry reg =
        new ModelRegistrar(
                deployments(
                    """
                    model_list:
                      - model_name: east
                        litellm_params: {model: bedrock/converse/mistral.mistral-large-2402-v1:0,
                                         aws_region_name: us-east-1, api_key: k}
                        model_info: {id: east}
                      - model_name: west
                        litellm_params: {model: bedrock/mistral.mistral-large-2402-v1:0,
                                         aws_region_name: eu-west-3, api_key: k}
                        model_info: {id: west}
                      - model_name: in-path
                        litellm_params: {model: bedrock/us-east-1/mistral.mistral-large-2402-v1:0,
                                         aws_region_name: eu-west-3, api_key: k}
                        model_info: {id: in-path}
                      - model_name: none
                        litellm_params: {model: bedrock/mistral.mistral-large-2402-v1:0, api_key: k}
                        model_info: {id: none}
                    """),
                Map.of(),
                BEDROCK)
            .registry();

    assertThat(inputRate(reg, "east")).isEqualByComparingTo("8e-6");
    assertThat(inputRate(reg, "west")).isEqualByComparingTo("4e-6");
    // A region written in the model wins over aws_region_name, as it is what LiteLLM prices.
    assertThat(inputRate(reg, "in-path")).isEqualByComparingTo("8e-6");
    assertThat(inputRate(reg, "none")).isEqualByComparingTo("4e-6");
  }

  static BigDecimal inputRate(ModelRegistry reg, String id) {
    Price p = priceOf(reg, id);
    assertThat(p).as(id).isInstanceOf(Price.Priced.class);
    return ((Price.Priced) p).rates().get(RateKey.INPUT).orElseThrow();
  }
}
