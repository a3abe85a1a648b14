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
 * @param costNanos the exact cost in nano-USD; empty when it cannot be known (unknown price, or a
 *     response whose usage was never reported), never a stand-in zero
 * @param usageReported whether the provider reported usage for this request
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
    boolean usageReported,
    int status,
    Optional<String> errorType,
    long latencyMillis,
    boolean stream) {

  public SpendRecord {
    tags = List.copyOf(tags);
  }

  /**
   * Whether the price was unknown, so this spend is not costed and must be fixed by an operator.
   */
  public boolean unpriced() {
    return priceState.equals("unknown");
  }
}
