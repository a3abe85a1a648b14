package dev.tollgate.health;

import dev.tollgate.budget.Outcome;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.budget.TokenBound;
import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.UpstreamResponse;
import dev.tollgate.routing.Deployment;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one round of health checks: every deployment at once, each through its provider's adapter
 * and within its probe's timeout. Each call that reached an upstream hands one spend record to the
 * sink, under {@link SpendRecord#HEALTH_CHECK_KEY_HASH}, at the deployment's price: an unknown
 * price leaves the cost empty, never 0. One per event loop, like the providers it calls; runs on it
 * and never blocks.
 */
final class Checker {
  private static final Logger LOG = LoggerFactory.getLogger(Checker.class);

  private final Vertx vertx;
  private final Providers providers;
  private final SpendSink spend;
  private final Clock clock;

  Checker(Vertx vertx, Providers providers, SpendSink spend, Clock clock) {
    this.vertx = vertx;
    this.providers = providers;
    this.spend = spend;
    this.clock = clock;
  }

  /** Checks {@code deployments}; the report keeps their order. Never fails. */
  Future<Report> run(List<Deployment> deployments) {
    List<Future<Report.Result>> checks = new ArrayList<>(deployments.size());
    for (Deployment d : deployments) {
      checks.add(check(d));
    }
    return Future.join(checks)
        .transform(
            ar -> {
              List<Report.Result> results = new ArrayList<>(checks.size());
              for (Future<Report.Result> f : checks) {
                results.add(f.result());
              }
              return Future.succeededFuture(new Report(results, clock.millis()));
            });
  }

  private Future<Report.Result> check(Deployment d) {
    Probe probe;
    try {
      probe = Probe.of(d);
    } catch (RuntimeException e) {
      return Future.succeededFuture(unhealthy(d, d.params().model(), Errors.from(e)));
    }
    String model = probe.params().model();
    Optional<Provider> found = providers.forName(probe.params().provider());
    if (found.isEmpty()) {
      return Future.succeededFuture(
          unhealthy(
              d,
              model,
              GatewayException.of(
                  501,
                  "not_implemented",
                  "model",
                  "provider_not_supported",
                  "provider '"
                      + probe.params().provider()
                      + "' is not supported by this version of Tollgate")));
    }
    long startedAt = clock.millis();
    long startedNanos = System.nanoTime();
    Cancellation cancellation = new Cancellation();
    Promise<UpstreamResponse> answer = Promise.promise();
    // The adapters time out on their own; this holds the mock and any other to the same bound.
    long timer =
        vertx.setTimer(
            probe.timeoutMillis(),
            id -> {
              if (answer.tryFail(
                  GatewayException.timeout(
                      "health check timed out after " + probe.timeoutMillis() + " ms"))) {
                cancellation.cancel();
              }
            });
    Future<UpstreamResponse> call;
    try {
      call =
          found
              .get()
              .call(
                  new UpstreamRequest(
                      probe.request(),
                      d.id(),
                      probe.params(),
                      probe.timeoutMillis(),
                      cancellation,
                      d.maxOutputTokens()));
    } catch (RuntimeException e) {
      call = Future.failedFuture(e);
    }
    call.onComplete(
        ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            answer.tryComplete(ar.result());
          } else {
            answer.tryFail(ar.cause());
          }
        });
    return answer
        .future()
        .transform(
            ar -> {
              GatewayException error = ar.failed() ? Errors.from(ar.cause()) : null;
              try {
                record(d, probe, ar, error, startedAt, startedNanos);
              } catch (RuntimeException e) {
                LOG.error("recording the health check of deployment {} failed", d.id(), e);
              }
              return Future.succeededFuture(
                  error == null
                      ? new Report.Result(d, model, Optional.empty())
                      : unhealthy(d, model, error));
            });
  }

  private static Report.Result unhealthy(Deployment d, String model, GatewayException error) {
    return new Report.Result(d, model, Optional.of(error));
  }

  /**
   * Hands the call's spend record to the sink. A call that may have used tokens without reporting
   * them (answered without usage, or timed out with the prompt sent) is charged at its bounds: the
   * prompt's token bound and the {@code max_tokens} it was sent.
   */
  private void record(
      Deployment d,
      Probe probe,
      AsyncResult<UpstreamResponse> ar,
      @Nullable GatewayException error,
      long startedAt,
      long startedNanos) {
    Optional<Usage> usage = ar.succeeded() ? ar.result().usage() : Optional.empty();
    Outcome outcome = Outcome.of(true, usage, error, false);
    if (outcome instanceof Outcome.Unreported) {
      byte[] body = probe.request().body();
      outcome =
          new Outcome.Estimated(
              Usage.tokens(TokenBound.of(body, 0, body.length), probe.maxTokens().orElse(0)));
    }
    Price price = d.price();
    OptionalLong cost = outcome.cost(price);
    Usage u = outcome.usage();
    spend.record(
        new SpendRecord(
            UUID.randomUUID().toString(),
            startedAt,
            SpendRecord.HEALTH_CHECK_KEY_HASH,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            List.of(SpendRecord.HEALTH_CHECK_KEY_HASH),
            d.modelName(),
            Optional.of(d.id()),
            Optional.of(probe.params().model()),
            price.state(),
            price.sourceName(),
            u.inputTokens(),
            u.outputTokens(),
            u.cacheReadTokens(),
            u.cacheCreationTokens() + u.cacheCreation1hTokens(),
            u.reasoningTokens(),
            cost,
            outcome.source(),
            error == null ? ar.result().status() : error.status(),
            error == null ? Optional.empty() : Optional.of(error.type()),
            (System.nanoTime() - startedNanos) / 1_000_000,
            false));
  }
}
