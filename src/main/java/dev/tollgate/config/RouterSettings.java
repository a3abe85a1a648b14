package dev.tollgate.config;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * {@code router_settings}.
 *
 * @param modelGroupAlias alias name to the model group it stands for
 * @param providerBudgets {@code provider_budget_config}: each provider's budget, by provider name
 *     as in {@code litellm_params.model} ({@code openai}, {@code anthropic}, ...)
 */
public record RouterSettings(
    String routingStrategy,
    int numRetries,
    OptionalLong timeoutMillis,
    Map<String, String> modelGroupAlias,
    Optional<String> redisHost,
    OptionalInt redisPort,
    Optional<String> redisPassword,
    Map<String, SpendCap> providerBudgets) {

  public RouterSettings {
    modelGroupAlias = Map.copyOf(modelGroupAlias);
    providerBudgets = Map.copyOf(providerBudgets);
  }

  public static RouterSettings defaults() {
    return new RouterSettings(
        "simple-shuffle",
        0,
        OptionalLong.empty(),
        Map.of(),
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Map.of());
  }
}
