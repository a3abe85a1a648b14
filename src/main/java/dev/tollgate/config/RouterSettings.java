package dev.tollgate.config;

import java.math.BigDecimal;
import java.util.List;
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
 * @param fallbacks {@code fallbacks}: model group to the groups tried, in order, once its own
 *     retries are spent; the key {@code *} stands for every group without its own entry
 * @param defaultFallbacks {@code default_fallbacks}: for a group with no entry in {@code fallbacks}
 * @param contextWindowFallbacks {@code context_window_fallbacks}: taken instead on an error that
 *     says the request is longer than the model's context
 * @param contentPolicyFallbacks {@code content_policy_fallbacks}: taken instead on a content-filter
 *     error
 * @param maxFallbacks {@code max_fallbacks}: the most fallback groups one request tries (5)
 * @param allowedFails {@code allowed_fails}: failures a deployment may have within a minute before
 *     it is cooled down (3)
 * @param cooldownMillis {@code cooldown_time} (seconds in the file): how long a cooled-down
 *     deployment is passed over (5 s)
 * @param allowedFailsPolicy {@code allowed_fails_policy}: allowed failures per error class, by
 *     LiteLLM's names ({@code RateLimitErrorAllowedFails}, ...), overriding {@code allowed_fails}
 * @param disableCooldowns {@code disable_cooldowns}: never cool a deployment down
 * @param lowestLatencyBuffer {@code routing_strategy_args.lowest_latency_buffer}: in {@code
 *     latency-based-routing}, deployments within this fraction of the fastest are chosen among at
 *     random (0: the fastest only)
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
    Map<String, Integer> retryPolicy,
    Map<String, List<String>> fallbacks,
    List<String> defaultFallbacks,
    Map<String, List<String>> contextWindowFallbacks,
    Map<String, List<String>> contentPolicyFallbacks,
    int maxFallbacks,
    int allowedFails,
    long cooldownMillis,
    Map<String, Integer> allowedFailsPolicy,
    boolean disableCooldowns,
    BigDecimal lowestLatencyBuffer) {

  /** The routing strategies, by LiteLLM's names. */
  public static final List<String> STRATEGIES =
      List.of(
          "simple-shuffle",
          "least-busy",
          "latency-based-routing",
          "usage-based-routing-v2",
          "cost-based-routing");

  /** LiteLLM's {@code max_fallbacks}. */
  public static final int DEFAULT_MAX_FALLBACKS = 5;

  /** LiteLLM's {@code allowed_fails}. */
  public static final int DEFAULT_ALLOWED_FAILS = 3;

  /** LiteLLM's {@code cooldown_time}: 5 s. */
  public static final long DEFAULT_COOLDOWN_MILLIS = 5_000;

  public RouterSettings {
    modelGroupAlias = Map.copyOf(modelGroupAlias);
    providerBudgets = Map.copyOf(providerBudgets);
    retryPolicy = Map.copyOf(retryPolicy);
    fallbacks = copy(fallbacks);
    defaultFallbacks = List.copyOf(defaultFallbacks);
    contextWindowFallbacks = copy(contextWindowFallbacks);
    contentPolicyFallbacks = copy(contentPolicyFallbacks);
    allowedFailsPolicy = Map.copyOf(allowedFailsPolicy);
    if (maxFallbacks < 0 || allowedFails < 0 || cooldownMillis < 0) {
      throw new IllegalArgumentException("max_fallbacks, allowed_fails, cooldown_time >= 0");
    }
  }

  private static Map<String, List<String>> copy(Map<String, List<String>> m) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return java.util.Collections.unmodifiableMap(out);
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
        Map.of(),
        Map.of(),
        List.of(),
        Map.of(),
        Map.of(),
        DEFAULT_MAX_FALLBACKS,
        DEFAULT_ALLOWED_FAILS,
        DEFAULT_COOLDOWN_MILLIS,
        Map.of(),
        false,
        BigDecimal.ZERO);
  }
}
