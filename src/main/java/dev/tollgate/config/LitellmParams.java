package dev.tollgate.config;

import dev.tollgate.pricing.RateKey;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A deployment's {@code litellm_params}, validated and typed.
 *
 * @param model the value as written, such as {@code openai/gpt-4o-mini}
 * @param provider the part before the first slash ({@code openai} when there is none)
 * @param providerModel the part after it: what is sent upstream as {@code model}
 * @param budget {@code max_budget} and {@code budget_duration}: once the deployment has spent it,
 *     the router passes it over
 * @param customRates the cost keys given explicitly for this deployment, exactly as written; an
 *     absent key is absent, never zero
 * @param extra every other recognised key, for the provider adapters
 */
public record LitellmParams(
    String model,
    String provider,
    String providerModel,
    Optional<String> apiBase,
    Optional<String> apiKey,
    Optional<String> apiVersion,
    OptionalLong timeoutMillis,
    OptionalLong streamTimeoutMillis,
    OptionalInt maxRetries,
    OptionalLong rpm,
    OptionalLong tpm,
    Optional<SpendCap> budget,
    int weight,
    Map<RateKey, BigDecimal> customRates,
    Map<String, Object> extra) {

  public LitellmParams {
    customRates = Map.copyOf(customRates);
    extra = Map.copyOf(extra);
  }

  /** These params for another model: {@code model} as written, its provider and provider model. */
  public LitellmParams withModel(String model, String provider, String providerModel) {
    return with(model, provider, providerModel, extra);
  }

  /** As {@link #withModel}, with {@code extra} as the other recognised keys. */
  public LitellmParams with(
      String model, String provider, String providerModel, Map<String, Object> extra) {
    return new LitellmParams(
        model,
        provider,
        providerModel,
        apiBase,
        apiKey,
        apiVersion,
        timeoutMillis,
        streamTimeoutMillis,
        maxRetries,
        rpm,
        tpm,
        budget,
        weight,
        customRates,
        extra);
  }
}
