package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per documented lookup rule (docs/pricing.md), on a small cost map whose prices differ
 * per entry so that a wrong match shows.
 */
class CatalogLookupTest {

  private static final Catalog CATALOG =
      Catalog.fromLiteLlmCostMap(
          """
          {
            "gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06},
            "gpt-4o-2024-05-13": {"litellm_provider": "openai", "input_cost_per_token": 5e-06},
            "gpt-4o-mini": {"litellm_provider": "openai", "input_cost_per_token": 1.5e-07},
            "gpt-4o-mini-2024-07-18": {"litellm_provider": "openai", "input_cost_per_token": 1.6e-07},
            "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.75e-06},
            "azure_ai/mistral-large": {"litellm_provider": "azure_ai", "input_cost_per_token": 2e-06},
            "gpt-3.5-turbo-instruct": {
              "litellm_provider": "text-completion-openai", "input_cost_per_token": 1.5e-06
            },
            "command-r": {"litellm_provider": "cohere_chat", "input_cost_per_token": 1.5e-07},
            "claude-3-5-sonnet-20240620": {"litellm_provider": "anthropic", "input_cost_per_token": 3e-06},
            "vertex_ai/claude-3-5-sonnet": {
              "litellm_provider": "vertex_ai-anthropic_models", "input_cost_per_token": 3.1e-06
            },
            "gemini/gemini-2.5-pro": {"litellm_provider": "gemini", "input_cost_per_token": 1.25e-06},
            "anthropic.claude-3-5-sonnet-20240620-v1:0": {
              "litellm_provider": "bedrock", "input_cost_per_token": 3.2e-06
            },
            "eu.anthropic.claude-3-5-sonnet-20240620-v1:0": {
              "litellm_provider": "bedrock", "input_cost_per_token": 3.3e-06
            },
            "priced-model": {"litellm_provider": "openai", "input_cost_per_token": 1e-06},
            "priced-model-2025-01-01": {"litellm_provider": "openai", "max_input_tokens": 1000}
          }
          """);

  private static Optional<String> keyOf(String model) {
    return keyOf(model, null);
  }

  private static Optional<String> keyOf(String model, @Nullable String baseModel) {
    return CATALOG.lookup(model, baseModel).map(CatalogEntry::key);
  }

  @Test
  void lookup_exactKey_returnsThatEntry() {
    assertThat(keyOf("openai/gpt-4o")).hasValue("openai/gpt-4o");
    assertThat(keyOf("azure/gpt-4o")).hasValue("azure/gpt-4o");
  }

  @Test
  void lookup_bareName_resolvesToItsLiteLlmProvider() {
    assertThat(keyOf("gpt-4o-mini")).hasValue("openai/gpt-4o-mini");
    assertThat(keyOf("claude-3-5-sonnet-20240620"))
        .hasValue("anthropic/claude-3-5-sonnet-20240620");
  }

  @Test
  void lookup_prefixedBaseModel_triedFirst() {
    assertThat(keyOf("azure/my-deployment", "azure/gpt-4o")).hasValue("azure/gpt-4o");
    // Even when the model itself would match, base_model decides.
    assertThat(keyOf("openai/gpt-4o", "openai/gpt-4o-mini")).hasValue("openai/gpt-4o-mini");
  }

  @Test
  void lookup_bareBaseModel_triedUnderTheDeploymentsProviderFirst() {
    // azure/gpt-4o exists, so an Azure deployment with base_model gpt-4o gets Azure's price.
    assertThat(keyOf("azure/my-deployment", "gpt-4o")).hasValue("azure/gpt-4o");
  }

  @Test
  void lookup_bareBaseModelAbsentUnderProvider_usesBareName() {
    // No azure/gpt-4o-mini: the bare name means what LiteLLM's bare key means (OpenAI's model).
    assertThat(keyOf("azure/my-deployment", "gpt-4o-mini")).hasValue("openai/gpt-4o-mini");
  }

  @Test
  void lookup_unknownBaseModel_fallsBackToProviderModel() {
    assertThat(keyOf("openai/gpt-4o", "no-such-model")).hasValue("openai/gpt-4o");
    assertThat(keyOf("azure/my-deployment", "no-such-model")).isEmpty();
  }

  @Test
  void lookup_blankBaseModel_ignored() {
    assertThat(keyOf("openai/gpt-4o", "  ")).hasValue("openai/gpt-4o");
  }

  @Test
  void lookup_textCompletionOpenAi_pricedAsOpenAi() {
    assertThat(keyOf("text-completion-openai/gpt-3.5-turbo-instruct"))
        .hasValue("openai/gpt-3.5-turbo-instruct");
  }

