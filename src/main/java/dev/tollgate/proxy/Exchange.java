package dev.tollgate.proxy;

import dev.tollgate.budget.Decision;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Outcome;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Units;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.routing.Attempts;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.tracing.RequestTrace;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LLM request on its way through the gateway: what it asked for, who asked, its attempts so
 * far, and what the attempt in progress holds. When the request ends, however it ends, it hands
 * exactly one {@link SpendRecord} to the sink, at the price of the deployment of its last attempt
 * (the one that served it, when one did). {@link Outcome} decides what the end cost; an unreported
 * one (tokens may have been used, none were reported) is recorded once its usage has been estimated
 * on a worker ({@link UsageEstimator}), never as free. Event-loop confined.
 */
final class Exchange implements ClientSseSink.Owner, Attempts.Targets {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  private final ProxyHandler handler;
  final HttpServerRequest request;
  final Dialect dialect;
  private final SpendSink sink;
  private final Enforcer enforcer;
  final long startedAt;
  final long startedNanos;
  final String requestId = RequestIds.next();
  final @Nullable Context context = Vertx.currentContext();

  /** The client's body when its API is bridged: what is sent to a provider that speaks it. */
  byte @Nullable [] clientBody;

  String keyHash = "";
  @Nullable Principal principal;
  @Nullable ParsedRequest parsed;
  List<String> tags = List.of();
  String modelGroup = "";

  /** The group the client asked for (after aliases); {@link #modelGroup} is the one serving. */
  String requestedGroup = "";

  @Nullable String customer;
  boolean stream;
  @Nullable Attempts attempts;

  // The attempt in progress.

  @Nullable Deployment deployment;
  @Nullable Provider provider;

  /** The id the attempt in progress is admitted under. */
  String admissionId;

  /** Its admission, once admitted. */
  Decision.@Nullable Admitted admitted;

  boolean forwarded;

  /** When the attempt in progress was forwarded, and when its stream's head went out (or -1). */
  long forwardedNanos;

  long firstByteNanos = -1;

  /** Whether the router was told the attempt in progress ended. */
  boolean attemptEnded;

  /** Whether the attempt's answer is {@code mock_response}, made by the gateway: billed as free. */
  boolean mocked;

  /** The stream's sink, which knows what was relayed. */
  @Nullable ClientSseSink streamSink;

  /** The body of a non-streamed answer. */
  byte @Nullable [] answer;

  private boolean done;

  /** The request's spans; null when tracing is off. */
  @Nullable RequestTrace trace;

  /** The attempts that failed before the one in progress, once there was one; else null. */
  @Nullable List<SpendRecord.Attempt> tried;

  /** The request's part in the response cache; null when it takes none. */
  Caching.@Nullable Lookup cache;

  /** Present once the response cache answered the request. */
  private Optional<SpendRecord.CacheHit> cacheHit = Optional.empty();

  Exchange(
      ProxyHandler handler,
      HttpServerRequest request,
      Dialect dialect,
      SpendSink sink,
      Enforcer enforcer,
      long startedAt,
      long startedNanos) {
    this.handler = handler;
    this.request = request;
    this.dialect = dialect;
    this.sink = sink;
    this.enforcer = enforcer;
    this.startedAt = startedAt;
    this.startedNanos = startedNanos;
    this.admissionId = requestId;
  }

  ParsedRequest parsed() {
    return Objects.requireNonNull(parsed, "parsed");
  }

  /** The attempt in progress failed with {@code error} and another follows: lists it. */
  void attemptFailed(GatewayException error) {
    Deployment d = deployment;
    if (d == null) {
      return;
    }
    List<SpendRecord.Attempt> t = tried;
    if (t == null) {
      t = new java.util.ArrayList<>(4);
      tried = t;
    }
    t.add(SpendRecord.Attempt.failed(modelGroup, d.id(), error));
  }

  /** Starts an attempt on {@code d}, forgetting what the previous one held. */
  void beginAttempt(Deployment d) {
    deployment = d;
    mocked = false;
    provider = null;
    admitted = null;
    forwarded = false;
    attemptEnded = false;
    firstByteNanos = -1;
    streamSink = null;
    answer = null;
  }

  boolean done() {
    return done;
  }

