package dev.tollgate.metrics;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.BudgetLine;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.config.PrometheusMetricsConfig;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Limits;
import dev.tollgate.proxy.ProxyCounters;
import dev.tollgate.store.SpendLog;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The Prometheus registry and what it reads at scrape time: the budget gauges LiteLLM's dashboards
 * use ({@code litellm_remaining_*_budget_metric}, {@code litellm_*_max_budget_metric}, {@code
 * litellm_*_budget_remaining_hours_metric}) and Tollgate's own state ({@code tollgate_*}). Nothing
 * here runs per request. {@link #scrape} blocks on the budget meter (which may be Redis): call it
 * off the event loop. Thread-safe.
 */
public final class PrometheusMetrics {
  /** LiteLLM's value for a label it has no value for (Python's {@code str(None)}). */
  static final String NONE = "None";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Supplier<GovernanceSnapshot> governance;
  private final Enforcer enforcer;
  private final Clock clock;
  private final PrometheusMetricsConfig config;

  /**
   * @param config which of LiteLLM's metrics and labels to keep
   */
  public PrometheusMetrics(
      Supplier<GovernanceSnapshot> governance,
      Enforcer enforcer,
      SpendLog spendLog,
      ProxyCounters counters,
      Clock clock,
      PrometheusMetricsConfig config) {
    this.config = requireNonNull(config, "config");
    this.governance = requireNonNull(governance, "governance");
    this.enforcer = requireNonNull(enforcer, "enforcer");
    this.clock = requireNonNull(clock, "clock");
    requireNonNull(spendLog, "spendLog");
    requireNonNull(counters, "counters");
    budgets(
        "team",
        "team",
        List.of("team", "team_alias"),
        Level.TEAM,
        () ->
            governance.get().teams().values().stream()
                .map(t -> new Entity(t.id(), List.of(t.id(), alias(t.alias())), t.limits()))
                .toList());
    budgets(
        "api_key",
        "api key",
        List.of("hashed_api_key", "api_key_alias"),
        Level.KEY,
        () ->
            governance.get().keys().values().stream()
                .map(
                    k ->
                        new Entity(k.id(), List.of(k.tokenHash(), alias(k.keyAlias())), k.limits()))
                .toList());
    budgets(
        "user",
        "user",
        List.of("user"),
        Level.USER,
        () ->
            governance.get().users().values().stream()
                .map(u -> new Entity(u.id(), List.of(u.id()), u.limits()))
                .toList());
    budgets(
        "org",
        "org",
        List.of("org_id", "org_alias"),
        Level.ORGANIZATION,
        () ->
            governance.get().organizations().values().stream()
                .map(o -> new Entity(o.id(), List.of(o.id(), alias(o.alias())), o.limits()))
                .toList());

    GaugeWithCallback.builder()
        .name("tollgate_reservations_open")
        .help("Requests admitted against their budgets and not yet settled")
        .callback(cb -> cb.call(enforcer.openReservations()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tollgate_spend_log_queue")
        .help("Spend records waiting to be written to the store")
        .callback(cb -> cb.call(spendLog.stats().queued()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tollgate_spend_log_journal_records")
        .help("Spend records in the local journal, waiting for the store to come back")
        .callback(cb -> cb.call(spendLog.stats().journalPending()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tollgate_spend_log_dead_letters")
        .help("Spend records the store refused for good, kept in the dead-letter file")
        .callback(cb -> cb.call(spendLog.stats().deadLettered()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tollgate_redis_fallback_active")
        .help(
            "1 while Redis is configured but unreachable and budgets are enforced on this"
                + " instance's own counters (or refused), else 0")
        .callback(cb -> cb.call(enforcer.meterMode().startsWith("redis-") ? 1 : 0))
        .register(registry);
    CounterWithCallback.builder()
        .name("tollgate_unauthenticated_requests")
        .help("LLM requests refused before a key was accepted (no key, or an unknown one)")
        .callback(cb -> cb.call(counters.unauthenticated()))
        .register(registry);
  }

  /** Counts of the {@code generic_api} spend export, read at scrape time. */
  public void exportCounters(dev.tollgate.export.GenericApiExport export) {
    CounterWithCallback.builder()
        .name("tollgate_export_records_sent")
        .help("Spend records the generic_api export delivered")
        .callback(cb -> cb.call(export.sent()))
        .register(registry);
    CounterWithCallback.builder()
        .name("tollgate_export_records_dropped")
        .help(
            "Spend records the generic_api export gave up on (queue full, or refused after every retry)")
        .callback(cb -> cb.call(export.dropped()))
        .register(registry);
    CounterWithCallback.builder()
        .name("tollgate_export_failed_posts")
        .help("POSTs to the generic_api endpoint that failed, each retry counted")
        .callback(cb -> cb.call(export.failedPosts()))
        .register(registry);
  }

  /** The registry, for the per-request metrics registered beside these. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * Every metric in Prometheus's text format. Blocks on the budget meter. The snapshot is taken
   * holding the registry, which {@link RequestMetrics} holds while it counts a batch of records, so
   * that a scrape never sees one request's series half counted.
   */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      io.prometheus.metrics.model.snapshots.MetricSnapshots snapshots;
      synchronized (registry) {
        snapshots = registry.scrape();
      }
      writer.write(out, snapshots);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The content type of {@link #scrape}. */
  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** One entity whose budget is reported: its id, its label values, its limits. */
  private record Entity(String id, List<String> labels, Limits limits) {}

  /**
   * The three budget gauges of one kind of entity, for those with a {@code max_budget}: remaining
   * (max minus spend, negative when over), the max, and hours until the window resets.
   */
  private void budgets(
      String name, String what, List<String> labels, Level level, Supplier<List<Entity>> all) {
    String remaining = "litellm_remaining_" + name + "_budget_metric";
    Shape rs = shape(remaining, labels);
    GaugeWithCallback.builder()
        .name(remaining)
        .help("Remaining budget for " + what + ", in USD")
        .labelNames(rs.names())
        .callback(
            cb ->
                forEachBudget(
                    level,
                    all,
                    (e, line) ->
                        cb.call(
                            usd(line.maxBudgetNanos().getAsLong() - line.spendNanos()),
                            rs.pick(e.labels().toArray(String[]::new)))))
        .register(rs.registry(registry));
    String max = "litellm_" + name + "_max_budget_metric";
    Shape ms = shape(max, labels);
    GaugeWithCallback.builder()
        .name(max)
        .help("Maximum budget set for " + what + ", in USD")
        .labelNames(ms.names())
        .callback(
            cb ->
                all.get().stream()
                    .filter(e -> e.limits().maxBudgetNanos().isPresent())
                    .forEach(
                        e ->
                            cb.call(
                                usd(e.limits().maxBudgetNanos().getAsLong()),
                                ms.pick(e.labels().toArray(String[]::new)))))
        .register(ms.registry(registry));
    String hoursName = "litellm_" + name + "_budget_remaining_hours_metric";
    Shape hs = shape(hoursName, labels);
    GaugeWithCallback.builder()
        .name(hoursName)
        .help("Hours until the budget of " + what + " resets")
        .labelNames(hs.names())
        .callback(
            cb ->
                forEachBudget(
                    level,
                    all,
                    (e, line) -> {
                      Optional<Instant> reset = line.resetAt();
                      if (reset.isPresent()) {
                        double hours = (reset.get().toEpochMilli() - clock.millis()) / 3_600_000.0;
                        cb.call(Math.max(0, hours), hs.pick(e.labels().toArray(String[]::new)));
                      }
                    }))
        .register(hs.registry(registry));
  }

  /** {@code metric}'s shape, whose labels in the one table are {@code labels}. */
  private Shape shape(String metric, List<String> labels) {
    if (!labels.equals(PrometheusMetricsConfig.LABELS.get(metric))) {
      throw new IllegalStateException(metric + " is labelled " + labels + " here, not as listed");
    }
    return Shape.of(config, metric);
  }

  private interface LineConsumer {
    void accept(Entity e, BudgetLine line);
  }

  private void forEachBudget(Level level, Supplier<List<Entity>> all, LineConsumer each) {
    for (Entity e : all.get()) {
      if (e.limits().maxBudgetNanos().isEmpty()) {
        continue;
      }
      for (BudgetLine line : enforcer.entityBudgets(level, e.id())) {
        if (line.level() == level && line.maxBudgetNanos().isPresent()) {
          each.accept(e, line);
          break;
        }
      }
    }
  }

  /** Nano-USD as the double the exposition format carries; exact up to 2^53 nanos. */
  private static double usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).doubleValue();
  }

  private static String alias(Optional<String> alias) {
    return alias.orElse(NONE);
  }
}
