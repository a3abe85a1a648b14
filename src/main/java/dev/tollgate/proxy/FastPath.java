package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.OpenAiDialect;
import dev.tollgate.dialect.messages.MessagesDialect;
import dev.tollgate.dialect.responses.ResponsesDialect;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Serves the LLM endpoints straight from the HTTP server, ahead of the vertx-web router, which
 * handles everything else: routing and body handling per request cost more than the gateway's own
 * work on this path. Picks the client's dialect by path: OpenAI's routes, Azure's deployment routes
 * ({@code /openai/deployments/{deployment}/chat/completions}, whose deployment is the model group),
 * Anthropic's Messages API and OpenAI's Responses API. Reads the body with the same size limit.
 * Runs on the event loop.
 */
public final class FastPath implements Handler<HttpServerRequest> {
  private static final Dialect CHAT = new OpenAiDialect(Endpoint.CHAT);
  private static final Dialect COMPLETIONS = new OpenAiDialect(Endpoint.COMPLETIONS);
  private static final Dialect EMBEDDINGS = new OpenAiDialect(Endpoint.EMBEDDINGS);
  private static final Dialect MESSAGES = new MessagesDialect();

  /** Each API's paths, with LiteLLM's {@code /openai/} pass-through forms, billed like the rest. */
  private static Map<String, Inbound> routes(Dialect responses) {
    return Map.ofEntries(
        Map.entry("/v1/chat/completions", new Inbound(CHAT, null)),
        Map.entry("/chat/completions", new Inbound(CHAT, null)),
        Map.entry("/openai/v1/chat/completions", new Inbound(CHAT, null)),
        Map.entry("/v1/completions", new Inbound(COMPLETIONS, null)),
        Map.entry("/completions", new Inbound(COMPLETIONS, null)),
        Map.entry("/openai/v1/completions", new Inbound(COMPLETIONS, null)),
        Map.entry("/v1/embeddings", new Inbound(EMBEDDINGS, null)),
        Map.entry("/embeddings", new Inbound(EMBEDDINGS, null)),
        Map.entry("/openai/v1/embeddings", new Inbound(EMBEDDINGS, null)),
        Map.entry("/v1/messages", new Inbound(MESSAGES, null)),
        Map.entry("/anthropic/v1/messages", new Inbound(MESSAGES, null)),
        Map.entry("/v1/responses", new Inbound(responses, null)),
        Map.entry("/responses", new Inbound(responses, null)),
        Map.entry("/openai/v1/responses", new Inbound(responses, null)));
  }

  /** The operations under Azure's {@code /openai/deployments/{deployment}/}. */
  private static final Map<String, Dialect> AZURE_OPERATIONS =
      Map.of("chat/completions", CHAT, "completions", COMPLETIONS, "embeddings", EMBEDDINGS);

  private static final String AZURE_PREFIX = "/openai/deployments/";

  /** How much of an oversized body is read and dropped before the connection is closed. */
  private static final long MAX_DISCARD = 64L * 1024 * 1024;

  private final ProxyHandler proxy;
  private final Handler<HttpServerRequest> rest;
  private final long bodyLimit;

  private final Map<String, Inbound> routes;

  public FastPath(
      ProxyHandler proxy, Handler<HttpServerRequest> rest, long bodyLimit, Clock clock) {
    this.routes = routes(new ResponsesDialect(clock));
    this.proxy = proxy;
    this.rest = rest;
    this.bodyLimit = bodyLimit;
  }

  /** The dialect and model group of an LLM route; null for every other path. */
  @Nullable Inbound inbound(@Nullable String path) {
    if (path == null) {
      return null;
    }
    Inbound in = routes.get(path);
    if (in != null || !path.startsWith(AZURE_PREFIX)) {
      return in;
    }
    int slash = path.indexOf('/', AZURE_PREFIX.length());
    if (slash <= AZURE_PREFIX.length()) {
      return null;
    }
    Dialect d = AZURE_OPERATIONS.get(path.substring(slash + 1));
    if (d == null) {
      return null;
    }
    String deployment =
        URLDecoder.decode(path.substring(AZURE_PREFIX.length(), slash), StandardCharsets.UTF_8);
    return new Inbound(d, deployment);
  }

  @Override
  public void handle(HttpServerRequest req) {
    Inbound in = inbound(req.path());
    if (in == null) {
      rest.handle(req);
      return;
    }
    if (req.method() != HttpMethod.POST) {
      HttpErrors.send(
          req.response(),
          GatewayException.of(
              405,
              "invalid_request_error",
              null,
              "method_not_allowed",
              "method " + req.method() + " is not allowed on " + req.path() + "; use POST"),
          in.dialect());
      return;
    }
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    Buffer body = Buffer.buffer();
    long[] discarded = {-1};
    if (length != null && parseLength(length) > bodyLimit) {
      tooLarge(req, in.dialect());
      discarded[0] = 0;
    }
    req.handler(
        chunk -> {
          if (discarded[0] < 0 && body.length() + chunk.length() > bodyLimit) {
            tooLarge(req, in.dialect());
            discarded[0] = 0;
          }
          if (discarded[0] >= 0) {
            // The rest of an oversized body is read and dropped so that the connection stays
            // usable; a client that keeps sending far beyond the limit loses the connection.
            discarded[0] += chunk.length();
            if (discarded[0] > MAX_DISCARD) {
              req.connection().close();
            }
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(
        v -> {
          if (discarded[0] < 0) {
            proxy.handle(req, body, in);
          }
        });
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void tooLarge(HttpServerRequest req, Dialect dialect) {
    HttpErrors.send(req.response(), GatewayException.tooLarge(bodyLimit), dialect);
  }
}
