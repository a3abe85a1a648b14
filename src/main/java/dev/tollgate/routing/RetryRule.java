package dev.tollgate.routing;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.RouterSettings;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Which failed attempts may be retried, how many times, and how long to wait first: LiteLLM's
 * router rules. Retried by default: connection failures and other 5xx (Anthropic's 529 too),
 * timeouts (408, 504) and 429. Never by default: 400, 401, 403, 404 and anything else a client must
 * fix; {@code retry_policy} may allow some of those classes. Immutable and thread-safe.
 *
 * <p>Backoff: a retry on another deployment goes at once; one on the same deployment waits what the
 * upstream asked ({@code retry-after-ms}, {@code retry-after}) when that is at most {@link
 * #MAX_RETRY_AFTER_MILLIS}, else an exponential delay from {@link #INITIAL_DELAY_MILLIS} up to
 * {@link #MAX_DELAY_MILLIS}, less up to a quarter of jitter. Never less than {@code retry_after}.
 *
 * @param numRetries {@code router_settings.num_retries}: retries after the first attempt
 * @param minDelayMillis {@code router_settings.retry_after}: the least wait before a retry
 * @param policy {@code retry_policy}: retries per error class, overriding {@code numRetries}
 * @param requested {@code num_retries} in the request body, which wins over the deployment's {@code
 *     max_retries} and {@code numRetries} (not over the policy)
 */
public record RetryRule(
    int numRetries, long minDelayMillis, Map<ErrorClass, Integer> policy, OptionalInt requested) {
  /** The first exponential delay, LiteLLM's 0.5 s. */
  public static final long INITIAL_DELAY_MILLIS = 500;

  /** The longest exponential delay, LiteLLM's 8 s. */
  public static final long MAX_DELAY_MILLIS = 8_000;

  /** The longest wait an upstream's {@code retry-after} is honoured for; longer is not waited. */
  public static final long MAX_RETRY_AFTER_MILLIS = 60_000;

  /** No retries. */
  public static final RetryRule NONE = new RetryRule(0, 0, Map.of());

  public RetryRule(int numRetries, long minDelayMillis, Map<ErrorClass, Integer> policy) {
    this(numRetries, minDelayMillis, policy, OptionalInt.empty());
  }

  public RetryRule {
    if (numRetries < 0 || minDelayMillis < 0) {
      throw new IllegalArgumentException("numRetries and minDelayMillis must not be negative");
    }
    policy = Map.copyOf(requireNonNull(policy, "policy"));
    requireNonNull(requested, "requested");
  }

  /** This rule for a request whose body sets {@code num_retries}. */
  public RetryRule requesting(int n) {
    return new RetryRule(numRetries, minDelayMillis, policy, OptionalInt.of(n));
  }

  /**
   * The rule of {@code router_settings}: {@code num_retries}, {@code retry_after}, {@code
   * retry_policy}.
   */
  public static RetryRule from(RouterSettings s) {
    Map<ErrorClass, Integer> policy = new EnumMap<>(ErrorClass.class);
    for (ErrorClass c : ErrorClass.values()) {
      Integer n = s.retryPolicy().get(c.configName());
      if (n != null) {
        policy.put(c, n);
      }
    }
    return new RetryRule(s.numRetries(), s.retryAfterMillis(), policy);
  }

  /** The error classes of LiteLLM's {@code retry_policy}, each with its config name. */
  public enum ErrorClass {
    BAD_REQUEST("BadRequestErrorRetries"),
    AUTHENTICATION("AuthenticationErrorRetries"),
    TIMEOUT("TimeoutErrorRetries"),
    RATE_LIMIT("RateLimitErrorRetries"),
    CONTENT_POLICY("ContentPolicyViolationErrorRetries"),
    INTERNAL_SERVER("InternalServerErrorRetries"),
    /** Not found, a client that left, or anything else that no retry can fix. */
    OTHER("");

    private final String configName;

    ErrorClass(String configName) {
      this.configName = configName;
    }

    /** The name in {@code retry_policy}; empty for {@link #OTHER}. */
    public String configName() {
      return configName;
    }

    /** The class of a failed attempt's error. */
    public static ErrorClass of(GatewayException e) {
      int status = e.status();
      return switch (status) {
        case 400, 422 -> contentPolicy(e) ? CONTENT_POLICY : BAD_REQUEST;
        case 401, 403 -> AUTHENTICATION;
        case 408, 504 -> TIMEOUT;
        case 429 -> RATE_LIMIT;
        default -> status >= 500 && status <= 599 ? INTERNAL_SERVER : OTHER;
      };
    }

    private static boolean contentPolicy(GatewayException e) {
      String code = e.code();
      return code != null && (code.equals("content_filter") || code.contains("content_policy"));
    }

    /** Whether the class is retried when no {@code retry_policy} names it. */
    boolean retriedByDefault() {
      return this == TIMEOUT || this == RATE_LIMIT || this == INTERNAL_SERVER;
    }
  }

  /**
   * How many retries a request whose attempt on {@code failed} ended with {@code e} may have in
   * all: the policy's count for its class, else 0 for a class not retried by default, else the
   * request's {@code num_retries}, else the deployment's {@code max_retries}, else {@code
   * numRetries}.
   */
  public int allowed(GatewayException e, Deployment failed) {
    ErrorClass c = ErrorClass.of(e);
    if (c == ErrorClass.OTHER) {
      return 0;
    }
    Integer byPolicy = policy.get(c);
    if (byPolicy != null) {
      return byPolicy;
    }
    if (!c.retriedByDefault()) {
      return 0;
    }
    if (requested.isPresent()) {
      return requested.getAsInt();
    }
    OptionalInt own = failed.params().maxRetries();
    return own.isPresent() ? own.getAsInt() : numRetries;
  }

  /**
   * How long to wait before retry number {@code retry} (from 1).
   *
   * @param sameDeployment whether the retry goes to the deployment that just failed
   * @param retryAfterMillis what that deployment asked to wait, or -1
   */
  public long delayMillis(
      int retry, boolean sameDeployment, long retryAfterMillis, RandomGenerator jitter) {
    long wait;
    if (!sameDeployment) {
      wait = 0;
    } else if (retryAfterMillis >= 0 && retryAfterMillis <= MAX_RETRY_AFTER_MILLIS) {
      wait = retryAfterMillis;
    } else {
      long exp = INITIAL_DELAY_MILLIS << Math.min(Math.max(retry - 1, 0), 16);
      long capped = Math.min(exp, MAX_DELAY_MILLIS);
      wait = capped - (long) (capped * 0.25 * jitter.nextDouble());
    }
    return Math.max(wait, minDelayMillis);
  }
}
