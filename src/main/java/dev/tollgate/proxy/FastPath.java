package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.OpenAiDialect;
import dev.tollgate.dialect.converse.ConverseDialect;
import dev.tollgate.dialect.gemini.GeminiDialect;
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
  private static final Dialect GENERATE = new GeminiDialect(false);
  private static final Dialect GENERATE_STREAM = new GeminiDialect(true);
  private static final Dialect CONVERSE = new ConverseDialect(false);
  private static final Dialect CONVERSE_STREAM = new ConverseDialect(true);

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

  /** The paths served here ahead of the router, each for POST, for {@code GET /routes}. */
  public static java.util.Set<String> paths() {
    // The keys do not depend on the Responses dialect, which is per gateway.
    java.util.Set<String> out = new java.util.TreeSet<>(routes(CHAT).keySet());
    AZURE_OPERATIONS.keySet().forEach(op -> out.add(AZURE_PREFIX + ":deployment/" + op));
    return out;
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
  private final ConnectionGuard.Limits limits;

  public FastPath(
      ProxyHandler proxy,
      Handler<HttpServerRequest> rest,
      long bodyLimit,
      Clock clock,
      ConnectionGuard.Limits limits) {
    this.routes = routes(new ResponsesDialect(clock));
    this.limits = limits;
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
    if (in != null) {
      return in;
    }
    if (!path.startsWith(AZURE_PREFIX)) {
      return path.startsWith("/gemini/")
              || path.startsWith("/vertex_ai/")
              || path.startsWith("/bedrock/")
          ? providerRoute(path)
          : null;
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

  /**
   * The billed calls of a provider's own route, as LiteLLM's pass-through addresses them: {@code
   * /gemini/v1beta/models/{model}:generateContent} (or {@code :streamGenerateContent}), {@code
   * /vertex_ai/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:
   * {method}} ({@code generateContent} and {@code streamGenerateContent} for Google's models,
   * {@code rawPredict} and {@code streamRawPredict} for Anthropic's), and {@code
   * /bedrock/model/{modelId}/converse} (or {@code /converse-stream}). Null for any other path under
   * these prefixes, which {@link PassThrough} serves when it cannot cost money.
   */
  static @Nullable Inbound providerRoute(String path) {
    if (path.startsWith("/bedrock/model/")) {
      int slash = path.lastIndexOf('/');
      if (slash <= "/bedrock/model/".length()) {
        return null;
      }
      String id = path.substring("/bedrock/model/".length(), slash);
      if (id.indexOf('/') >= 0) {
        return null;
      }
      Dialect d =
          switch (path.substring(slash + 1)) {
            case "converse" -> CONVERSE;
            case "converse-stream" -> CONVERSE_STREAM;
            default -> null;
          };
      return d == null
          ? null
          : new Inbound(d, URLDecoder.decode(id, StandardCharsets.UTF_8), "bedrock");
    }
    int models = path.lastIndexOf("/models/");
    int colon = path.lastIndexOf(':');
    if (models < 0 || colon < models + "/models/".length() + 1) {
      return null;
    }
    String model = path.substring(models + "/models/".length(), colon);
    if (model.indexOf('/') >= 0) {
      return null;
    }
    model = URLDecoder.decode(model, StandardCharsets.UTF_8);
    String method = path.substring(colon + 1);
    if (path.startsWith("/gemini/")) {
      Dialect d =
          switch (method) {
            case "generateContent" -> GENERATE;
            case "streamGenerateContent" -> GENERATE_STREAM;
            default -> null;
          };
      return d == null ? null : new Inbound(d, model, "gemini");
    }
    if (!path.startsWith("/vertex_ai/")) {
      return null;
    }
    String publisher = path.substring(0, models);
    publisher = publisher.substring(publisher.lastIndexOf('/') + 1);
    Dialect d =
        switch (publisher + ":" + method) {
          case "google:generateContent" -> GENERATE;
          case "google:streamGenerateContent" -> GENERATE_STREAM;
          case "anthropic:rawPredict", "anthropic:streamRawPredict" -> MESSAGES;
          default -> null;
        };
    return d == null ? null : new Inbound(d, model, "vertex_ai");
  }

  @Override
  public void handle(HttpServerRequest req) {
    Inbound in = inbound(req.path());
    if (in == null) {
      rest.handle(req);
      return;
    }
    if (in.dialect() == GENERATE_STREAM && !sse(req.query())) {
      // Without alt=sse Google streams one JSON array, a framing Tollgate does not relay. The
      // body is not read: the connection goes with the answer.
      req.response().putHeader(HttpHeaders.CONNECTION, "close");
      HttpErrors.send(
          req.response(),
          GatewayException.badRequest(
              "alt",
              "streamGenerateContent is relayed as server-sent events only: add ?alt=sse, as"
                  + " Google's SDKs do"),
          in.dialect());
      req.connection().close();
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
    // Who is asking is known from the headers: an unknown caller's body is never read.
    dev.tollgate.governance.Principal principal = proxy.authenticateFirst(req, in.dialect());
    if (principal == null) {
      return;
    }
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    Buffer body = Buffer.buffer();
    // [0]: bytes dropped since the body was refused, or -1 while it is kept; [1]: bytes held
    // against the process's buffered-body budget.
    long[] discarded = {-1, 0};
    if (length != null && parseLength(length) > bodyLimit) {
      tooLarge(req, in.dialect());
      discarded[0] = 0;
    }
    req.exceptionHandler(e -> release(discarded));
    // A sender that leaves mid-body gives its share back (the proxy sets its own handler later).
    req.response().closeHandler(v -> release(discarded));
    req.handler(
        chunk -> {
          if (discarded[0] < 0 && body.length() + chunk.length() > bodyLimit) {
            tooLarge(req, in.dialect());
            release(discarded);
            discarded[0] = 0;
          }
          if (discarded[0] < 0 && !limits.reserve(chunk.length())) {
            busy(req, in.dialect());
            release(discarded);
            discarded[0] = 0;
          } else if (discarded[0] < 0) {
            discarded[1] += chunk.length();
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
          release(discarded);
          if (discarded[0] < 0) {
            proxy.handle(req, body, in, principal);
          }
        });
  }

  /** Whether a query string asks for server-sent events ({@code alt=sse}). */
  static boolean sse(@Nullable String query) {
    if (query == null) {
      return false;
    }
    for (String param : query.split("&")) {
      if (param.equals("alt=sse")) {
        return true;
      }
    }
    return false;
  }

  private void release(long[] held) {
    if (held[1] > 0) {
      limits.release(held[1]);
      held[1] = 0;
    }
  }

  /** Too many bodies are being read at once: a 503 to retry shortly, and the connection closed. */
  private static void busy(HttpServerRequest req, Dialect dialect) {
    req.response().putHeader(HttpHeaders.CONNECTION, "close");
    HttpErrors.send(
        req.response(),
        GatewayException.of(
                503,
                "service_unavailable_error",
                null,
                "too_many_buffered_requests",
                "the gateway is reading too many request bodies at once; retry shortly")
            .withRetryAfter(1),
        dialect);
    // The rest of the body is not read: the connection goes with the answer.
    req.connection().close();
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
