package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;

/**
 * Serves the LLM endpoints straight from the HTTP server, ahead of the vertx-web router, which
 * handles everything else: routing and body handling per request cost more than the gateway's own
 * work on this path. Reads the body with the same size limit. Runs on the event loop.
 */
public final class FastPath implements Handler<HttpServerRequest> {
  private static final Map<String, Endpoint> ROUTES =
      Map.of(
          "/v1/chat/completions", Endpoint.CHAT,
          "/chat/completions", Endpoint.CHAT,
          "/v1/completions", Endpoint.COMPLETIONS,
          "/completions", Endpoint.COMPLETIONS,
          "/v1/embeddings", Endpoint.EMBEDDINGS,
          "/embeddings", Endpoint.EMBEDDINGS);

  /** How much of an oversized body is read and dropped before the connection is closed. */
  private static final long MAX_DISCARD = 64L * 1024 * 1024;

  private final ProxyHandler proxy;
  private final Handler<HttpServerRequest> rest;
  private final long bodyLimit;

  public FastPath(ProxyHandler proxy, Handler<HttpServerRequest> rest, long bodyLimit) {
    this.proxy = proxy;
    this.rest = rest;
    this.bodyLimit = bodyLimit;
  }

  @Override
  public void handle(HttpServerRequest req) {
    Endpoint endpoint = ROUTES.get(req.path());
    if (endpoint == null) {
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
              "method " + req.method() + " is not allowed on " + req.path() + "; use POST"));
      return;
    }
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    Buffer body = Buffer.buffer();
    long[] discarded = {-1};
    if (length != null && parseLength(length) > bodyLimit) {
      tooLarge(req);
      discarded[0] = 0;
    }
    req.handler(
        chunk -> {
          if (discarded[0] < 0 && body.length() + chunk.length() > bodyLimit) {
            tooLarge(req);
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
            proxy.handle(req, body, endpoint);
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

  private void tooLarge(HttpServerRequest req) {
    HttpErrors.send(req.response(), GatewayException.tooLarge(bodyLimit));
  }
}
