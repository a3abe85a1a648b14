package dev.tollgate.config;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * {@code litellm_settings}: the keys Tollgate gives meaning to, typed, plus every key as written.
 *
 * @param maxBudget the global proxy budget in USD, exact
 * @param budgetDuration its reset period, such as {@code 30d}
 * @param storeAuditLogs {@code store_audit_logs}: record every management change in the audit log
 * @param raw every key of the section, resolved, for later features and for diagnostics
 */
public record LitellmSettings(
    Optional<BigDecimal> maxBudget,
    Optional<String> budgetDuration,
    Optional<BigDecimal> maxEndUserBudget,
    Optional<String> maxEndUserBudgetId,
    Optional<String> modelCostMapUrl,
    Optional<String> timezone,
    boolean storeAuditLogs,
    Map<String, Object> raw) {

  public LitellmSettings {
    raw = Map.copyOf(raw);
  }

  public static LitellmSettings defaults() {
    return new LitellmSettings(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        Map.of());
  }
}
