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
 * @param numRetries {@code num_retries}: how many times a failed request is retried
 * @param retryAfterMillis {@code retry_after} (seconds in the file): the least wait before a retry
 * @param retryPolicy {@code retry_policy}: retries per error class, by LiteLLM's names ({@code
 *     RateLimitErrorRetries}, ...), overriding {@code num_retries}
 */
public record RouterSettings(
    String routingStrategy,
    int numRetries,
    OptionalLong timeoutMillis,
    Map<String, String> modelGroupAlias,
    Optional<String> redisHost,
    OptionalInt redisPort,
    Optional<String> redisPassword,
    Map<String, SpendCap> providerBudgets,
    long retryAfterMillis,
    Map<String, Integer> retryPolicy) {

  public RouterSettings {
    modelGroupAlias = Map.copyOf(modelGroupAlias);
    providerBudgets = Map.copyOf(providerBudgets);
    retryPolicy = Map.copyOf(retryPolicy);
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
        Map.of(),
        0,
        Map.of());
  }
}
