package dev.tollgate.metrics;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.User;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.provider.Redaction;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.RegistryHolder;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * resolves the labels (key and team aliases, the deployment's provider) and counts. A full queue
 * drops the record from the metrics only, and counts the drop. Thread-safe.
 */
public final class RequestMetrics implements SpendSink {
  private static final Logger LOG = LoggerFactory.getLogger(RequestMetrics.class);

  /** LiteLLM's latency buckets, in seconds. */
  static final double[] LATENCY_BUCKETS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 420.0,
    600.0
  };

  private static final String NONE = PrometheusMetrics.NONE;

  /** How often the counting thread empties the queue. */
  private static final long DRAIN_MILLIS = 50;

  private final Supplier<GovernanceSnapshot> governance;
  private final RegistryHolder registry;
  private final BlockingQueue<SpendRecord> queue = new ArrayBlockingQueue<>(65_536);
  private final LongAdder dropped = new LongAdder();

  private final Counter proxyTotal;
  private final Counter proxyFailed;
  private final Counter requests;
  private final Counter spend;
  private final Counter totalTokens;
  private final Counter inputTokens;
  private final Counter outputTokens;
  private final Histogram totalLatency;
  private final Counter deploymentTotal;
  private final Counter deploymentSuccess;
  private final Counter deploymentFailure;
  private final Counter unpriced;
  private final Counter estimated;
  private final Counter budgetDenials;
  private final Counter rateLimitDenials;

  public RequestMetrics(
      PrometheusRegistry prometheus,
      Supplier<GovernanceSnapshot> governance,
      RegistryHolder registry) {
    this.governance = requireNonNull(governance, "governance");
    this.registry = requireNonNull(registry, "registry");
    proxyTotal =
        counter(
            prometheus,
            "litellm_proxy_total_requests_metric",
            "Requests made to the proxy, by the status returned to the client",
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "requested_model",
            "team",
            "team_alias",
            "user",
            "status_code",
            "user_email",
            "route",
            "client_ip",
            "user_agent",
            "model_id",
            "org_id",
            "org_alias");
    proxyFailed =
        counter(
            prometheus,
            "litellm_proxy_failed_requests_metric",
            "Requests the client did not get a success response for",
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "requested_model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "exception_status",
            "exception_class",
            "route",
            "client_ip",
            "user_agent",
            "model_id",
            "org_id",
            "org_alias");
    requests =
        counter(
            prometheus,
            "litellm_requests_metric",
            "Requests served by an LLM deployment",
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "client_ip",
            "user_agent",
            "model_id",
            "api_provider",
            "org_id",
            "org_alias");
    spend =
        counter(
            prometheus,
            "litellm_spend_metric",
            "Spend on LLM requests, in USD",
            "end_user",
            "hashed_api_key",
            "api_key_alias",
            "model",
            "team",
            "team_alias",
            "user",
            "user_email",
            "client_ip",
            "user_agent",
            "model_id",
            "api_provider",
            "org_id",
            "org_alias");
    String[] tokenLabels = {
      "end_user",
      "hashed_api_key",
      "api_key_alias",
      "model",
      "team",
      "team_alias",
      "user",
      "user_email",
      "requested_model",
      "model_id",
      "org_id",
      "org_alias"
    };
    totalTokens =
        counter(
            prometheus,
            "litellm_total_tokens_metric",
            "Input and output tokens of LLM requests",
            tokenLabels);
    inputTokens =
        counter(
            prometheus,
            "litellm_input_tokens_metric",
            "Input tokens of LLM requests, cached ones included",
            tokenLabels);
    outputTokens =
        counter(
            prometheus,
            "litellm_output_tokens_metric",
            "Output tokens of LLM requests",
            tokenLabels);
    totalLatency =
        Histogram.builder()
            .name("litellm_request_total_latency_metric")
            .help("Total latency of a request to the proxy, in seconds")
            .labelNames(
                "end_user",
                "hashed_api_key",
                "api_key_alias",
                "requested_model",
                "team",
                "team_alias",
                "user",
                "model",
                "model_id",
                "org_id",
                "org_alias")
            .classicUpperBounds(LATENCY_BUCKETS)
            .classicOnly()
            .register(prometheus);
    String[] deploymentLabels = {
      "requested_model",
      "litellm_model_name",
      "model_id",
      "api_base",
      "api_provider",
      "hashed_api_key",
      "api_key_alias",
      "team",
      "team_alias",
      "client_ip",
      "user_agent"
    };
    deploymentTotal =
        counter(
            prometheus,
            "litellm_deployment_total_requests",
            "Requests a deployment answered or failed",
            deploymentLabels);
    deploymentSuccess =
        counter(
            prometheus,
            "litellm_deployment_success_responses",
            "Successful responses from a deployment",
            deploymentLabels);
    deploymentFailure =
        counter(
            prometheus,
            "litellm_deployment_failure_responses",
            "Failed responses from a deployment",
            "requested_model",
            "litellm_model_name",
            "model_id",
            "api_base",
            "api_provider",
            "exception_status",
            "exception_class",
            "hashed_api_key",
            "api_key_alias",
            "team",
            "team_alias",
            "client_ip",
            "user_agent");
    unpriced =
        counter(
            prometheus,
            "tollgate_unpriced_requests",
            "Requests served by a deployment whose price is unknown (never counted as free)",
            "model_group");
    estimated =
        counter(
            prometheus,
            "tollgate_estimated_usage_requests",
            "Requests billed from estimated usage because the provider reported none",
            "model_group");
    budgetDenials =
        counter(
            prometheus,
            "tollgate_budget_denials",
            "Requests refused by a budget, by the level of the budget that refused them",
            "level");
    rateLimitDenials =
        counter(
            prometheus,
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
      while (queue.drainTo(batch, 1024) > 0) {
        for (SpendRecord r : batch) {
          try {
            count(r);
          } catch (RuntimeException e) {
            LOG.warn("request {} left out of the metrics: {}", r.requestId(), e.toString());
          }
        }
        batch.clear();
      }
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
      String modelGroup,
      Optional<String> deploymentId,
      Optional<String> providerModel,
      int status,
      String errorClass) {}

  /** The data points of one label set; the deployment ones are null when none served it. */
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
      @Nullable CounterDataPoint outputTokens) {}

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
      seriesGovernance = s;
      seriesRegistry = reg;
    }
    boolean failed = r.status() >= 400;
    SeriesKey k =
        new SeriesKey(
            r.keyHash(),
            r.userId(),
            r.teamId(),
            r.organizationId(),
            r.customerId(),
            r.modelGroup(),
            r.deploymentId(),
            r.providerModel(),
            r.status(),
            failed ? exceptionClass(r) : NONE);
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
    if (x.deploymentTotal() == null) {
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
    if (r.priceState().equals("unknown") && !failed) {
      unpriced.labelValues(r.modelGroup()).inc();
    }
    if (r.usageSource() == UsageSource.ESTIMATED) {
      estimated.labelValues(r.modelGroup()).inc();
    }
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
    String group = k.modelGroup();
    String modelId = k.deploymentId().orElse(NONE);
    String model = k.providerModel().orElse(NONE);
    Optional<Deployment> d = k.deploymentId().flatMap(id -> registry.current().deployment(id));
    String provider = d.map(x -> x.params().provider()).orElse(NONE);
    String apiBase = d.flatMap(x -> x.params().apiBase()).map(Redaction::url).orElse(NONE);
    String status = Integer.toString(k.status());
    boolean failed = k.status() >= 400;
    String errorClass = k.errorClass();

    CounterDataPoint total =
        proxyTotal.labelValues(
            endUser, keyHash, keyAlias, group, team, teamAlias, user, status, email, NONE, NONE,
            NONE, modelId, org, orgAlias);
    CounterDataPoint failures =
        failed
            ? proxyFailed.labelValues(
                endUser,
                keyHash,
                keyAlias,
                group,
                team,
                teamAlias,
                user,
                email,
                status,
                errorClass,
                NONE,
                NONE,
                NONE,
                modelId,
                org,
                orgAlias)
            : null;
    DistributionDataPoint latency =
        totalLatency.labelValues(
            endUser, keyHash, keyAlias, group, team, teamAlias, user, model, modelId, org,
            orgAlias);
    if (k.deploymentId().isEmpty()) {
      return new Series(total, failures, latency, null, null, null, null, null, null, null);
    }
    String[] tl = {
      endUser, keyHash, keyAlias, model, team, teamAlias, user, email, group, modelId, org, orgAlias
    };
    return new Series(
        total,
        failures,
        latency,
        deploymentTotal.labelValues(
            group, model, modelId, apiBase, provider, keyHash, keyAlias, team, teamAlias, NONE,
            NONE),
        failed
            ? deploymentFailure.labelValues(
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
                NONE,
                NONE)
            : deploymentSuccess.labelValues(
                group, model, modelId, apiBase, provider, keyHash, keyAlias, team, teamAlias, NONE,
                NONE),
        failed
            ? null
            : requests.labelValues(
                endUser, keyHash, keyAlias, model, team, teamAlias, user, email, NONE, NONE,
                modelId, provider, org, orgAlias),
        spend.labelValues(
            endUser, keyHash, keyAlias, model, team, teamAlias, user, email, NONE, NONE, modelId,
            provider, org, orgAlias),
        totalTokens.labelValues(tl),
        inputTokens.labelValues(tl),
        outputTokens.labelValues(tl));
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

  private static Counter counter(
      PrometheusRegistry prometheus, String name, String help, String... labels) {
    return Counter.builder().name(name).help(help).labelNames(labels).register(prometheus);
  }
}
