package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.messages.MessagesDialect;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.Principal;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.Endpoint;
import dev.tollgate.provider.ParsedRequest;
import dev.tollgate.provider.Provider;
import dev.tollgate.provider.Providers;
import dev.tollgate.routing.Deployment;
import dev.tollgate.routing.ModelGroup;
import dev.tollgate.routing.RegistryHolder;
import dev.tollgate.routing.Router;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens} (also under {@code /anthropic}): the input
 * tokens a Messages request would use on the deployment its model resolves to. Exact when that
 * deployment is Anthropic's, whose own endpoint is asked with the deployment's key; estimated
 * otherwise, with the same counter that estimates unreported usage ({@link UsageEstimator}).
 * Counting costs nothing, so it is never billed; the caller needs a key with access to the model.
 * Answers and errors are in Anthropic's shape. Runs on the event loop.
 */
public final class CountTokens {
  private static final Logger LOG = LoggerFactory.getLogger(CountTokens.class);
  private static final Dialect MESSAGES = new MessagesDialect();

  private final RegistryHolder registry;
  private final Authenticator auth;
  private final Governance governance;
  private final Providers providers;
  private final HttpClient client;

  public CountTokens(
      RegistryHolder registry,
      Authenticator auth,
      Governance governance,
      Providers providers,
      HttpClient client) {
    this.registry = registry;
    this.auth = auth;
    this.governance = governance;
    this.providers = providers;
    this.client = client;
  }

  /** Mounts the routes; before the pass-through routes, which would otherwise take them. */
  public void mount(io.vertx.ext.web.Router router, BodyHandler body) {
    for (String path :
        new String[] {"/v1/messages/count_tokens", "/anthropic/v1/messages/count_tokens"}) {
      router.post(path).handler(PassThrough.authenticating(auth, MESSAGES));
      router.post(path).handler(body).handler(this::count);
    }
  }

  private void count(RoutingContext ctx) {
    HttpServerResponse out = ctx.response();
    String requestId = RequestIds.next();
    out.putHeader("x-tollgate-request-id", requestId);
    try {
      Principal principal = PassThrough.principal(ctx);
      Buffer raw = ctx.body().buffer();
      byte[] body = raw == null ? new byte[0] : raw.getBytes();
      ParsedRequest chat =
          RequestParser.parse(Endpoint.CHAT, MessagesDialect.countTokensToChat(body));
      ModelGroup group = ProxyHandler.group(registry.current(), chat.model());
      governance.checkModelAccess(principal, chat.model(), group.name());
      Deployment d = Router.order(group, ThreadLocalRandom.current()).get(0);
      Optional<Provider> provider = providers.forName(d.params().provider());
      Optional<RequestOptions> exact =
          provider.isPresent() && provider.get().serves(Endpoint.MESSAGES, d.params().provider())
              ? provider.get().passThrough(d.params(), HttpMethod.POST, "/v1/messages/count_tokens")
              : Optional.empty();
      if (exact.isPresent()) {
        byte[] sent =
            RequestParser.parse(Endpoint.MESSAGES, body)
                .forUpstream(d.params().providerModel(), false);
        RequestOptions o = exact.get().putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        client
            .request(o)
            .compose(req -> req.send(Buffer.buffer(sent)))
            .onComplete(
                ar -> {
                  if (ar.failed()) {
                    LOG.atWarn()
                        .addKeyValue("request_id", requestId)
                        .log(
                            "count_tokens on deployment {} failed: {}",
                            d.id(),
                            ar.cause().toString());
                    HttpErrors.send(
                        out,
                        GatewayException.badGateway(
                            "the upstream of deployment " + d.id() + " could not be reached", null),
                        MESSAGES,
                        requestId);
                  } else {
                    PassThrough.relay(ar.result(), out);
                  }
                });
        return;
      }
      Usage u = UsageEstimator.estimate(chat, d.params().model(), null, null);
      out.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(Buffer.buffer(MessagesDialect.countTokensAnswer(u.inputTokens())));
    } catch (RuntimeException e) {
      HttpErrors.send(out, e, MESSAGES, requestId);
    }
  }
}
