package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Spend records for tests. */
final class SpendRecords {
  /** 2025-03-01T00:00:00Z. */
  static final long T0 = 1_740_787_200_000L;

  private SpendRecords() {}

  /** A priced, successful request costing {@code costNanos}. */
  static SpendRecord priced(String id, long costNanos) {
    return new SpendRecord(
        id,
        T0,
        "hash-a",
        Optional.of("user-1"),
        Optional.of("team-1"),
        Optional.of("org-1"),
        Optional.empty(),
        List.of("prod"),
        "gpt-4o-mini",
        Optional.of("dep-1"),
        Optional.of("openai/gpt-4o-mini"),
        "priced",
        "catalog",
        100,
        20,
        0,
        0,
        0,
        OptionalLong.of(costNanos),
        dev.tollgate.budget.UsageSource.PROVIDER,
        200,
        Optional.empty(),
        42,
        false);
  }

  /**
   * {@link #priced} served by {@code dep-1} after {@code dep-0} answered 429: two attempts, the
   * first with an error class, the last without.
   */
  static SpendRecord retried(String id) {
    return priced(id, 1_000)
        .withAttempts(
            List.of(
                new SpendRecord.Attempt("gpt-4o-mini", "dep-0", 429, Optional.of("RateLimitError")),
                new SpendRecord.Attempt("gpt-4o-mini", "dep-1", 200, Optional.empty())));
  }

  /** The same request with other attribution fields. */
  static SpendRecord with(
      SpendRecord r,
      long startedAt,
      String keyHash,
      Optional<String> user,
      Optional<String> team,
      List<String> tags,
      String model) {
    return new SpendRecord(
        r.requestId(),
        startedAt,
        keyHash,
        user,
        team,
        r.organizationId(),
        r.customerId(),
        tags,
        model,
        r.deploymentId(),
        r.providerModel(),
        r.priceState(),
        r.priceSource(),
        r.inputTokens(),
        r.outputTokens(),
        r.cacheReadTokens(),
        r.cacheCreationTokens(),
        r.reasoningTokens(),
        r.costNanos(),
        r.usageSource(),
        r.status(),
        r.errorType(),
        r.latencyMillis(),
        r.stream());
  }

  /** A request whose price was unknown: no cost, tokens as given. */
  static SpendRecord unpriced(String id, long input, long output) {
    return new SpendRecord(
        id,
        T0,
        "hash-a",
        Optional.of("user-1"),
        Optional.of("team-1"),
        Optional.empty(),
        Optional.of("customer-9"),
        List.of(),
        "mystery-model",
        Optional.of("dep-x"),
        Optional.of("openai/mystery"),
        "unknown",
        "none",
        input,
        output,
        0,
        0,
        0,
        OptionalLong.empty(),
        dev.tollgate.budget.UsageSource.PROVIDER,
        200,
        Optional.empty(),
        7,
        true);
  }

  /** A record the database must refuse: an unknown price with a cost. */
  static SpendRecord contradictory(String id) {
    SpendRecord u = unpriced(id, 1, 1);
    return new SpendRecord(
        u.requestId(),
        u.startedAtMillis(),
        u.keyHash(),
        u.userId(),
        u.teamId(),
        u.organizationId(),
        u.customerId(),
        u.tags(),
        u.modelGroup(),
        u.deploymentId(),
        u.providerModel(),
        "unknown",
        "none",
        1,
        1,
        0,
        0,
        0,
        OptionalLong.of(5),
        dev.tollgate.budget.UsageSource.PROVIDER,
        200,
        Optional.empty(),
        7,
        false);
  }
}
