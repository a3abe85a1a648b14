package dev.tollgate.proxy;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.logging.JsonLogs;
import dev.tollgate.pricing.CostCalculator;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

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

  /**
   * Writes the summary of {@code r}, whose key is called {@code keyAlias}, with the id of its trace
   * when tracing is on (null when off), so that the line and the spans can be joined.
   */
  static void log(SpendRecord r, Optional<String> keyAlias, @Nullable String traceId) {
    LoggingEventBuilder line = LOG.atInfo().addKeyValue("request_id", r.requestId());
    if (traceId != null) {
      line = line.addKeyValue("trace_id", traceId);
    }
    line.addKeyValue("key_alias", keyAlias.orElse(null))
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
