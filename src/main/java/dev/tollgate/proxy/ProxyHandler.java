package dev.tollgate.proxy;

import dev.tollgate.budget.Admission;
import dev.tollgate.budget.Decision;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Estimate;
import dev.tollgate.budget.Outcome;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.Router;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LLM request path: authenticate, parse, resolve the model group, pick a deployment, forward,
 * and answer. One per event loop; runs on it and never blocks.
 */
public final class ProxyHandler {
  /** Used when neither the deployment nor router_settings sets a timeout: LiteLLM's 600 s. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 600_000;

  private final RegistryHolder registry;
  private final Authenticator auth;
  private final Providers providers;
  private final RouterSettings routerSettings;
  private final SpendSink spend;
  private final Governance governance;
  private final Enforcer enforcer;
  private final Clock clock;
  private final ProxyCounters counters;

  public ProxyHandler(
      RegistryHolder registry,
      Authenticator auth,
      Providers providers,
      RouterSettings routerSettings,
      SpendSink spend,
      Governance governance,
      Enforcer enforcer,
      Clock clock,
      ProxyCounters counters) {
    this.registry = registry;
    this.auth = auth;
    this.providers = providers;
    this.routerSettings = routerSettings;
    this.spend = spend;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
    this.counters = counters;
  }

  /**
   * Authenticates a request from {@code Authorization: Bearer}, Azure's {@code api-key} or
   * Anthropic's {@code x-api-key}. A header sent twice, or two headers with different keys, are a
   * 400: which one a proxy in front would pass on is not something to guess at.
   */
  public static Principal authenticate(HttpServerRequest req, Authenticator auth) {
    String key = null;
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      if (req.headers().getAll(HttpHeaders.AUTHORIZATION).size() > 1) {
        throw GatewayException.badRequest(
            null, "the request has more than one Authorization header; send one");
      }
      String h = header.trim();
      key = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : h;
      if (key.isEmpty()) {
        key = null;
      }
    }
    key = otherKey(req, "api-key", key);
    key = otherKey(req, "x-api-key", key);
    if (key == null) {
      throw GatewayException.unauthorized(
          "missing API key: send it as 'Authorization: Bearer <key>', or in the 'api-key' or"
              + " 'x-api-key' header");
    }
    return auth.authenticate(key)
        .orElseThrow(() -> GatewayException.unauthorized("invalid API key"));
  }

  /** The key in {@code name}, checked against the key found so far; that key when absent. */
  private static @Nullable String otherKey(
      HttpServerRequest req, String name, @Nullable String found) {
    String value = req.getHeader(name);
    if (value == null || value.isBlank()) {
      return found;
    }
    if (req.headers().getAll(name).size() > 1) {
      throw GatewayException.badRequest(null, "the request has more than one " + name + " header");
    }
    String v = value.trim();
    if (found != null && !found.equals(v)) {
      throw GatewayException.badRequest(
          null, "the request carries different keys in two headers (" + name + "); send one key");
    }
    return v;
  }

  /** Handles one LLM request whose body has been read. */
  void handle(HttpServerRequest request, Buffer body, Inbound inbound) {
    HttpServerResponse response = request.response();
    Dialect dialect = inbound.dialect();
    Ledger ledger = new Ledger(spend, clock.millis(), System.nanoTime(), dialect);
    try {
      Principal principal = authenticate(request, auth);
      ledger.principal = principal;
      ledger.keyHash = principal.keyHash();
      byte[] bytes = body.getBytes();
      Endpoint endpoint = dialect.endpoint();
      if (inbound.group() != null) {
        bytes = RequestParser.withModel(endpoint, bytes, inbound.group());
      }
      ParsedRequest req;
      if (bridged(endpoint)) {
        ledger.clientBody = bytes;
        req = RequestParser.parse(Endpoint.CHAT, dialect.toChat(bytes));
      } else {
        req = RequestParser.parse(endpoint, bytes);
      }
      ledger.request = req;
      ledger.modelGroup = req.model();
      ledger.stream = req.stream();
      ledger.customer = req.user().orElse(endUserHeader(request));
      ModelRegistry snapshot = registry.current();
      ModelGroup group =
          snapshot
              .resolve(req.model())
              .orElseThrow(
                  () ->
                      GatewayException.of(
                          404,
                          "invalid_request_error",
                          "model",
                          "model_not_found",
                          "The model '"
                              + req.model()
                              + "' does not exist or you do not have access to it."));
      ledger.modelGroup = group.name();
      governance.checkModelAccess(principal, req.model(), group.name());
      if (req.endpoint() == Endpoint.EMBEDDINGS && req.stream()) {
        throw GatewayException.badRequest("stream", "embeddings cannot be streamed");
      }
      ledger.tags = requestTags(req, request);
      route(
          request,
          req,
          group,
          Router.order(group, ThreadLocalRandom.current()),
          0,
          principal,
          ledger);
    } catch (RuntimeException e) {
      if (ledger.principal == null) {
        // Not a request of any caller: counted, never a spend record.
        counters.countUnauthenticated();
      } else {
        ledger.finish(Optional.empty(), Errors.from(e));
      }
      HttpErrors.send(response, e, dialect);
    }
  }

  /** Whether a client API reaches providers that do not speak it through chat. */
  private static boolean bridged(Endpoint endpoint) {
    return endpoint == Endpoint.MESSAGES || endpoint == Endpoint.RESPONSES;
  }

  /**
   * Admits the request on {@code candidates.get(i)}, and forwards it. A deployment whose own {@code
   * rpm}, {@code tpm} or {@code max_budget}, or whose provider's budget, is used up is passed over
   * for the next one in the group; when every deployment is, the last refusal (429) is the answer.
   */
  private void route(
      HttpServerRequest request,
      ParsedRequest req,
      ModelGroup group,
      List<Deployment> candidates,
      int i,
      Principal principal,
      Ledger ledger) {
    Deployment deployment = candidates.get(i);
    ledger.deployment = deployment;
    LitellmParams params = deployment.params();
    Provider provider =
        providers
            .forName(params.provider())
            .orElseThrow(
                () ->
                    GatewayException.of(
                        501,
                        "not_implemented",
                        "model",
                        "provider_not_supported",
                        "provider '"
                            + params.provider()
                            + "' of model group '"
                            + group.name()
                            + "' is not supported by this version of Tollgate"));
    Supplier<Estimate> estimate =
        Estimate.deferred(
            () ->
                Estimate.of(
                    RequestParser.textTokenBound(req),
                    req.imageParts(),
                    req.inlineImages(),
                    req.inlineImageBytes(),
                    req.maxTokens(),
                    req.choices(),
                    deployment.maxOutputTokens(),
                    enforcer.settings().reservationOutputTokens(),
                    req.endpoint() != Endpoint.EMBEDDINGS));
    HttpServerResponse response = request.response();
    enforcer
        .admit(
            new Admission(
                ledger.requestId,
                principal,
                req.model(),
                group.name(),
                deployment.id(),
                params.model(),
                deployment.price(),
                Optional.ofNullable(ledger.customer),
                ledger.tags,
                estimate,
                params.rpm(),
                params.tpm(),
                params.budget(),
                params.provider()))
        .onComplete(
            ar -> {
              try {
                Decision d =
                    ar.succeeded() ? ar.result() : new Decision.Denied(Errors.from(ar.cause()));
                if (d instanceof Decision.Denied no
                    && Enforcer.deploymentLimited(no.error())
                    && i + 1 < candidates.size()) {
                  route(request, req, group, candidates, i + 1, principal, ledger);
                  return;
                }
                Decision.Admitted admitted = d.orThrow();
                ledger.tags = admitted.tags();
                if (response.closed()) {
                  // Admitted, but the client is gone: settling releases the reservation.
                  throw GatewayException.clientClosed();
                }
                forward(request, req, deployment, provider, admitted, ledger);
              } catch (RuntimeException e) {
                ledger.finish(Optional.empty(), Errors.from(e));
                HttpErrors.send(response, e, ledger.dialect);
              }
            });
  }

  /**
   * Sends an admitted request upstream and the answer to the client. A request in a bridged API
   * goes as the client sent it when the provider speaks that API, and through chat otherwise: the
   * answer and the stream are then translated back by the client's dialect.
   */
  private void forward(
      HttpServerRequest request,
      ParsedRequest req,
      Deployment deployment,
      Provider provider,
      Decision.Admitted admitted,
      Ledger ledger) {
    HttpServerResponse response = request.response();
    LitellmParams params = deployment.params();
    Dialect dialect = ledger.dialect;
    byte[] clientBody = ledger.clientBody;
    boolean bridge = clientBody != null && !provider.serves(dialect.endpoint(), params.provider());
    ParsedRequest sent =
        clientBody == null || bridge ? req : RequestParser.parse(dialect.endpoint(), clientBody);
    ledger.forwarded = true;
    Cancellation cancellation = new Cancellation();
    response.closeHandler(v -> cancellation.cancel());
    UpstreamRequest up =
        new UpstreamRequest(
            sent,
            deployment.id(),
            params,
            timeout(params, req.stream()),
            cancellation,
            deployment.maxOutputTokens());
    if (req.stream()) {
      ClientSseSink sink =
          new ClientSseSink(
              Objects.requireNonNull(Vertx.currentContext(), "on an event loop"),
              dialect,
              bridge || clientBody == null ? dialect.encoder(req.model()) : dialect.passThrough(),
              response,
              r -> headers(r, deployment, ledger.requestId, null, admitted),
              (usage, error) -> ledger.finish(usage, error));
      ledger.streamSink = sink;
      provider.stream(up, sink);
    } else {
      provider
          .call(up)
          .onSuccess(
              r -> {
                ledger.answer = r.body();
                OptionalLong cost = ledger.finish(r.usage(), null);
                if (response.closed() || response.ended()) {
                  return;
                }
                headers(response, deployment, ledger.requestId, cost, admitted);
                byte[] answer = bridge ? dialect.fromChat(r.body(), req.model()) : r.body();
                response
                    .setStatusCode(r.status())
                    .putHeader(
                        HttpHeaders.CONTENT_TYPE, bridge ? "application/json" : r.contentType())
                    .end(Buffer.buffer(answer));
              })
          .onFailure(
              e -> {
                ledger.finish(Optional.empty(), Errors.from(e));
                HttpErrors.send(response, e, dialect);
              });
    }
  }

  /** Tollgate's response headers; cost headers only when the cost is known. */
  private static void headers(
      HttpServerResponse r,
      Deployment d,
      String requestId,
      @Nullable OptionalLong cost,
      Decision.Admitted admitted) {
    admitted.headers(r::putHeader);
    r.putHeader("x-litellm-model-id", d.id());
    r.putHeader("x-tollgate-request-id", requestId);
    r.putHeader("x-tollgate-price-state", d.price().state());
    if (cost != null && cost.isPresent()) {
      String usd = CostCalculator.formatUsd(cost.getAsLong());
      r.putHeader("x-tollgate-response-cost", usd);
      r.putHeader("x-litellm-response-cost", usd);
    }
  }

  /**
   * Collects what one request did and hands exactly one {@link SpendRecord} to the sink when it
   * ends, however it ends. {@link Outcome} decides what the end cost; an unreported one (tokens may
   * have been used, none were reported) is recorded once its usage has been estimated on a worker
   * ({@link UsageEstimator}), never as free. Event-loop confined.
   */
  private static final class Ledger {
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    final SpendSink sink;
    final long startedAt;
    final long startedNanos;
    final Dialect dialect;

    /** The client's body when its API is bridged: what is sent to a provider that speaks it. */
    byte @Nullable [] clientBody;

    final String requestId = RequestIds.next();
    final @Nullable Context context = Vertx.currentContext();
    String keyHash = "";
    @Nullable Principal principal;
    @Nullable ParsedRequest request;
    List<String> tags = List.of();
    String modelGroup = "";
    @Nullable String customer;
    @Nullable Deployment deployment;
    boolean stream;
    boolean forwarded;
    boolean done;

    /** The stream's sink, which knows what was relayed. */
    @Nullable ClientSseSink streamSink;

    /** The body of a non-streamed answer. */
    byte @Nullable [] answer;

    Ledger(SpendSink sink, long startedAt, long startedNanos, Dialect dialect) {
      this.sink = sink;
      this.dialect = dialect;
      this.startedAt = startedAt;
      this.startedNanos = startedNanos;
    }

    /**
     * Records the outcome once; returns the cost it recorded, or empty when it is unknown or still
     * being estimated.
     */
    OptionalLong finish(Optional<Usage> usage, @Nullable GatewayException error) {
      if (done) {
        return OptionalLong.empty();
      }
      done = true;
      ClientSseSink s = streamSink;
      Outcome outcome = Outcome.of(forwarded, usage, error, s != null && s.begun());
      Deployment d = deployment;
      ParsedRequest req = request;
      if (outcome instanceof Outcome.Unreported && d != null && req != null) {
        estimateThenRecord(d, req, error);
        return OptionalLong.empty();
      }
      Price price = d == null ? Price.UNKNOWN : d.price();
      OptionalLong cost = outcome.cost(price);
      record(outcome, cost, error);
      return cost;
    }

    private void estimateThenRecord(
        Deployment d, ParsedRequest req, @Nullable GatewayException error) {
      Relayed relayed = streamSink == null ? null : streamSink.relayed();
      byte[] body = answer;
      String model = d.params().model();
      Callable<Usage> job = () -> UsageEstimator.estimate(req, model, relayed, body);
      Context ctx = context;
      if (ctx == null) {
        recordEstimate(d, estimateOrBound(job, req, relayed), error);
        return;
      }
      ctx.<Usage>executeBlocking(() -> estimateOrBound(job, req, relayed), false)
          .onComplete(
              ar -> recordEstimate(d, ar.succeeded() ? ar.result() : bound(req, relayed), error));
    }

    /** The estimate, or if counting failed, the reservation's bounds: never nothing. */
    private static Usage estimateOrBound(
        Callable<Usage> job, ParsedRequest req, @Nullable Relayed relayed) {
      try {
        return job.call();
      } catch (Exception e) {
        LOG.error("estimating usage failed; charging the request's token bounds instead", e);
        return bound(req, relayed);
      }
    }

    private static Usage bound(ParsedRequest req, @Nullable Relayed relayed) {
      long out = relayed == null ? 0 : relayed.keptBytes() + relayed.droppedBytes();
      return Usage.tokens(RequestParser.textTokenBound(req), out);
    }

    private void recordEstimate(Deployment d, Usage u, @Nullable GatewayException error) {
      Outcome estimated = new Outcome.Estimated(u);
      record(estimated, estimated.cost(d.price()), error);
    }

    private void record(Outcome outcome, OptionalLong cost, @Nullable GatewayException error) {
      Usage u = outcome.usage();
      Deployment d = deployment;
      Price price = d == null ? Price.UNKNOWN : d.price();
      int status = error != null ? error.status() : 200;
      Principal p = principal;
      sink.record(
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
              (System.nanoTime() - startedNanos) / 1_000_000,
              stream));
    }
  }

  /** The end user named by {@code x-litellm-end-user-id}, when the body has no {@code user}. */
  private static @Nullable String endUserHeader(HttpServerRequest request) {
    String id = request.getHeader("x-litellm-end-user-id");
    if (id != null && id.length() > RequestParser.MAX_USER_LENGTH) {
      throw RequestParser.tooLong("x-litellm-end-user-id", RequestParser.MAX_USER_LENGTH);
    }
    return id;
  }

  /** {@code metadata.tags} and the {@code x-litellm-tags} header (comma-separated), merged. */
  private static List<String> requestTags(ParsedRequest req, HttpServerRequest request) {
    String header = request.getHeader("x-litellm-tags");
    if (header == null || header.isBlank()) {
      return req.tags();
    }
    List<String> tags = new java.util.ArrayList<>(req.tags());
    for (String t : header.split(",")) {
      RequestParser.addTag(tags, t, "x-litellm-tags");
    }
    return tags;
  }

  private long timeout(LitellmParams p, boolean stream) {
    if (stream && p.streamTimeoutMillis().isPresent()) {
      return p.streamTimeoutMillis().getAsLong();
    }
    if (p.timeoutMillis().isPresent()) {
      return p.timeoutMillis().getAsLong();
    }
    return routerSettings.timeoutMillis().orElse(DEFAULT_TIMEOUT_MILLIS);
  }
}
