package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tollgate.common.GatewayException;
import io.vertx.core.VertxException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What one LLM request cost: exactly one record per request, however it ended. Immutable.
 *
 * @param requestId unique per request; writes are idempotent on it
 * @param startedAtMillis when the request arrived, epoch milliseconds
 * @param keyHash SHA-256 hex of the caller's key
 * @param customerId the end user ({@code user} field or {@code x-litellm-end-user-id})
 * @param modelGroup the group of the deployment that served or failed it: the requested one, or a
 *     fallback
 * @param deploymentId the deployment that served it; empty when none was chosen
 * @param providerModel what was sent upstream as the model, such as {@code openai/gpt-4o-mini}
 * @param priceState {@code priced}, {@code free} or {@code unknown}
 * @param priceSource {@code custom}, {@code catalog} or {@code none}
 * @param costNanos the cost in nano-USD, exact from the provider's usage or from estimated usage
 *     (see {@code usageSource}); empty only when the price is unknown, never a stand-in zero
 * @param usageSource where the token counts came from: the provider, an estimate, or none used
 * @param status the HTTP status returned to the client
 * @param errorType the OpenAI error type when the request failed
 * @param errorCode the error's code when it failed, such as {@code team_budget_exceeded} or {@code
 *     key_rpm_limit_exceeded}: which budget or limit refused it; for the metrics, not kept in the
 *     spend log
 * @param attempts the attempts the request made, in order, the last being the one that ended it
 *     (served it, or failed it), so an operator sees what failed before what served. Empty when the
 *     request made at most one attempt: the record's own {@code deploymentId} and {@code status}
 *     describe it, and the common request allocates nothing for the list. A list of one says no
 *     more than that and is kept as empty; any longer list names every attempt, including
 *     deployments that admission passed over on their own budget or rate limit
 * @param requestedModel the group the client asked for (after aliases); {@code modelGroup} differs
 *     from it when a fallback group served or failed the request
 * @param forwardedAfterNanos from the request's arrival to the forwarding of its last attempt
 *     upstream: the gateway's own time when that attempt was the first; -1 when it was not
 *     forwarded
 * @param upstreamNanos from that forwarding to the end of the request; -1 when not forwarded
 * @param firstTokenNanos from that forwarding to the stream's first byte to the client; -1 when the
 *     request did not stream or no byte went out
 * @param cacheHit present when the response cache answered the request: it cost nothing, and says
 *     what it would have cost
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
    boolean stream,
    List<Attempt> attempts,
    Optional<String> errorCode,
    String requestedModel,
    long forwardedAfterNanos,
    long upstreamNanos,
    long firstTokenNanos,
    Optional<CacheHit> cacheHit,
    Optional<Caller> caller) {

  /**
   * A request the response cache answered.
   *
   * @param savedNanos what the cached answer's usage costs at the price of the deployment the
   *     request was admitted on, priced as any answer is; empty when that price is unknown
   */
  public record CacheHit(OptionalLong savedNanos) {}

  /**
   * Who sent the request, for the metrics' {@code route}, {@code client_ip} and {@code user_agent}
   * labels; not stored.
   *
   * @param route the path the client called, such as {@code /v1/chat/completions}
   * @param clientIp the address of the connection's peer
   * @param userAgent the {@code User-Agent} header, or empty when none was sent
   */
  public record Caller(String route, String clientIp, String userAgent) {}

  /** A record of a request the response cache did not answer. */
  public SpendRecord(
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
      boolean stream,
      List<Attempt> attempts,
      Optional<String> errorCode,
      String requestedModel,
      long forwardedAfterNanos,
      long upstreamNanos,
      long firstTokenNanos) {
    this(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        attempts,
        errorCode,
        requestedModel,
        forwardedAfterNanos,
        upstreamNanos,
        firstTokenNanos,
        Optional.empty(),
        Optional.empty());
  }

  /**
   * A record without timings: read back from the store, which does not keep them, or made by code
   * that measured none; its requested model is the one that served it.
   */
  public SpendRecord(
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
      boolean stream,
      List<Attempt> attempts,
      Optional<String> errorCode) {
    this(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        attempts,
        errorCode,
        modelGroup,
        -1,
        -1,
        -1);
  }

  /**
   * A record without an error code: read back from the store, which does not keep it, or made by
   * code that has none.
   */
  public SpendRecord(
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
      boolean stream,
      List<Attempt> attempts) {
    this(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        attempts,
        Optional.empty());
  }

  /** A record of a request that made at most one attempt (no {@code attempts} to list). */
  public SpendRecord(
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
    this(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        List.of());
  }

  /**
   * The key hash of the gateway's own health checks, the name LiteLLM gives their service account:
   * their spend is logged under it and charged to no budget.
   */
  public static final String HEALTH_CHECK_KEY_HASH = "litellm-internal-health-check";

  public SpendRecord {
    tags = List.copyOf(tags);
    // List.copyOf returns List.of() itself, so the one-attempt request allocates nothing here
    attempts = attempts.size() < 2 ? List.of() : List.copyOf(attempts);
  }

  /** This record with {@code attempts} (see the record's {@code attempts} for the convention). */
  public SpendRecord withAttempts(List<Attempt> attempts) {
    return new SpendRecord(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        attempts,
        errorCode,
        requestedModel,
        forwardedAfterNanos,
        upstreamNanos,
        firstTokenNanos,
        cacheHit,
        caller);
  }

  /** This record, answered by the response cache as {@code hit} says (empty: not by it). */
  public SpendRecord withCacheHit(Optional<CacheHit> hit) {
    return new SpendRecord(
        requestId,
        startedAtMillis,
        keyHash,
        userId,
        teamId,
        organizationId,
        customerId,
        tags,
        modelGroup,
        deploymentId,
        providerModel,
        priceState,
        priceSource,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        reasoningTokens,
        costNanos,
        usageSource,
        status,
        errorType,
        latencyMillis,
        stream,
        attempts,
        errorCode,
        requestedModel,
        forwardedAfterNanos,
        upstreamNanos,
        firstTokenNanos,
        hit,
        caller);
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

  /**
   * One attempt of a request on one deployment.
   *
   * @param modelGroup the group the deployment was taken from: the requested one, or a fallback
   * @param deploymentId the deployment tried
   * @param status the HTTP status the attempt ended with: the upstream's answer, or the gateway's
   *     own error (such as 429 for the deployment's spent budget, or 504 for a timeout)
   * @param errorClass LiteLLM's exception name for the attempt's error ({@link #errorClass}); empty
   *     for an attempt that served the request, or an error LiteLLM has no name for
   */
  public record Attempt(
      String modelGroup, String deploymentId, int status, Optional<String> errorClass) {
    public Attempt {
      requireNonNull(modelGroup, "modelGroup");
      requireNonNull(deploymentId, "deploymentId");
      requireNonNull(errorClass, "errorClass");
    }

    /** The attempt on {@code deploymentId} of {@code modelGroup} that ended with {@code error}. */
    public static Attempt failed(String modelGroup, String deploymentId, GatewayException error) {
      return new Attempt(modelGroup, deploymentId, error.status(), errorClass(error));
    }

    /**
     * LiteLLM's exception name for an error ({@code litellm/exceptions.py}), from its status, type
     * and code, as LiteLLM maps provider errors: {@code BudgetExceededError} for the gateway's own
     * denial of a spent budget or a reached rate limit ({@code budget_exceeded}, or {@code
     * rate_limit_exceeded} with a limit's {@code *_exceeded} code); 400 {@code BadRequestError}, or
     * {@code ContextWindowExceededError} and {@code ContentPolicyViolationError} by code; 401
     * {@code AuthenticationError}; 403 {@code PermissionDeniedError}; 404 {@code NotFoundError};
     * 408 and 504 {@code Timeout} (also Anthropic's {@code timeout_error}); 422 {@code
     * UnprocessableEntityError}; 429 {@code RateLimitError}; other 4xx {@code BadRequestError}; 503
     * {@code ServiceUnavailableError}; a 502 caused by the connection failing (the upstream could
     * not be reached, or its connection broke) {@code APIConnectionError}; other 5xx (an upstream's
     * 5xx, which the gateway answers as 502, an answer it could not read, Anthropic's 529) {@code
     * InternalServerError}. Empty when the client closed the connection (499), which LiteLLM has no
     * name for.
     */
    public static Optional<String> errorClass(GatewayException e) {
      return Optional.ofNullable(errorClassName(e));
    }

    private static @Nullable String errorClassName(GatewayException e) {
      String type = e.type();
      String code = e.code();
      if (type.equals("budget_exceeded")
          || (type.equals("rate_limit_exceeded") && code != null && code.endsWith("_exceeded"))) {
        return "BudgetExceededError";
      }
      int status = e.status();
      return switch (status) {
        case 400 ->
            "context_length_exceeded".equals(code)
                ? "ContextWindowExceededError"
                : contentPolicy(code) ? "ContentPolicyViolationError" : "BadRequestError";
        case 401 -> "AuthenticationError";
        case 403 -> "PermissionDeniedError";
        case 404 -> "NotFoundError";
        case 408, 504 -> "Timeout";
        case 422 ->
            contentPolicy(code) ? "ContentPolicyViolationError" : "UnprocessableEntityError";
        case 429 -> "RateLimitError";
        case 499 -> null;
        case 502 ->
            "timeout_error".equals(code)
                ? "Timeout"
                : connectionFailure(e.getCause()) ? "APIConnectionError" : "InternalServerError";
        case 503 -> "ServiceUnavailableError";
        default -> status >= 500 ? "InternalServerError" : status >= 400 ? "BadRequestError" : null;
      };
    }

    /**
     * Whether a 502's cause is the connection failing (refused, reset, unknown host, TLS, closed by
     * the peer), as opposed to an answer that could not be read (its JSON) or no cause at all (the
     * upstream answered with a 5xx).
     */
    private static boolean connectionFailure(@Nullable Throwable cause) {
      return (cause instanceof IOException && !(cause instanceof JsonProcessingException))
          || cause instanceof VertxException;
    }

    /** As the router's retry rule tells a content filter's refusal from another bad request. */
    private static boolean contentPolicy(@Nullable String code) {
      return code != null && (code.equals("content_filter") || code.contains("content_policy"));
    }
  }
}
