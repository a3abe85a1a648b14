package dev.tollgate.config;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@code litellm_settings}: the keys Tollgate gives meaning to, typed, plus every key as written.
 *
 * @param maxBudget the global proxy budget in USD, exact
 * @param budgetDuration its reset period, such as {@code 30d}
 * @param storeAuditLogs {@code store_audit_logs}: record every management change in the audit log
 * @param callbacks {@code callbacks}, {@code success_callback} and {@code failure_callback}
 *     together, such as {@code prometheus}; Tollgate acts on the ones it implements
 * @param requireAuthForMetrics {@code require_auth_for_metrics_endpoint}: {@code /metrics} needs an
 *     admin key (the default here; LiteLLM's default is open)
 * @param prometheusMetrics {@code prometheus_metrics_config}: which metrics and labels {@code
 *     /metrics} keeps
 * @param raw every key of the section, resolved, for later features and for diagnostics
 * @param cache {@code cache: true} with its {@code cache_params}; empty when responses are not
 *     cached
 */
public record LitellmSettings(
    Optional<BigDecimal> maxBudget,
    Optional<String> budgetDuration,
    Optional<BigDecimal> maxEndUserBudget,
    Optional<String> maxEndUserBudgetId,
    Optional<String> modelCostMapUrl,
    Optional<String> timezone,
    boolean storeAuditLogs,
    java.util.List<String> callbacks,
    boolean requireAuthForMetrics,
    PrometheusMetricsConfig prometheusMetrics,
    Map<String, Object> raw,
    Optional<CacheParams> cache) {

  public LitellmSettings {
    callbacks = java.util.List.copyOf(callbacks);
    raw = Map.copyOf(raw);
  }

  /**
   * {@code drop_params}: whether a deployment that does not set its own drops the parameters its
   * provider does not take instead of refusing them. The config file's deployments have it applied
   * at load; those created through {@code /model/new} read it here.
   */
  public boolean dropParams() {
    return Boolean.TRUE.equals(flag("drop_params"));
  }

  /** A flag of {@code raw} as the loader accepted it: a boolean, or "true"/"false" in any case. */
  private @Nullable Boolean flag(String name) {
    Object v = raw.get(name);
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String t && (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(t);
    }
    return null;
  }

  /** Whether {@code callbacks} turns on LiteLLM's {@code generic_api} spend export. */
  public boolean genericApi() {
    return callbacks.contains("generic_api") || callbacks.contains("generic");
  }

  /** Whether {@code callbacks} turns on OpenTelemetry traces ({@code otel}, LiteLLM's name). */
  public boolean otel() {
    return callbacks.contains("otel");
  }

  /**
   * Whether traces may carry prompts and answers: only when {@code turn_off_message_logging} is set
   * to {@code false} explicitly. Unset, it is on, unlike LiteLLM, whose default records them.
   */
  public boolean messagesRecorded() {
    return Boolean.FALSE.equals(flag("turn_off_message_logging"));
  }

  /** Whether {@code callbacks} turns on the Prometheus {@code /metrics} endpoint. */
  public boolean prometheus() {
    return callbacks.contains("prometheus");
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
        java.util.List.of(),
        true,
        PrometheusMetricsConfig.ALL,
        Map.of(),
        Optional.empty());
  }
}
