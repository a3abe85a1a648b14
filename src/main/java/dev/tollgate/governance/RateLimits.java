package dev.tollgate.governance;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The rate limits an entity or a shared budget carries, in LiteLLM's terms. Immutable. Absent means
 * "no limit of that kind", never zero: an {@code rpm_limit} of 0 admits no request.
 *
 * @param rpmLimit requests per minute ({@code rpm_limit})
 * @param tpmLimit tokens per minute ({@code tpm_limit})
 * @param maxParallelRequests requests in flight at once ({@code max_parallel_requests})
 * @param modelRpmLimit requests per minute by model name ({@code model_rpm_limit})
 * @param modelTpmLimit tokens per minute by model name ({@code model_tpm_limit})
 */
public record RateLimits(
    OptionalLong rpmLimit,
    OptionalLong tpmLimit,
    OptionalLong maxParallelRequests,
    Map<String, Long> modelRpmLimit,
    Map<String, Long> modelTpmLimit) {

  /** No rate limits at all. */
  public static final RateLimits NONE =
      new RateLimits(
          OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Map.of(), Map.of());

  public RateLimits {
    nonNegative("rpm_limit", rpmLimit);
    nonNegative("tpm_limit", tpmLimit);
    nonNegative("max_parallel_requests", maxParallelRequests);
    modelRpmLimit = perModel("model_rpm_limit", modelRpmLimit);
    modelTpmLimit = perModel("model_tpm_limit", modelTpmLimit);
  }

  /** Whether no rate limit is set. */
  public boolean isEmpty() {
    return rpmLimit.isEmpty()
        && tpmLimit.isEmpty()
        && maxParallelRequests.isEmpty()
        && modelRpmLimit.isEmpty()
        && modelTpmLimit.isEmpty();
  }

  /** These limits, each one not set here taken from {@code fallback}. */
  public RateLimits or(RateLimits fallback) {
    return new RateLimits(
        rpmLimit.isPresent() ? rpmLimit : fallback.rpmLimit,
        tpmLimit.isPresent() ? tpmLimit : fallback.tpmLimit,
        maxParallelRequests.isPresent() ? maxParallelRequests : fallback.maxParallelRequests,
        modelRpmLimit.isEmpty() ? fallback.modelRpmLimit : modelRpmLimit,
        modelTpmLimit.isEmpty() ? fallback.modelTpmLimit : modelTpmLimit);
  }

  public RateLimits withRpmLimit(OptionalLong v) {
    return new RateLimits(v, tpmLimit, maxParallelRequests, modelRpmLimit, modelTpmLimit);
  }

  public RateLimits withTpmLimit(OptionalLong v) {
    return new RateLimits(rpmLimit, v, maxParallelRequests, modelRpmLimit, modelTpmLimit);
  }

  public RateLimits withMaxParallelRequests(OptionalLong v) {
    return new RateLimits(rpmLimit, tpmLimit, v, modelRpmLimit, modelTpmLimit);
  }

  public RateLimits withModelRpmLimit(Map<String, Long> v) {
    return new RateLimits(rpmLimit, tpmLimit, maxParallelRequests, v, modelTpmLimit);
  }

  public RateLimits withModelTpmLimit(Map<String, Long> v) {
    return new RateLimits(rpmLimit, tpmLimit, maxParallelRequests, modelRpmLimit, v);
  }

  private static void nonNegative(String field, OptionalLong v) {
    if (v.isPresent() && v.getAsLong() < 0) {
      throw new IllegalArgumentException(field + " must not be negative");
    }
  }

  private static Map<String, Long> perModel(String field, Map<String, Long> m) {
    // Sorted, so that rendering and iteration order are stable.
    TreeMap<String, Long> sorted = new TreeMap<>();
    for (Map.Entry<String, Long> e : m.entrySet()) {
      if (e.getKey().isEmpty()) {
        throw new IllegalArgumentException(field + " must not name an empty model");
      }
      if (e.getValue() < 0) {
        throw new IllegalArgumentException(field + "." + e.getKey() + " must not be negative");
      }
      sorted.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(sorted);
  }
}
