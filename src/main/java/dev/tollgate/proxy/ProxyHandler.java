package dev.tollgate.proxy;

import dev.tollgate.budget.Admission;
import dev.tollgate.budget.Decision;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Estimate;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.cache.ResponseCache;
import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import dev.tollgate.config.RouterSettings;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Units;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Cancellation;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.RequestMocks;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.routing.Attempts;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.Failure;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.ModelRegistry;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.RetryRule;
import dev.tollgate.routing.Routing;
import dev.tollgate.tracing.RequestTrace;
import dev.tollgate.tracing.Tracing;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The LLM request path: authenticate, parse, resolve the model group, pick a deployment, forward,
 * and answer. One per event loop; runs on it and never blocks.
 */
public final class ProxyHandler {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProxyHandler.class);

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
  private final RetryRule retryRule;
  private final Routing routing;
  private final Tracing tracing;

  /**
   * Whether spend records name their caller ({@link dev.tollgate.budget.SpendRecord.Caller}): only
   * the metrics read it, so a gateway without them reads no address or header for it.
   */
  final boolean callerLabels;

  private final boolean allowMockTesting;

  /** The response cache; null when {@code litellm_settings.cache} is off. */
  private final @Nullable Caching caching;

  public ProxyHandler(
      RegistryHolder registry,
      Authenticator auth,
      Providers providers,
      RouterSettings routerSettings,
      SpendSink spend,
      Governance governance,
      Enforcer enforcer,
      Clock clock,
      ProxyCounters counters,
      Routing routing,
      Tracing tracing,
      boolean allowMockTesting,
      @Nullable ResponseCache cache,
      boolean callerLabels) {
    this.registry = registry;
    this.auth = auth;
    this.providers = providers;
    this.routerSettings = routerSettings;
    this.spend = spend;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
    this.counters = counters;
    this.retryRule = RetryRule.from(routerSettings);
    this.routing = routing;
    this.tracing = tracing;
    this.allowMockTesting = allowMockTesting;
    this.caching = cache == null ? null : new Caching(cache, clock);
    this.callerLabels = callerLabels;
  }

  /**
   * Authenticates a request from {@code Authorization: Bearer}, Azure's {@code api-key},
   * Anthropic's {@code x-api-key} or Google's {@code x-goog-api-key} (and, under {@code /gemini/},
   * its {@code key} query parameter, where Google's SDKs may put it). A header sent twice, or two
   * headers with different keys, are a 400: which one a proxy in front would pass on is not
   * something to guess at. LiteLLM's {@code x-litellm-api-key}, when sent, is the key and the
   * others are not read: a client of a provider's SDK keeps that SDK's own credentials (a SigV4
   * {@code Authorization}, say) and names its virtual key there.
   */
  public static Principal authenticate(HttpServerRequest req, Authenticator auth) {
    String litellm = otherKey(req, "x-litellm-api-key", null);
    if (litellm != null) {
      return auth.authenticate(withoutBearer(litellm))
          .orElseThrow(() -> GatewayException.unauthorized("invalid API key"));
    }
    String key = null;
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      if (req.headers().getAll(HttpHeaders.AUTHORIZATION).size() > 1) {
        throw GatewayException.badRequest(
            null, "the request has more than one Authorization header; send one");
      }
      key = withoutBearer(header);
      if (key.isEmpty()) {
        key = null;
      }
    }
    key = otherKey(req, "api-key", key);
    key = otherKey(req, "x-api-key", key);
    key = otherKey(req, "x-goog-api-key", key);
    if (key == null && req.path() != null && req.path().startsWith("/gemini/")) {
      key = req.getParam("key");
    }
    if (key == null) {
      throw GatewayException.unauthorized(
          "missing API key: send it as 'Authorization: Bearer <key>', or in the 'api-key' or"
              + " 'x-api-key' header");
    }
    return auth.authenticate(key)
        .orElseThrow(() -> GatewayException.unauthorized("invalid API key"));
  }

  /** A header's key, with a leading {@code Bearer } (any case) taken off, trimmed. */
  private static String withoutBearer(String value) {
    String h = value.trim();
    return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : h;
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

  /**
   * Authenticates an LLM request from its headers, before its body is read; on failure answers it
   * in the dialect's shape, closing the connection (the body is never read), and returns null.
   */
  @Nullable Principal authenticateFirst(HttpServerRequest request, Dialect dialect) {
    try {
      return authenticate(request, auth);
    } catch (RuntimeException e) {
      counters.countUnauthenticated();
      HttpServerResponse r = request.response();
      r.putHeader(HttpHeaders.CONNECTION, "close");
      HttpErrors.send(r, e, dialect);
      // The body is never read: the connection goes with the answer.
      request.connection().close();
      return null;
    }
  }

  /** Handles one LLM request whose body has been read, from a caller authenticated first. */
  void handle(HttpServerRequest request, Buffer body, Inbound inbound, Principal principal) {
    HttpServerResponse response = request.response();
    Dialect dialect = inbound.dialect();
    Exchange x =
        new Exchange(this, request, dialect, spend, enforcer, clock.millis(), System.nanoTime());
    x.trace = tracing.start(request);
    try {
      x.principal = principal;
      x.keyHash = principal.keyHash();
      byte[] bytes = body.getBytes();
      Endpoint endpoint = dialect.endpoint();
      String named = inbound.group();
      if (named != null && !endpoint.modelInPath()) {
        bytes = RequestParser.withModel(endpoint, bytes, named);
      }
      ParsedRequest req;
      if (bridged(endpoint)) {
        x.clientBody = bytes;
        byte[] chat = dialect.toChat(bytes);
        if (named != null && endpoint.modelInPath()) {
          chat = RequestParser.withModel(Endpoint.CHAT, chat, named);
        }
        req = RequestParser.parse(Endpoint.CHAT, chat);
      } else {
        req = RequestParser.parse(endpoint, bytes);
      }
      x.parsed = req;
      if (!req.testingFields().isEmpty() && !allowMockTesting) {
        throw mockTestingRefused(req.testingFields().get(0));
      }
      x.modelGroup = req.model();
      x.stream = req.stream();
      x.customer = req.user().orElse(endUserHeader(request));
      ModelRegistry snapshot = registry.current();
      String provider = inbound.provider();
      ModelGroup group =
          provider == null
              ? group(snapshot, req.model())
              : providerGroup(snapshot, req.model(), provider);
      x.modelGroup = group.name();
      x.requestedGroup = group.name();
      governance.checkModelAccess(principal, req.model(), group.name());
      if (req.endpoint() == Endpoint.EMBEDDINGS && req.stream()) {
        throw GatewayException.badRequest("stream", "embeddings cannot be streamed");
      }
      x.tags = requestTags(req, request);
      RetryRule rule =
          req.numRetries().isPresent()
              ? retryRule.requesting(req.numRetries().getAsInt())
              : retryRule;
      Attempts attempts =
          Attempts.of(
              group, rule, ThreadLocalRandom.current(), routing, req.stream(), x, req.fallbacks());
      x.attempts = attempts;
      Deployment first = attempts.first();
      if (first == null) {
        throw attempts.unavailable(group);
      }
      Caching c = caching;
      if (c == null) {
        attempt(x, first);
      } else {
        c.lookup(x, bytes, () -> attempt(x, first));
      }
    } catch (RuntimeException e) {
      if (x.principal == null) {
        // Not a request of any caller: counted, never a spend record.
        counters.countUnauthenticated();
      } else {
        x.finish(Optional.empty(), Errors.from(e));
      }
      HttpErrors.send(response, e, dialect, x.requestId);
    }
  }

  /**
   * A fallback target of {@code x}: its group, if it exists and {@code x}'s caller may use it; a
   * target that fails either is passed over, and logged.
   */
  @Nullable ModelGroup fallbackGroup(Exchange x, String name) {
    Optional<ModelGroup> g = registry.current().resolve(name);
    if (g.isEmpty()) {
      LOG.atWarn()
          .addKeyValue("request_id", x.requestId)
          .log(
              "fallback '{}' of model group '{}' is not a model group; passed over",
              name,
              x.modelGroup);
      return null;
    }
    try {
      governance.checkModelAccess(
          Objects.requireNonNull(x.principal, "principal"), name, g.get().name());
    } catch (GatewayException e) {
      LOG.atInfo()
          .addKeyValue("request_id", x.requestId)
          .log("fallback '{}' passed over: the key may not use it ({})", name, e.getMessage());
      return null;
    }
    return g.get();
  }

  /** The model group {@code model} names, or the 404 that names only the model. */
  static ModelGroup group(ModelRegistry snapshot, String model) {
    return snapshot
        .resolve(model)
        .orElseThrow(
            () ->
                GatewayException.of(
                    404,
                    "invalid_request_error",
                    "model",
                    "model_not_found",
                    "The model '" + model + "' does not exist or you do not have access to it."));
  }

  /**
   * The model group a provider's own route reaches for {@code model}, the model its path names: the
   * group of that name, or else the group of the first deployment of {@code provider} whose model
   * is {@code model} (after any route prefix such as Bedrock's {@code converse/} or a region), as a
   * client of Google's or Amazon's SDK names it.
   */
  static ModelGroup providerGroup(ModelRegistry snapshot, String model, String provider) {
    Optional<ModelGroup> named = snapshot.resolve(model);
    if (named.isPresent()) {
      return named.get();
    }
    for (Deployment d : snapshot.deployments()) {
      String m = d.params().providerModel();
      if (d.params().provider().equals(provider) && (m.equals(model) || m.endsWith("/" + model))) {
        Optional<ModelGroup> g = snapshot.resolve(d.modelName());
        if (g.isPresent()) {
          return g.get();
        }
      }
    }
    throw GatewayException.of(
        404,
        "invalid_request_error",
        "model",
        "model_not_found",
        "The model '"
            + model
            + "' is neither a model group nor the model of a "
            + provider
            + " deployment.");
  }

  /** Whether a client API reaches providers through its dialect's chat form. */
  private static boolean bridged(Endpoint endpoint) {
    return endpoint == Endpoint.MESSAGES
        || endpoint == Endpoint.RESPONSES
        || endpoint.modelInPath();
  }

  /**
   * Starts an attempt on {@code deployment}: admits it under its own id, and forwards it. Every
   * budget and rate limit is checked again for each attempt, at its deployment's price.
   */
  private void attempt(Exchange x, Deployment deployment) {
    HttpServerResponse response = x.request.response();
    try {
      if (response.closed()) {
        throw GatewayException.clientClosed();
      }
      x.beginAttempt(deployment);
      ParsedRequest req = x.parsed();
      ModelGroup group = x.attempts().group();
      // A fallback is admitted and recorded as a request for its own group.
      boolean fallback = !group.name().equals(x.requestedGroup);
      x.modelGroup = group.name();
      LitellmParams params = deployment.params();
      // No lambda for the error: this runs for every request.
      Optional<Provider> found = providers.forName(params.provider());
      if (found.isEmpty()) {
        throw GatewayException.of(
            501,
            "not_implemented",
            "model",
            "provider_not_supported",
            "provider '"
                + params.provider()
                + "' of model group '"
                + x.modelGroup
                + "' is not supported by this version of Tollgate");
      }
      Provider provider = found.get();
      if (x.clientBody != null
          && !x.dialect.bridges()
          && !provider.serves(x.dialect.endpoint(), params)) {
        // A provider's own API reaches only that provider: this deployment is passed over.
        failed(
            x,
            new Failure.PassedOver(
                GatewayException.badRequest(
                    "model",
                    "deployment "
                        + deployment.id()
                        + " of model group '"
                        + x.modelGroup
                        + "' is a '"
                        + params.provider()
                        + "' deployment, which does not serve this route; it reaches only the"
                        + " provider it names")));
        return;
      }
      x.provider = provider;
      boolean measured = Units.measured(deployment.price());
      if (measured) {
        GatewayException unbillable = MeasuredUnits.refusal(deployment, req, x.modelGroup);
        if (unbillable != null) {
          // Another deployment of the group may be priced so that it can bill this request.
          failed(x, new Failure.PassedOver(unbillable));
          return;
        }
      }
      Supplier<Estimate> estimate =
          Estimate.deferred(
              () ->
                  withMeasured(
                      measured,
                      deployment,
                      req,
                      Estimate.of(
                          RequestParser.textTokenBound(req),
                          req.imageParts(),
                          req.inlineImages(),
                          req.inlineImageBytes(),
                          req.maxTokens().isPresent()
                              ? req.maxTokens()
                              : provider.impliedMaxTokens(
                                  req, deployment.params(), deployment.maxOutputTokens()),
                          req.choices(),
                          deployment.maxOutputTokens(),
                          enforcer.settings().reservationOutputTokens(),
                          req.endpoint() != Endpoint.EMBEDDINGS)));
      Caching.Lookup cached = x.cache;
      if (cached != null && cached.hit != null) {
        // Admitted as any request (key, budgets, rate limits), a hit reserves nothing.
        estimate = Caching.NO_ESTIMATE;
      }
      int n = x.attempts().started() - 1;
      x.admissionId = n == 0 ? x.requestId : x.requestId + "/" + n;
      RequestTrace trace = x.trace;
      if (trace != null) {
        trace.admitting();
      }
      enforcer
          .admit(
              new Admission(
                  x.admissionId,
                  Objects.requireNonNull(x.principal, "principal"),
                  fallback ? group.name() : req.model(),
                  x.modelGroup,
                  deployment.id(),
                  params.model(),
                  deployment.price(),
                  Optional.ofNullable(x.customer),
                  x.tags,
                  estimate,
                  params.rpm(),
                  params.tpm(),
                  params.budget(),
                  params.provider()))
          .onComplete(ar -> admitted(x, ar.succeeded() ? ar.result() : denied(ar.cause())));
    } catch (RuntimeException e) {
      end(x, Errors.from(e));
    }
  }

  /** {@code e} with the bounds of the units a deployment priced by another unit counts. */
  private Estimate withMeasured(
      boolean measured, Deployment deployment, ParsedRequest req, Estimate e) {
    if (!measured) {
      return e;
    }
    return e.withMeasured(
        MeasuredUnits.bound(
            deployment.price(), req, timeout(deployment.params(), req.stream()), e.outputTokens()));
  }

  private static Decision denied(Throwable cause) {
    return new Decision.Denied(Errors.from(cause));
  }

  /** Forwards an admitted attempt; after a denial, goes on to the next attempt or answers it. */
  private void admitted(Exchange x, Decision d) {
    RequestTrace trace = x.trace;
    if (trace != null) {
      trace.admitted(d instanceof Decision.Denied no ? no.error() : null);
    }
    try {
      if (d instanceof Decision.Denied no) {
        failed(
            x,
            no.scope() == Decision.Scope.DEPLOYMENT
                ? new Failure.PassedOver(no.error())
                : new Failure.Refused(no.error()));
        return;
      }
      Decision.Admitted admitted = d.orThrow();
      x.admitted = admitted;
      x.tags = admitted.tags();
      if (x.request.response().closed()) {
        // Admitted, but the client is gone: settling releases the reservation.
        throw GatewayException.clientClosed();
      }
      Caching.Lookup cached = x.cache;
      if (cached != null && cached.hit != null) {
        Caching.serve(x, cached.hit, this);
        return;
      }
      forward(x, admitted);
    } catch (RuntimeException e) {
      end(x, Errors.from(e));
    }
  }

  /**
   * After a failed attempt, before anything reached the client: starts the next attempt (after its
   * backoff) if there is one, giving back what the failed one reserved; otherwise the failure is
   * the answer.
   */
  private void failed(Exchange x, Failure failure) {
    if (!retried(x, failure)) {
      end(x, failure.error());
    }
  }

  /** Starts the next attempt after {@code failure}, if there is one; whether there was. */
  private boolean retried(Exchange x, Failure failure) {
    if (x.request.response().closed() || failure.error().status() == 499) {
      return false;
    }
    Attempts attempts = x.attempts();
    Optional<Deployment> next = attempts.next(failure);
    if (next.isEmpty()) {
      return false;
    }
    if (x.admitted != null) {
      enforcer.release(x.admissionId);
      x.admitted = null;
    }
    x.attemptFailed(failure.error());
    Deployment d = next.get();
    long delay = attempts.delayMillis();
    Context ctx = Vertx.currentContext();
    if (delay <= 0 || ctx == null) {
      attempt(x, d);
    } else {
      ctx.owner().setTimer(delay, id -> attempt(x, d));
    }
    return true;
  }

  /**
   * The forwarded attempt in progress ended: tells the router (the strategies' measurements, and
   * cooldowns on failure). Once per forwarded attempt.
   */
  void attemptEnded(Exchange x, Optional<Usage> usage, @Nullable GatewayException error) {
    Deployment d = x.deployment;
    if (!x.forwarded || x.attemptEnded || d == null) {
      return;
    }
    x.attemptEnded = true;
    RequestTrace trace = x.trace;
    if (trace != null && error != null) {
      trace.attemptFailed(error);
    }
    Throwable cause = error == null ? null : error.getCause();
    if (cause != null) {
      // A transport failure (connect, reset, TLS): the client's message names no host; the log
      // keeps the exception whole, under the request's id.
      LOG.atWarn()
          .addKeyValue("request_id", x.requestId)
          .log("upstream of deployment {} failed: {}", d.id(), cause.toString());
    }
    long now = System.nanoTime();
    long tokens = 0;
    if (usage.isPresent()) {
      tokens = usage.get().inputTokens() + usage.get().outputTokens();
    }
    routing.ended(
        d,
        now - x.forwardedNanos,
        x.firstByteNanos < 0 ? -1 : x.firstByteNanos - x.forwardedNanos,
        tokens,
        error);
  }

  /** A stream failed before its head: whether another attempt takes over. */
  boolean retryBeforeHead(Exchange x, GatewayException error) {
    attemptEnded(x, Optional.empty(), error);
    if (retried(x, new Failure.Failed(error, error.upstreamRetryAfterMillis()))) {
      return true;
    }
    retriesHeader(x);
    return false;
  }

  /** Ends the request with {@code error}: records it and answers it. */
  private static void end(Exchange x, GatewayException error) {
    x.finish(Optional.empty(), error);
    retriesHeader(x);
    HttpErrors.send(x.request.response(), error, x.dialect, x.requestId);
  }

  /** On an error answer, how many retries were taken before it, when any were. */
  private static void retriesHeader(Exchange x) {
    Attempts attempts = x.attempts;
    HttpServerResponse r = x.request.response();
    if (attempts != null && !r.headWritten() && !r.closed()) {
      if (attempts.retries() > 0) {
        r.putHeader("x-litellm-attempted-retries", Integer.toString(attempts.retries()));
      }
      if (attempts.fallbacks() > 0) {
        r.putHeader("x-litellm-attempted-fallbacks", Integer.toString(attempts.fallbacks()));
      }
    }
  }

  /**
   * Sends an admitted request upstream and the answer to the client. A request in a bridged API
   * goes as the client sent it when the provider speaks that API, and through chat otherwise: the
   * answer and the stream are then translated back by the client's dialect.
   */
  private void forward(Exchange x, Decision.Admitted admitted) {
    HttpServerResponse response = x.request.response();
    Deployment deployment = Objects.requireNonNull(x.deployment, "deployment");
    Provider provider = Objects.requireNonNull(x.provider, "provider");
    ParsedRequest req = x.parsed();
    LitellmParams params = deployment.params();
    Dialect dialect = x.dialect;
    byte[] clientBody = x.clientBody;
    boolean bridge = clientBody != null && !provider.serves(dialect.endpoint(), params);
    ParsedRequest sent;
    if (clientBody == null || bridge) {
      sent = req;
    } else if (dialect.endpoint().modelInPath()) {
      sent = ParsedRequest.opaque(dialect.endpoint(), clientBody, req.model(), req.stream());
    } else {
      sent = RequestParser.parse(dialect.endpoint(), clientBody);
    }
    x.forwarded = true;
    x.forwardedNanos = System.nanoTime();
    routing.started(deployment);
    Cancellation cancellation = new Cancellation();
    response.closeHandler(v -> cancellation.cancel());
    RequestTrace trace = x.trace;
    UpstreamRequest up =
        new UpstreamRequest(
            sent,
            deployment.id(),
            params,
            timeout(params, req.stream()),
            cancellation,
            deployment.maxOutputTokens(),
            trace == null
                ? null
                : trace.attempt(
                    sent.endpoint(),
                    params.provider(),
                    params.providerModel(),
                    deployment.id(),
                    x.modelGroup,
                    req.maxTokens(),
                    deployment.price().state()),
            trace == null ? null : trace.tracestate());
    // LiteLLM's testing fields stand in for the provider here, so the real retries run.
    Provider target =
        req.mocks() == RequestMocks.NONE
            ? provider
            : MockAttempt.of(
                provider,
                providers.forName("mock").orElse(null),
                req.mocks(),
                x.modelGroup,
                x.modelGroup.equals(x.requestedGroup),
                x.attempts().started() == 1,
                req.fallbacks(),
                Objects.requireNonNull(Vertx.currentContext(), "on an event loop").owner());
    x.mocked = target instanceof MockAttempt m && m.answers();
    if (req.stream()) {
      ClientSseSink sink =
          new ClientSseSink(
              Objects.requireNonNull(Vertx.currentContext(), "on an event loop"),
              dialect,
              bridge || clientBody == null ? dialect.encoder(req.model()) : dialect.passThrough(),
              response,
              x);
      x.streamSink = sink;
      target.stream(up, sink);
    } else {
      target
          .call(up)
          .onSuccess(
              r -> {
                x.answer = r.body();
                attemptEnded(x, r.usage(), null);
                OptionalLong cost = x.finish(r.usage(), null);
                if (response.closed() || response.ended()) {
                  return;
                }
                headers(response, x, cost);
                byte[] answer = bridge ? dialect.fromChat(r.body(), req.model()) : r.body();
                Caching.Lookup cached = x.cache;
                if (cached != null) {
                  cached.keep(r.status(), r.contentType(), answer, r.usage());
                }
                response
                    .setStatusCode(r.status())
                    .putHeader(
                        HttpHeaders.CONTENT_TYPE, bridge ? "application/json" : r.contentType())
                    .end(Buffer.buffer(answer));
              })
          .onFailure(
              e -> {
                GatewayException error = Errors.from(e);
                attemptEnded(x, Optional.empty(), error);
                failed(x, new Failure.Failed(error, error.upstreamRetryAfterMillis()));
              });
    }
  }

  /**
   * The 400 for a {@code mock_*} field that fabricates a failure, when the operator has not allowed
   * them: any client could otherwise put every deployment into cooldown, as in LiteLLM, which
   * refuses them the same way.
   */
  private static GatewayException mockTestingRefused(String field) {
    return GatewayException.badRequest(
        field,
        field
            + " fabricates an upstream failure for testing; it is refused unless"
            + " general_settings.dangerously_allow_mock_testing_request_params is true");
  }

  /** Tollgate's response headers; cost headers only when the cost is known. */
  void headers(HttpServerResponse r, Exchange x, @Nullable OptionalLong cost) {
    Deployment d = Objects.requireNonNull(x.deployment, "deployment");
    Decision.Admitted admitted = x.admitted;
    if (admitted != null) {
      admitted.headers(r::putHeader);
    }
    r.putHeader("x-litellm-model-id", d.id());
    r.putHeader("x-tollgate-request-id", x.requestId);
    r.putHeader("x-tollgate-price-state", d.price().state());
    Caching.Lookup cached = x.cache;
    if (cached != null) {
      cached.headers(r);
    }
    Attempts attempts = x.attempts();
    if (attempts.retries() > 0) {
      r.putHeader("x-litellm-attempted-retries", Integer.toString(attempts.retries()));
    }
    if (attempts.fallbacks() > 0) {
      r.putHeader("x-litellm-attempted-fallbacks", Integer.toString(attempts.fallbacks()));
      r.putHeader("x-litellm-model-group", x.modelGroup);
    }
    if (cost != null && cost.isPresent()) {
      String usd = CostCalculator.formatUsd(cost.getAsLong());
      r.putHeader("x-tollgate-response-cost", usd);
      r.putHeader("x-litellm-response-cost", usd);
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
