package dev.tollgate.proxy;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.logging.JsonLogs;
import dev.tollgate.pricing.CostCalculator;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log line per finished request, on logger {@code dev.tollgate.request} at INFO: always
 * with JSON logs, where it is what log pipelines index, and in text only when the level is DEBUG,
 * so a busy gateway's text log is not one line per request. It names the key by its alias, never by
 * the key or its hash. Callers check {@link #enabled} first, so nothing is built when it is off.
 */
final class RequestSummary {
  private static final Logger LOG = LoggerFactory.getLogger("dev.tollgate.request");

  private RequestSummary() {}

  /** Whether the summary line is written. */
  static boolean enabled() {
    return JsonLogs.enabled() ? LOG.isInfoEnabled() : LOG.isDebugEnabled();
  }

  /** Writes the summary of {@code r}, whose key is called {@code keyAlias}. */
  static void log(SpendRecord r, Optional<String> keyAlias) {
    LOG.atInfo()
        .addKeyValue("request_id", r.requestId())
        .addKeyValue("key_alias", keyAlias.orElse(null))
        .addKeyValue("model_group", r.modelGroup())
        .addKeyValue("deployment_id", r.deploymentId().orElse(null))
        .addKeyValue("status", r.status())
        .addKeyValue(
            "cost_usd",
            r.costNanos().isPresent() ? CostCalculator.formatUsd(r.costNanos().getAsLong()) : null)
        .addKeyValue("latency_ms", r.latencyMillis())
        .log("request finished");
  }
}
