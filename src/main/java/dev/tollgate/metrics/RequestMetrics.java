package dev.tollgate.metrics;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.config.PrometheusMetricsConfig;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.User;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.provider.Redaction;
import dev.tollgate.provider.UpstreamLimits;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.RegistryHolder;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-request series, under LiteLLM's names and label sets ({@code
 * litellm/types/integrations/prometheus.py}), and Tollgate's per-request counters, counted from
 * each request's spend record: the one record billing writes, so the metrics agree with the spend
 * log. The request path only hands the record to a bounded queue; one daemon thread, every 50 ms,
 * resolves the labels (key and team aliases, the deployment's provider) and counts: requests,
 * spend, tokens, the latency histograms from the timings the record carries, each call to a
 * deployment (the failed attempts before the last included), and the fallbacks. A full queue drops
 * the record from the metrics only, and counts the drop. What is read at scrape time (each
 * deployment's state and remaining rate) comes from what that thread last counted and from the
 * router. {@code prometheus_metrics_config} decides which series are exported and with which labels
 * ({@link Shape}). Thread-safe.
 */
public final class RequestMetrics implements SpendSink, UpstreamLimits {
  private static final Logger LOG = LoggerFactory.getLogger(RequestMetrics.class);

  /**
   * LiteLLM's latency buckets ({@code LATENCY_BUCKETS} in {@code
   * litellm/types/integrations/prometheus.py}), in seconds; {@code +Inf} is implied.
   */
  static final double[] LATENCY_BUCKETS = {
    0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5,
    6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 15.0, 20.0, 25.0, 30.0, 60.0, 120.0, 180.0, 240.0,
    300.0
  };

  /**
   * The Python client's default buckets, which LiteLLM leaves {@code
   * litellm_deployment_latency_per_output_token} with, in seconds.
   */
  static final double[] DEFAULT_BUCKETS = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
  };

  private static final String NONE = PrometheusMetrics.NONE;

  /** LiteLLM's exception class for the gateway's own refusal, which no deployment is blamed for. */
  private static final String REFUSED = "BudgetExceededError";

  /** How often the counting thread empties the queue. */
  private static final long DRAIN_MILLIS = 50;

  private final PrometheusRegistry prometheus;
  private final PrometheusMetricsConfig config;
  private final Supplier<GovernanceSnapshot> governance;
  private final RegistryHolder registry;
  private final Clock clock;
  private final BlockingQueue<SpendRecord> queue = new ArrayBlockingQueue<>(65_536);
  private final LongAdder dropped = new LongAdder();

  /** Whether each deployment's latest attempt failed; written by the counting thread. */
  private final ConcurrentHashMap<String, Boolean> lastFailed = new ConcurrentHashMap<>();

  /** Each deployment's requests and tokens this minute, as counted here. */
  private final ConcurrentHashMap<String, Minute> used = new ConcurrentHashMap<>();

  /**
   * What each deployment's upstream last said remains of its rate limits, by deployment id: {@code
   * [requests, tokens]}, -1 where it said nothing. Written on event loops, read at scrape time.
   */
  private final ConcurrentHashMap<String, long[]> heard = new ConcurrentHashMap<>();

  private final Counted proxyTotal;
  private final Counted proxyFailed;
  private final Counted requests;
  private final Counted spend;
  private final Counted totalTokens;
  private final Counted inputTokens;
  private final Counted outputTokens;
  private final Timed totalLatency;
  private final Timed apiLatency;
  private final Timed firstToken;
  private final Timed overhead;
  private final Counted deploymentTotal;
  private final Counted deploymentSuccess;
  private final Counted deploymentFailure;
  private final Timed perOutputToken;
  private final Counted successfulFallbacks;
  private final Counted failedFallbacks;
  private final Counted cooledDown;
  private final Counter unpriced;
  private final Counter estimated;
  private final Counter budgetDenials;
  private final Counter rateLimitDenials;

  /**
   * @param config which metrics and labels to keep
   * @param clock the minute the remaining-rate gauges count in
   */
  public RequestMetrics(
      PrometheusRegistry prometheus,
      Supplier<GovernanceSnapshot> governance,
      RegistryHolder registry,
      PrometheusMetricsConfig config,
      Clock clock) {
    this.prometheus = requireNonNull(prometheus, "prometheus");
    this.config = requireNonNull(config, "config");
    this.governance = requireNonNull(governance, "governance");
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
    proxyTotal =
        counter(
            "litellm_proxy_total_requests_metric",
            "Requests made to the proxy, by the status returned to the client");
    proxyFailed =
        counter(
            "litellm_proxy_failed_requests_metric",
            "Requests the client did not get a success response for");
    requests = counter("litellm_requests_metric", "Requests served by an LLM deployment");
    spend = counter("litellm_spend_metric", "Spend on LLM requests, in USD");
    totalTokens = counter("litellm_total_tokens_metric", "Input and output tokens of LLM requests");
    inputTokens =
        counter(
            "litellm_input_tokens_metric", "Input tokens of LLM requests, cached ones included");
    outputTokens = counter("litellm_output_tokens_metric", "Output tokens of LLM requests");
    totalLatency =
        histogram(
            "litellm_request_total_latency_metric",
            "Total latency of a request to the proxy, in seconds",
            LATENCY_BUCKETS);
    apiLatency =
        histogram(
            "litellm_llm_api_latency_metric",
            "Latency of the LLM API call that served a request, from forwarding to its end, in"
                + " seconds",
            LATENCY_BUCKETS);
    firstToken =
        histogram(
            "litellm_llm_api_time_to_first_token_metric",
            "Time from forwarding a streamed request to its first byte, in seconds",
            LATENCY_BUCKETS);
    overhead =
        histogram(
            "litellm_overhead_latency_metric",
            "Time the proxy spent on a request before forwarding it, in seconds",
            LATENCY_BUCKETS);
    deploymentTotal =
        counter(
            "litellm_deployment_total_requests",
            "LLM API calls to a deployment, success + failure");
    deploymentSuccess =
        counter("litellm_deployment_success_responses", "Successful LLM API calls to a deployment");
    deploymentFailure =
        counter("litellm_deployment_failure_responses", "Failed LLM API calls to a deployment");
    perOutputToken =
        histogram(
            "litellm_deployment_latency_per_output_token",
            "Latency of a served call (to the first byte when streamed) per output token, in"
                + " seconds",
            DEFAULT_BUCKETS);
    successfulFallbacks =
        counter(
            "litellm_deployment_successful_fallbacks",
            "Fallback model groups that served a request after the requested group failed");
    failedFallbacks =
        counter(
            "litellm_deployment_failed_fallbacks",
            "Fallback model groups that failed a request after the requested group failed");
    cooledDown =
        counter(
            "litellm_deployment_cooled_down",
            "Cooldowns of a deployment started by failures on this instance, by the failure's"
                + " status");
    remainingGauge(
        "litellm_remaining_requests_metric",
        "litellm_remaining_requests",
        "Requests a deployment may still make: as its upstream last said"
            + " (x-ratelimit-remaining-requests), else what its rpm leaves this minute as this"
            + " instance counted",
        true);
    remainingGauge(
        "litellm_remaining_tokens_metric",
        "litellm_remaining_tokens",
        "Tokens a deployment may still use: as its upstream last said"
            + " (x-ratelimit-remaining-tokens), else what its tpm leaves this minute as this"
            + " instance counted",
        false);
    unpriced =
        plain(
            "tollgate_unpriced_requests",
            "Requests served by a deployment whose price is unknown (never counted as free)",
            "model_group");
    estimated =
        plain(
            "tollgate_estimated_usage_requests",
            "Requests billed from estimated usage because the provider reported none",
            "model_group");
    budgetDenials =
        plain(
            "tollgate_budget_denials",
            "Requests refused by a budget, by the level of the budget that refused them",
            "level");
    rateLimitDenials =
        plain(
            "tollgate_rate_limit_denials",
            "Requests refused by a rate limit, by its level and limit",
            "level",
            "limit");
    CounterWithCallback.builder()
        .name("tollgate_metrics_dropped_records")
        .help("Spend records left out of the per-request metrics because their queue was full")
        .callback(cb -> cb.call(dropped.sum()))
        .register(prometheus);
    Thread drain = new Thread(this::run, "tollgate-metrics");
    drain.setDaemon(true);
    drain.start();
  }

  /**
   * Registers {@code litellm_deployment_state}, read from {@code cooling} at scrape time: 2
   * (LiteLLM's complete outage) while a deployment cools down, else 1 (partial outage) when its
   * latest call failed, else 0 (healthy), for every deployment of the registry.
   *
   * @param cooling whether the deployment with an id is cooling down now
   */
  public void deploymentState(java.util.function.Predicate<String> cooling) {
    Shape s = Shape.of(config, "litellm_deployment_state");
    GaugeWithCallback.builder()
        .name("litellm_deployment_state")
        .help("The state of a deployment: 0 healthy, 1 partial outage, 2 complete outage")
        .labelNames(s.names())
        .callback(
            cb -> {
              for (Deployment d : registry.current().deployments()) {
                int state =
                    cooling.test(d.id()) ? 2 : Boolean.TRUE.equals(lastFailed.get(d.id())) ? 1 : 0;
                cb.call(state, s.pick(d.params().model(), d.id(), apiBase(d), provider(d)));
              }
            })
        .register(s.registry(prometheus));
  }

  /**
   * A failure on this instance started (or extended) {@code d}'s cooldown. Runs on the failing
   * request's thread, on the failure path only.
   */
  public void cooledDown(Deployment d, int status) {
    cooledDown
        .at(d.params().model(), d.id(), apiBase(d), provider(d), Integer.toString(status))
        .inc();
  }

  /**
   * A remaining-rate gauge, read at scrape time: what the deployment's upstream last said remains
   * ({@link #remaining(String, OptionalLong, OptionalLong)}), as LiteLLM reports it; for a
   * deployment whose upstream says nothing but that has the limit configured, the limit less what
   * was counted here this minute, never below 0.
   */
  private void remainingGauge(String metric, String name, String help, boolean requests) {
    Shape s = Shape.of(config, metric);
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(s.names())
        .callback(
            cb -> {
              long minute = clock.millis() / 60_000;
              for (Deployment d : registry.current().deployments()) {
                long[] said = heard.get(d.id());
                long value;
                if (said != null && said[requests ? 0 : 1] >= 0) {
                  value = said[requests ? 0 : 1];
                } else {
                  OptionalLong limit = requests ? d.params().rpm() : d.params().tpm();
                  if (limit.isEmpty()) {
                    continue;
                  }
                  Minute m = used.get(d.id());
                  long count = m == null ? 0 : m.count(minute, requests);
                  value = Math.max(0, limit.getAsLong() - count);
                }
                cb.call(
                    (double) value,
                    s.pick(
                        d.modelName(),
                        provider(d),
                        apiBase(d),
                        d.params().model(),
                        NONE,
                        NONE,
                        d.id()));
              }
            })
        .register(s.registry(prometheus));
  }

  /**
   * Keeps what an upstream said remains; a count it did not send keeps the one it sent before. Runs
   * on an event loop, once per upstream answer that carries the headers.
   */
  @Override
  public void remaining(String deploymentId, OptionalLong requests, OptionalLong tokens) {
    heard.compute(
        deploymentId,
        (id, old) ->
            new long[] {
              requests.isPresent() ? requests.getAsLong() : old == null ? -1 : old[0],
              tokens.isPresent() ? tokens.getAsLong() : old == null ? -1 : old[1]
            });
  }

  /** Runs on the request's thread: a queue offer, never blocking. */
  @Override
  public void record(SpendRecord r) {
    if (!queue.offer(r)) {
      dropped.increment();
    }
  }

  /**
   * Counts what the queue holds every few milliseconds. The thread sleeps rather than waits on the
   * queue, so that a request's offer never has a waiter to wake: a wake-up per request would cost
   * more than the counting.
   */
  private void run() {
    List<SpendRecord> batch = new ArrayList<>(1024);
    while (true) {
      try {
        Thread.sleep(DRAIN_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      drain(batch);
    }
  }

  /**
   * Counts every record queued, in batches; the metrics thread only (package-private for the JMH
   * benchmark, which stands in for that thread).
   */
  void drain(List<SpendRecord> batch) {
    while (queue.drainTo(batch, 1024) > 0) {
      // A scrape holds the registry too (PrometheusMetrics.scrape): it sees each record's
      // series all counted or none, never a record half-way.
      synchronized (prometheus) {
        for (SpendRecord r : batch) {
          try {
            count(r);
          } catch (RuntimeException e) {
            LOG.warn("request {} left out of the metrics: {}", r.requestId(), e.toString());
          }
        }
      }
      batch.clear();
    }
  }

  /**
   * What makes a request's label values: requests that share it share every series, so their data
   * points are looked up once ({@link #series}) and only incremented after that.
   */
  private record SeriesKey(
      String keyHash,
      Optional<String> userId,
      Optional<String> teamId,
      Optional<String> organizationId,
      Optional<String> customerId,
      String requestedModel,
      String modelGroup,
      Optional<String> deploymentId,
      Optional<String> providerModel,
      int status,
      String errorClass,
      boolean stream,
      boolean retried,
      Optional<SpendRecord.Caller> caller) {}

  /**
   * The data points of one label set; null where the label set has none: the deployment ones when
   * none served it, the served ones when it failed, the time to first token when it did not stream,
   * the overhead when it took more than one attempt.
   */
  private record Series(
      CounterDataPoint proxyTotal,
      @Nullable CounterDataPoint proxyFailed,
      DistributionDataPoint latency,
      @Nullable CounterDataPoint deploymentTotal,
      @Nullable CounterDataPoint deploymentOutcome,
      @Nullable CounterDataPoint requests,
      @Nullable CounterDataPoint spend,
      @Nullable CounterDataPoint totalTokens,
      @Nullable CounterDataPoint inputTokens,
      @Nullable CounterDataPoint outputTokens,
      @Nullable DistributionDataPoint apiLatency,
      @Nullable DistributionDataPoint firstToken,
      @Nullable DistributionDataPoint overhead,
      @Nullable DistributionDataPoint perOutputToken) {}

  /** Label sets seen, while the snapshots their values came from are current; drain thread only. */
  private final java.util.HashMap<SeriesKey, Series> series = new java.util.HashMap<>();

  private @Nullable GovernanceSnapshot seriesGovernance;
  private @Nullable Object seriesRegistry;

  private void count(SpendRecord r) {
    GovernanceSnapshot s = governance.get();
    Object reg = registry.current();
    if (s != seriesGovernance || reg != seriesRegistry || series.size() > 50_000) {
      // An alias, an email or a deployment may have changed: label values are read again.
      series.clear();
      if (reg != seriesRegistry) {
        // Forget deployments that are gone.
        java.util.Set<String> ids = new java.util.HashSet<>();
        registry.current().deployments().forEach(d -> ids.add(d.id()));
        lastFailed.keySet().retainAll(ids);
        used.keySet().retainAll(ids);
        heard.keySet().retainAll(ids);
      }
      seriesGovernance = s;
      seriesRegistry = reg;
    }
    boolean failed = r.status() >= 400;
    String errorClass = failed ? exceptionClass(r) : NONE;
    SeriesKey k =
        new SeriesKey(
            r.keyHash(),
            r.userId(),
            r.teamId(),
            r.organizationId(),
            r.customerId(),
            r.requestedModel(),
            r.modelGroup(),
            r.deploymentId(),
            r.providerModel(),
            r.status(),
            errorClass,
            r.stream(),
            !r.attempts().isEmpty(),
            r.caller());
    Series x = series.get(k);
    if (x == null) {
      x = series(k, s);
      series.put(k, x);
    }
    denials(r);
    x.proxyTotal().inc();
    if (x.proxyFailed() != null) {
      x.proxyFailed().inc();
    }
    x.latency().observe(r.latencyMillis() / 1000.0);
    long endMillis = r.startedAtMillis() + r.latencyMillis();
    attempts(r, s, endMillis);
    if (x.deploymentTotal() == null || r.deploymentId().isEmpty()) {
      return; // refused before any deployment: no tokens, no spend, no deployment
    }
    x.deploymentTotal().inc();
    if (x.deploymentOutcome() != null) {
      x.deploymentOutcome().inc();
    }
    if (x.requests() != null) {
      x.requests().inc();
    }
    if (x.spend() != null && r.costNanos().isPresent() && r.costNanos().getAsLong() > 0) {
      x.spend().inc(BigDecimal.valueOf(r.costNanos().getAsLong(), 9).doubleValue());
    }
    long in = r.inputTokens() + r.cacheReadTokens() + r.cacheCreationTokens();
    long out = r.outputTokens();
    if (in + out > 0
        && x.totalTokens() != null
        && x.inputTokens() != null
        && x.outputTokens() != null) {
      x.totalTokens().inc(in + out);
      x.inputTokens().inc(in);
      x.outputTokens().inc(out);
    }
    timings(r, x, out);
    String id = r.deploymentId().get();
    if (!failed) {
      lastFailed.put(id, Boolean.FALSE);
    } else if (blamed(r.status(), errorClass)) {
      lastFailed.put(id, Boolean.TRUE);
    }
    if (r.upstreamNanos() >= 0) {
      // Sent to the deployment: it counts against its rpm and tpm.
      used.computeIfAbsent(id, i -> new Minute()).add(endMillis / 60_000, 1, in + out);
    }
    if (r.priceState().equals("unknown") && !failed) {
      unpriced.labelValues(r.modelGroup()).inc();
    }
    if (r.usageSource() == UsageSource.ESTIMATED) {
      estimated.labelValues(r.modelGroup()).inc();
    }
  }

  /** The latency histograms of a served request, from the timings its record carries. */
  private static void timings(SpendRecord r, Series x, long outputTokens) {
    if (r.upstreamNanos() < 0) {
      return;
    }
    if (x.apiLatency() != null) {
      x.apiLatency().observe(seconds(r.upstreamNanos()));
    }
    if (x.firstToken() != null && r.firstTokenNanos() >= 0) {
      x.firstToken().observe(seconds(r.firstTokenNanos()));
    }
    if (x.overhead() != null && r.forwardedAfterNanos() >= 0) {
      x.overhead().observe(seconds(r.forwardedAfterNanos()));
    }
    if (x.perOutputToken() != null && outputTokens > 0) {
      // As LiteLLM: to the first byte when streamed, else the whole call.
      long nanos = r.firstTokenNanos() >= 0 ? r.firstTokenNanos() : r.upstreamNanos();
      x.perOutputToken().observe(seconds(nanos) / outputTokens);
    }
  }

  /**
   * Counts what a request's earlier attempts did: each failed call to a deployment before the last
   * attempt (those admission passed over were never sent, and are not calls), and each fallback
   * group tried, as a successful fallback if it served the request and a failed one if not, under
   * the status and class of the requested group's last failure (503 {@code ServiceUnavailableError}
   * when every deployment of the group was cooling down and none was tried). Only requests that
   * took more than one attempt, or fell back, have any.
   */
  private void attempts(SpendRecord r, GovernanceSnapshot s, long endMillis) {
    List<SpendRecord.Attempt> as = r.attempts();
    boolean fellBack = !r.requestedModel().equals(r.modelGroup());
    if (as.isEmpty() && !fellBack) {
      return;
    }
    @Nullable VirtualKey key = s.keyByHash(r.keyHash()).orElse(null);
    String keyAlias = key == null ? NONE : key.keyAlias().orElse(NONE);
    String team = r.teamId().orElse(NONE);
    @Nullable Team t = r.teamId().map(id -> s.teams().get(id)).orElse(null);
    String teamAlias = t == null ? NONE : t.alias().orElse(NONE);
    for (int i = 0; i < as.size() - 1; i++) {
      SpendRecord.Attempt a = as.get(i);
      String cls = a.errorClass().orElse(NONE);
      if (!blamed(a.status(), cls)) {
        continue;
      }
      Optional<Deployment> d = registry.current().deployment(a.deploymentId());
      String model = d.map(x -> x.params().model()).orElse(NONE);
      String apiBase = d.map(RequestMetrics::apiBase).orElse(NONE);
      String provider = d.map(RequestMetrics::provider).orElse(NONE);
      deploymentTotal
          .at(
              a.modelGroup(),
              model,
              a.deploymentId(),
              apiBase,
              provider,
              r.keyHash(),
              keyAlias,
              team,
              teamAlias,
              NONE,
              NONE)
          .inc();
      deploymentFailure
          .at(
              a.modelGroup(),
              model,
              a.deploymentId(),
              apiBase,
              provider,
              Integer.toString(a.status()),
              cls,
              r.keyHash(),
              keyAlias,
              team,
              teamAlias,
              NONE,
              NONE)
          .inc();
      lastFailed.put(a.deploymentId(), Boolean.TRUE);
      used.computeIfAbsent(a.deploymentId(), x -> new Minute()).add(endMillis / 60_000, 1, 0);
    }
    if (!fellBack) {
      return;
    }
    String status = "503";
    String cls = "ServiceUnavailableError";
    List<String> groups = new ArrayList<>(2);
    for (SpendRecord.Attempt a : as) {
      if (a.modelGroup().equals(r.requestedModel())) {
        status = Integer.toString(a.status());
        cls = a.errorClass().orElse(NONE);
      } else if (!groups.contains(a.modelGroup())) {
        groups.add(a.modelGroup());
      }
    }
    if (groups.isEmpty()) {
      groups.add(r.modelGroup());
    }
    for (String g : groups) {
      boolean served = r.status() < 400 && g.equals(r.modelGroup());
      (served ? successfulFallbacks : failedFallbacks)
          .at(r.requestedModel(), g, r.keyHash(), keyAlias, team, teamAlias, status, cls, NONE)
          .inc();
    }
  }

  /**
   * Whether a failure is the deployment's: not the gateway's own refusal on a budget or rate limit,
   * and not a client that went away.
   */
  private static String orNone(String value) {
    return value.isEmpty() ? NONE : value;
  }

  private static boolean blamed(int status, String errorClass) {
    return status >= 400 && status != 499 && !errorClass.equals(REFUSED);
  }

  /** Looks up every data point of a label set, reading aliases and the deployment once. */
  private Series series(SeriesKey k, GovernanceSnapshot s) {
    @Nullable VirtualKey key = s.keyByHash(k.keyHash()).orElse(null);
    String keyHash = k.keyHash();
    String keyAlias = key == null ? NONE : key.keyAlias().orElse(NONE);
    String team = k.teamId().orElse(NONE);
    @Nullable Team t = k.teamId().map(id -> s.teams().get(id)).orElse(null);
    String teamAlias = t == null ? NONE : t.alias().orElse(NONE);
    String user = k.userId().orElse(NONE);
    @Nullable User u = k.userId().map(id -> s.users().get(id)).orElse(null);
    String email = u == null ? NONE : u.email().orElse(NONE);
    String endUser = k.customerId().orElse(NONE);
    String org = k.organizationId().orElse(NONE);
    @Nullable Organization o = k.organizationId().map(id -> s.organizations().get(id)).orElse(null);
    String orgAlias = o == null ? NONE : o.alias().orElse(NONE);
    String requested = k.requestedModel();
    String group = k.modelGroup();
    String modelId = k.deploymentId().orElse(NONE);
    String model = k.providerModel().orElse(NONE);
    Optional<Deployment> d = k.deploymentId().flatMap(id -> registry.current().deployment(id));
    String provider = d.map(RequestMetrics::provider).orElse(NONE);
    String apiBase = d.map(RequestMetrics::apiBase).orElse(NONE);
    String status = Integer.toString(k.status());
    boolean failed = k.status() >= 400;
    String errorClass = k.errorClass();
    String route = k.caller().map(c -> orNone(c.route())).orElse(NONE);
    String clientIp = k.caller().map(c -> orNone(c.clientIp())).orElse(NONE);
    String userAgent = k.caller().map(c -> orNone(c.userAgent())).orElse(NONE);

    CounterDataPoint total =
        proxyTotal.at(
            endUser, keyHash, keyAlias, requested, team, teamAlias, user, status, email, route,
            clientIp, userAgent, modelId, org, orgAlias);
    CounterDataPoint failures =
        failed
            ? proxyFailed.at(
                endUser,
                keyHash,
                keyAlias,
                requested,
                team,
                teamAlias,
                user,
                email,
                status,
                errorClass,
                route,
                clientIp,
                userAgent,
                modelId,
                org,
                orgAlias)
            : null;
    DistributionDataPoint latency =
        totalLatency.at(
            endUser, keyHash, keyAlias, group, team, teamAlias, user, model, modelId, org,
            orgAlias);
    if (k.deploymentId().isEmpty()) {
      return new Series(
          total, failures, latency, null, null, null, null, null, null, null, null, null, null,
          null);
    }
    String[] tl = {
      endUser, keyHash, keyAlias, model, team, teamAlias, user, email, group, modelId, org, orgAlias
    };
    String[] api = {model, keyHash, keyAlias, team, teamAlias, group, endUser, user, modelId};
    return new Series(
        total,
        failures,
        latency,
        deploymentTotal.at(
            group, model, modelId, apiBase, provider, keyHash, keyAlias, team, teamAlias, clientIp,
            userAgent),
        failed
            ? deploymentFailure.at(
                group,
                model,
                modelId,
                apiBase,
                provider,
                status,
                errorClass,
                keyHash,
                keyAlias,
                team,
                teamAlias,
                clientIp,
                userAgent)
            : deploymentSuccess.at(
                group, model, modelId, apiBase, provider, keyHash, keyAlias, team, teamAlias,
                clientIp, userAgent),
        failed
            ? null
            : requests.at(
                endUser, keyHash, keyAlias, model, team, teamAlias, user, email, clientIp,
                userAgent, modelId, provider, org, orgAlias),
        spend.at(
            endUser, keyHash, keyAlias, model, team, teamAlias, user, email, clientIp, userAgent,
            modelId, provider, org, orgAlias),
        totalTokens.at(tl),
        inputTokens.at(tl),
        outputTokens.at(tl),
        failed ? null : apiLatency.at(api),
        failed || !k.stream() ? null : firstToken.at(api),
        failed || k.retried()
            ? null
            : overhead.at(group, provider, apiBase, model, keyHash, keyAlias, modelId),
        failed
            ? null
            : perOutputToken.at(
                model, modelId, apiBase, provider, keyHash, keyAlias, team, teamAlias));
  }

  /**
   * Counts a refusal by one of the gateway's own budgets or rate limits, read from the error code
   * ({@code <level>_budget_exceeded}, {@code <level>_<limit>_exceeded}); an upstream's 429 has
   * another code and is not counted here.
   */
  private void denials(SpendRecord r) {
    if (r.status() != 429 || r.errorCode().isEmpty()) {
      return;
    }
    String code = r.errorCode().get();
    String type = r.errorType().orElse("");
    if (type.equals("budget_exceeded") && code.endsWith("_budget_exceeded")) {
      budgetDenials
          .labelValues(code.substring(0, code.length() - "_budget_exceeded".length()))
          .inc();
    } else if (type.equals("rate_limit_exceeded")) {
      for (String limit : RATE_LIMITS) {
        String suffix = "_" + limit + "_exceeded";
        if (code.endsWith(suffix)) {
          rateLimitDenials
              .labelValues(code.substring(0, code.length() - suffix.length()), limit)
              .inc();
          return;
        }
      }
    }
  }

  private static final List<String> RATE_LIMITS =
      List.of("rpm_limit", "tpm_limit", "max_parallel_requests");

  /** LiteLLM's exception class for a failed request's record. */
  private static String exceptionClass(SpendRecord r) {
    if (!r.attempts().isEmpty()) {
      return r.attempts().get(r.attempts().size() - 1).errorClass().orElse(NONE);
    }
    String type = r.errorType().orElse("");
    if (type.equals("budget_exceeded")) {
      return "BudgetExceededError";
    }
    return switch (r.status()) {
      case 400 -> "BadRequestError";
      case 401 -> "AuthenticationError";
      case 403 -> "PermissionDeniedError";
      case 404 -> "NotFoundError";
      case 408, 504 -> "Timeout";
      case 429 -> "RateLimitError";
      case 503 -> "ServiceUnavailableError";
      default -> r.status() >= 500 ? "InternalServerError" : "BadRequestError";
    };
  }

  private Counted counter(String metric, String help) {
    Shape s = Shape.of(config, metric);
    return new Counted(
        Counter.builder()
            .name(metric)
            .help(help)
            .labelNames(s.names())
            .register(s.registry(prometheus)),
        s);
  }

  private Timed histogram(String metric, String help, double[] buckets) {
    Shape s = Shape.of(config, metric);
    return new Timed(
        Histogram.builder()
            .name(metric)
            .help(help)
            .labelNames(s.names())
            .classicUpperBounds(buckets)
            .classicOnly()
            .register(s.registry(prometheus)),
        s);
  }

  /** A counter of Tollgate's own, which {@code prometheus_metrics_config} does not filter. */
  private Counter plain(String name, String help, String... labels) {
    return Counter.builder().name(name).help(help).labelNames(labels).register(prometheus);
  }

  private static String apiBase(Deployment d) {
    return d.params().apiBase().map(Redaction::url).orElse(NONE);
  }

  private static String provider(Deployment d) {
    return d.params().provider();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** A LiteLLM counter and its shape: data points by every label's value, in LiteLLM's order. */
  private record Counted(Counter counter, Shape shape) {
    CounterDataPoint at(String... values) {
      return counter.labelValues(shape.pick(values));
    }
  }

  /** A LiteLLM histogram and its shape. */
  private record Timed(Histogram histogram, Shape shape) {
    DistributionDataPoint at(String... values) {
      return histogram.labelValues(shape.pick(values));
    }
  }

  /** One deployment's count of requests and tokens in the latest minute counted. */
  private static final class Minute {
    private long minute = -1;
    private long requests;
    private long tokens;

    synchronized void add(long m, long moreRequests, long moreTokens) {
      if (m > minute) {
        minute = m;
        requests = 0;
        tokens = 0;
      }
      if (m == minute) {
        requests += moreRequests;
        tokens += moreTokens;
      }
    }

    synchronized long count(long m, boolean ofRequests) {
      return m != minute ? 0 : ofRequests ? requests : tokens;
    }
  }
}