  @Test
  void lookup_cohereChatAndBedrockConverse_pricedAsTheirProvider() {
    assertThat(keyOf("cohere_chat/command-r")).hasValue("cohere/command-r");
    assertThat(keyOf("bedrock_converse/anthropic.claude-3-5-sonnet-20240620-v1:0"))
        .hasValue("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0");
  }

  @Test
  void lookup_azureAi_ownEntryFirstThenAzure() {
    assertThat(keyOf("azure_ai/mistral-large")).hasValue("azure_ai/mistral-large");
    assertThat(keyOf("azure_ai/gpt-4o")).hasValue("azure/gpt-4o");
  }

  @Test
  void lookup_vertexAndGemini_neverStandInForEachOther() {
    assertThat(keyOf("vertex_ai/gemini-2.5-pro")).isEmpty();
    assertThat(keyOf("gemini/claude-3-5-sonnet")).isEmpty();
  }

  @Test
  void lookup_providerPrefixNeverDroppedForAnotherProvidersPrice() {
    // openai/gpt-4o exists, but an Anthropic or Azure deployment is not OpenAI.
    assertThat(keyOf("anthropic/gpt-4o")).isEmpty();
    assertThat(keyOf("azure/gpt-4o-mini")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/apac.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/global.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/converse/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/converse/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/invoke/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/us-west-2/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/converse/us-east-1/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock_converse/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
      })
  void lookup_bedrockRegionAndRoutePrefixes_strippedToBaseId(String model) {
    assertThat(keyOf(model)).hasValue("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0");
  }

  @Test
  void lookup_bedrockCrossRegionProfileWithOwnEntry_usesOwnEntry() {
    assertThat(keyOf("bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1:0"))
        .hasValue("bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1:0");
    assertThat(keyOf("bedrock/converse/eu.anthropic.claude-3-5-sonnet-20240620-v1:0"))
        .hasValue("bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1:0");
  }

  @Test
  void lookup_bareBedrockIdUnderBedrockDeployment_usesContext() {
    assertThat(keyOf("bedrock/my-profile", "us.anthropic.claude-3-5-sonnet-20240620-v1:0"))
        .hasValue("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0");
  }

  @Test
  void lookup_datedKeyPresent_usesDatedEntry() {
    assertThat(keyOf("openai/gpt-4o-mini-2024-07-18")).hasValue("openai/gpt-4o-mini-2024-07-18");
    // gpt-4o-2024-05-13 costs twice gpt-4o: the dated entry must win.
    assertThat(keyOf("openai/gpt-4o-2024-05-13")).hasValue("openai/gpt-4o-2024-05-13");
  }

  @Test
  void lookup_datedKeyAbsent_fallsBackToUndated() {
    assertThat(keyOf("openai/gpt-4o-mini-2099-01-31")).hasValue("openai/gpt-4o-mini");
    assertThat(keyOf("gpt-4o-mini-20990131")).hasValue("openai/gpt-4o-mini");
    assertThat(keyOf("azure/my-deployment", "gpt-4o-2099-01-31")).hasValue("azure/gpt-4o");
  }

  @Test
  void lookup_datedKeyPresentWithoutRates_doesNotFallBack() {
    Optional<CatalogEntry> entry = CATALOG.lookup("openai/priced-model-2025-01-01", null);

    assertThat(entry).map(CatalogEntry::key).hasValue("openai/priced-model-2025-01-01");
    assertThat(entry.orElseThrow().rates().isEmpty()).isTrue();
  }

  @Test
  void lookup_vertexAtVersion_fallsBackToUnversioned() {
    assertThat(keyOf("vertex_ai/claude-3-5-sonnet@20240620"))
        .hasValue("vertex_ai/claude-3-5-sonnet");
    assertThat(keyOf("vertex_ai/claude-3-5-sonnet@latest")).hasValue("vertex_ai/claude-3-5-sonnet");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "openai/gpt-4",
        "openai/gpt-4o-mini-high",
        "openai/gpt-4o-mini-2024",
        "openai/gpt-4o-mini-2024-07",
        "openai/GPT-4O",
        "gpt-4o-m",
        "mistral/gpt-4o",
        "openai/gpt-4o/extra",
        "vertex_ai/claude-3-5-sonnet-v2@20241022",
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v2:0",
        "bedrock/us-east-1/1-month-commitment/anthropic.claude-3-5-sonnet-20240620-v1:0",
        ""
      })
  void lookup_noDocumentedRuleMatches_isEmpty(String model) {
    assertThat(keyOf(model)).isEmpty();
  }

  @Test
  void lookup_emptyCatalog_isEmpty() {
    assertThat(Catalog.empty().lookup("openai/gpt-4o", "gpt-4o")).isEmpty();
    assertThat(Catalog.empty().size()).isZero();
  }
}
