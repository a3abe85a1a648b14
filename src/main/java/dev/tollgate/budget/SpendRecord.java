package dev.tollgate.budget;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one LLM request cost: exactly one record per request, however it ended. Immutable.
 *
 * @param requestId unique per request; writes are idempotent on it
 * @param startedAtMillis when the request arrived, epoch milliseconds
 * @param keyHash SHA-256 hex of the caller's key
 * @param customerId the end user ({@code user} field or {@code x-litellm-end-user-id})
 * @param modelGroup the group the client asked for (after alias resolution)
 * @param deploymentId the deployment that served it; empty when none was chosen
 * @param providerModel what was sent upstream as the model, such as {@code openai/gpt-4o-mini}
 * @param priceState {@code priced}, {@code free} or {@code unknown}
 * @param priceSource {@code custom}, {@code catalog} or {@code none}
 * @param costNanos the cost in nano-USD, exact from the provider's usage or from estimated usage
 *     (see {@code usageSource}); empty only when the price is unknown, never a stand-in zero
 * @param usageSource where the token counts came from: the provider, an estimate, or none used
 * @param status the HTTP status returned to the client
 * @param errorType the OpenAI error type when the request failed
 */
public record SpendRecord(
    String requestId,
    long startedAtMillis,
    String keyHash,
    Optional<String> userId,
    Optional<String> teamId,
    Optional<String> organizationId,
    Optional<String> customerId,
    List<String> tags,
    String modelGroup,
    Optional<String> deploymentId,
    Optional<String> providerModel,
    String priceState,
    String priceSource,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheCreationTokens,
    long reasoningTokens,
    OptionalLong costNanos,
    UsageSource usageSource,
    int status,
    Optional<String> errorType,
    long latencyMillis,
    boolean stream) {

  /**
   * The key hash of the gateway's own health checks, the name LiteLLM gives their service account:
   * their spend is logged under it and charged to no budget.
   */
  public static final String HEALTH_CHECK_KEY_HASH = "litellm-internal-health-check";

  public SpendRecord {
    tags = List.copyOf(tags);
  }

  /** Whether the gateway made this request itself (a health check) rather than a caller. */
  public boolean system() {
    return keyHash.equals(HEALTH_CHECK_KEY_HASH);
  }

  /** Whether the provider reported this request's usage. */
  public boolean usageReported() {
    return usageSource == UsageSource.PROVIDER;
  }

  /**
   * Whether the price was unknown, so this spend is not costed and must be fixed by an operator.
   */
  public boolean unpriced() {
    return priceState.equals("unknown");
  }
}
