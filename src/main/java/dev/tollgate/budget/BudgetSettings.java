package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.config.LitellmSettings;
import dev.tollgate.config.SpendCap;
import dev.tollgate.governance.BudgetDuration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The budget settings that come from the config file. Immutable.
 *
 * @param maxBudgetNanos the global proxy budget ({@code litellm_settings.max_budget})
 * @param budgetDuration its window ({@code litellm_settings.budget_duration})
 * @param maxEndUserBudgetNanos the max budget of customers that have none ({@code
 *     max_end_user_budget})
 * @param maxEndUserBudgetId a shared budget for customers that have none ({@code
 *     max_end_user_budget_id}); wins over {@code maxEndUserBudgetNanos}
 * @param unknownPricePolicy {@code unknown_price_policy}
 * @param timezone the zone windows align to ({@code litellm_settings.timezone}, default UTC)
 * @param reservationOutputTokens the output tokens reserved for a request without {@code
 *     max_tokens} ({@code litellm_settings.reservation_output_tokens}, default {@link
 *     Estimate#DEFAULT_OUTPUT_TOKENS})
 * @param providerBudgets each provider's budget ({@code router_settings.provider_budget_config})
 */
public record BudgetSettings(
    OptionalLong maxBudgetNanos,
    Optional<BudgetDuration> budgetDuration,
    OptionalLong maxEndUserBudgetNanos,
    Optional<String> maxEndUserBudgetId,
    UnknownPricePolicy unknownPricePolicy,
    ZoneId timezone,
    long reservationOutputTokens,
    Map<String, SpendCap> providerBudgets) {

  public BudgetSettings {
    providerBudgets = Map.copyOf(providerBudgets);
    if (reservationOutputTokens < 0) {
      throw new IllegalArgumentException("reservation_output_tokens must not be negative");
    }
    requireNonNull(unknownPricePolicy, "unknownPricePolicy");
    requireNonNull(timezone, "timezone");
  }

  /** Without provider budgets. */
  public BudgetSettings(
      OptionalLong maxBudgetNanos,
      Optional<BudgetDuration> budgetDuration,
      OptionalLong maxEndUserBudgetNanos,
      Optional<String> maxEndUserBudgetId,
      UnknownPricePolicy unknownPricePolicy,
      ZoneId timezone,
      long reservationOutputTokens) {
    this(
        maxBudgetNanos,
        budgetDuration,
        maxEndUserBudgetNanos,
        maxEndUserBudgetId,
        unknownPricePolicy,
        timezone,
        reservationOutputTokens,
        Map.of());
  }

  /** No global or default budgets, policy {@code enforce}, UTC. */
  public static BudgetSettings defaults() {
    return new BudgetSettings(
        OptionalLong.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        UnknownPricePolicy.ENFORCE,
        ZoneOffset.UTC,
        Estimate.DEFAULT_OUTPUT_TOKENS);
  }

  /**
   * From {@code litellm_settings}; {@code unknown_price_policy} is read from its raw keys.
   *
   * @throws IllegalArgumentException for a value the config loader let through but that is not
   *     usable here (more than 9 decimal places, a bad policy); the message names the key
   */
  public static BudgetSettings from(LitellmSettings s) {
    Object policy = s.raw().get("unknown_price_policy");
    try {
      return new BudgetSettings(
          nanos("litellm_settings.max_budget", s.maxBudget()),
          s.budgetDuration().map(BudgetDuration::parse),
          nanos("litellm_settings.max_end_user_budget", s.maxEndUserBudget()),
          s.maxEndUserBudgetId(),
          policy == null
              ? UnknownPricePolicy.ENFORCE
              : UnknownPricePolicy.parse(String.valueOf(policy)),
          s.timezone().map(ZoneId::of).orElse(ZoneOffset.UTC),
          reservationOutputTokens(s.raw().get("reservation_output_tokens")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("litellm_settings: " + e.getMessage(), e);
    }
  }

  public BudgetSettings withUnknownPricePolicy(UnknownPricePolicy p) {
    return new BudgetSettings(
        maxBudgetNanos,
        budgetDuration,
        maxEndUserBudgetNanos,
        maxEndUserBudgetId,
        p,
        timezone,
        reservationOutputTokens,
        providerBudgets);
  }

  public BudgetSettings withProviderBudgets(Map<String, SpendCap> v) {
    return new BudgetSettings(
        maxBudgetNanos,
        budgetDuration,
        maxEndUserBudgetNanos,
        maxEndUserBudgetId,
        unknownPricePolicy,
        timezone,
        reservationOutputTokens,
        v);
  }

  private static long reservationOutputTokens(@org.jspecify.annotations.Nullable Object v) {
    if (v == null) {
      return Estimate.DEFAULT_OUTPUT_TOKENS;
    }
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw new IllegalArgumentException(
        "reservation_output_tokens must be a whole number of tokens, got " + v);
  }

  private static OptionalLong nanos(String key, Optional<java.math.BigDecimal> usd) {
    if (usd.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Usd.toNanos(usd.get()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " " + e.getMessage(), e);
    }
  }
}