  Attempts attempts() {
    return Objects.requireNonNull(attempts, "attempts");
  }

  @Override
  public @Nullable ModelGroup fallbackGroup(String name) {
    return handler.fallbackGroup(this, name);
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public void head(HttpServerResponse response) {
    firstByteNanos = System.nanoTime();
    handler.headers(response, this, null);
  }

  @Override
  public boolean retry(GatewayException error) {
    return handler.retryBeforeHead(this, error);
  }

  @Override
  public void done(Optional<Usage> usage, @Nullable GatewayException error) {
    finish(usage, error);
    Caching.Lookup l = cache;
    if (l != null && error == null) {
      l.keepStream(this, usage);
    }
  }

  /**
   * Records a request the response cache answered, once, as one that used nothing (0, or unknown at
   * an unknown price) and saved {@code saved}; the admission it holds (which reserved nothing) is
   * settled with it. Returns the cost recorded.
   */
  OptionalLong finishHit(OptionalLong saved) {
    if (done) {
      return OptionalLong.empty();
    }
    done = true;
    if (admitted != null) {
      enforcer.adopt(admissionId, requestId);
    }
    cacheHit = Optional.of(new SpendRecord.CacheHit(saved));
    Outcome nothingUsed = new Outcome.NotForwarded();
    Deployment d = deployment;
    OptionalLong cost = nothingUsed.cost(d == null ? Price.UNKNOWN : d.price());
    record(nothingUsed, cost, null);
    return cost;
  }

  /**
   * Records the outcome once; returns the cost it recorded, or empty when it is unknown or still
   * being estimated. The attempt in progress, if admitted, is the one the record settles.
   */
  OptionalLong finish(Optional<Usage> usage, @Nullable GatewayException error) {
    if (done) {
      return OptionalLong.empty();
    }
    done = true;
    handler.attemptEnded(this, usage, error);
    if (admitted != null) {
      enforcer.adopt(admissionId, requestId);
    }
    ClientSseSink s = streamSink;
    Outcome outcome = Outcome.of(forwarded, usage, error, s != null && s.begun());
    Deployment d = deployment;
    ParsedRequest req = parsed;
    if (outcome instanceof Outcome.Unreported && d != null && req != null) {
      estimateThenRecord(d, req, error);
      return OptionalLong.empty();
    }
    Price price = price(d);
    if (outcome instanceof Outcome.Reported r && d != null && req != null) {
      outcome = new Outcome.Reported(measured(d, req, r.usage()));
    }
    OptionalLong cost = outcome.cost(price);
    record(outcome, cost, error);
    return cost;
  }

  /**
   * {@code usage} with the units measured that {@code d}'s price counts besides tokens (time,
   * characters, queries, images); {@code usage} itself for the rest, after one check.
   */
  private Usage measured(Deployment d, ParsedRequest req, Usage usage) {
    if (!Units.measured(d.price())) {
      return usage;
    }
    // Whole milliseconds, rounded up: a call shorter than one is still billed.
    long millis =
        forwarded ? Math.max(1, Math.ceilDiv(System.nanoTime() - forwardedNanos, 1_000_000)) : 0;
    return MeasuredUnits.measure(
        d.price(), usage, req, millis, streamSink == null ? null : streamSink.relayed(), answer);
  }

  private void estimateThenRecord(
      Deployment d, ParsedRequest req, @Nullable GatewayException error) {
    Relayed relayed = streamSink == null ? null : streamSink.relayed();
    byte[] body = answer;
    String model = d.params().model();
    Callable<Usage> job = () -> UsageEstimator.estimate(req, model, relayed, body);
    Context ctx = context;
    String id = requestId;
    if (ctx == null) {
      recordEstimate(d, estimateOrBound(id, job, req, relayed), error);
      return;
    }
    ctx.<Usage>executeBlocking(() -> estimateOrBound(id, job, req, relayed), false)
        .onComplete(
            ar -> recordEstimate(d, ar.succeeded() ? ar.result() : bound(req, relayed), error));
  }

  /** Who sent {@code request}: its path, its peer's address and its {@code User-Agent}. */
  private static SpendRecord.Caller caller(HttpServerRequest request) {
    io.vertx.core.net.SocketAddress peer = request.remoteAddress();
    String ip = peer == null ? null : peer.hostAddress();
    String agent = request.getHeader(io.vertx.core.http.HttpHeaders.USER_AGENT);
    String path = request.path();
    return new SpendRecord.Caller(
        path == null ? "" : path, ip == null ? "" : ip, agent == null ? "" : agent);
  }

  /** The estimate, or if counting failed, the reservation's bounds: never nothing. */
  private static Usage estimateOrBound(
      String requestId, Callable<Usage> job, ParsedRequest req, @Nullable Relayed relayed) {
    try {
      return job.call();
    } catch (Exception e) {
      LOG.atError()
          .addKeyValue("request_id", requestId)
          .setCause(e)
          .log("estimating usage failed; charging the request's token bounds instead");
      return bound(req, relayed);
    }
  }

  private static Usage bound(ParsedRequest req, @Nullable Relayed relayed) {
    long out = relayed == null ? 0 : relayed.keptBytes() + relayed.droppedBytes();
    return Usage.tokens(RequestParser.textTokenBound(req), out);
  }

  private void recordEstimate(Deployment d, Usage u, @Nullable GatewayException error) {
    ParsedRequest req = parsed;
    Outcome estimated = new Outcome.Estimated(req == null ? u : measured(d, req, u));
    record(estimated, estimated.cost(price(d)), error);
  }

  /**
   * What the attempt on {@code d} costs: free when the gateway made the answer ({@code
   * mock_response}), since no provider was paid for it.
   */
  private Price price(@Nullable Deployment d) {
    return d == null ? Price.UNKNOWN : mocked ? Price.FREE : d.price();
  }

  private void record(Outcome outcome, OptionalLong cost, @Nullable GatewayException error) {
    Usage u = outcome.usage();
    Deployment d = deployment;
    Price price = price(d);
    int status = error != null ? error.status() : 200;
    long end = System.nanoTime();
    Principal p = principal;
    List<SpendRecord.Attempt> attempts = List.of();
    List<SpendRecord.Attempt> t = tried;
    if (t != null && d != null) {
      attempts = new java.util.ArrayList<>(t);
      attempts.add(
          error == null
              ? new SpendRecord.Attempt(modelGroup, d.id(), status, Optional.empty())
              : SpendRecord.Attempt.failed(modelGroup, d.id(), error));
    }
    SpendRecord r =
        new SpendRecord(
            requestId,
            startedAt,
            keyHash,
            p == null ? Optional.empty() : p.userId(),
            p == null ? Optional.empty() : p.teamId(),
            p == null ? Optional.empty() : p.organizationId(),
            Optional.ofNullable(customer),
            tags,
            modelGroup,
            d == null ? Optional.empty() : Optional.of(d.id()),
            d == null ? Optional.empty() : Optional.of(d.params().model()),
            price.state(),
            price.sourceName(),
            u.inputTokens(),
            u.outputTokens(),
            u.cacheReadTokens(),
            u.cacheCreationTokens() + u.cacheCreation1hTokens(),
            u.reasoningTokens(),
            cost,
            outcome.source(),
            status,
            error == null ? Optional.empty() : Optional.of(error.type()),
            (end - startedNanos) / 1_000_000,
            stream,
            attempts,
            error == null ? Optional.empty() : Optional.ofNullable(error.code()),
            requestedGroup.isEmpty() ? modelGroup : requestedGroup,
            forwarded ? forwardedNanos - startedNanos : -1,
            forwarded ? end - forwardedNanos : -1,
            forwarded && firstByteNanos >= 0 ? firstByteNanos - forwardedNanos : -1,
            cacheHit,
            handler.callerLabels ? Optional.of(caller(request)) : Optional.empty());
    sink.record(r);
    RequestTrace trace = this.trace;
    if (trace != null) {
      ParsedRequest req = parsed;
      ClientSseSink s = streamSink;
      trace.end(
          r,
          req == null ? null : req.body(),
          error == null && !stream ? answer : null,
          s == null ? List.of() : s.relayed().kept());
    }
    if (RequestSummary.enabled()) {
      RequestSummary.log(
          r, p == null ? Optional.empty() : p.keyAlias(), trace == null ? null : trace.traceId());
    }
  }
}
