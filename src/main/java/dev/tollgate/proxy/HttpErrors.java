package dev.tollgate.proxy;

import dev.tollgate.common.Errors;
import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.OpenAiDialect;
import dev.tollgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/** Writes errors to the client in OpenAI's shape; the one place that turns failures into HTTP. */
public final class HttpErrors {
  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /** The dialect of the admin API and of OpenAI's routes. */
  private static final Dialect OPENAI = new OpenAiDialect(Endpoint.CHAT);

  /** Ends the response with {@code error} in OpenAI's shape, unless it has already been sent. */
  public static void send(HttpServerResponse response, Throwable error) {
    send(response, error, OPENAI);
  }

  /** Ends the response with {@code error} in {@code dialect}'s shape, unless already sent. */
  public static void send(HttpServerResponse response, Throwable error, Dialect dialect) {
    send(response, error, dialect, null);
  }

  /**
   * As {@link #send(HttpServerResponse, Throwable, Dialect)}, for the request {@code requestId}:
   * the log line of a server-side failure carries it, and so does the answer's {@code
   * x-tollgate-request-id}, so that a client can quote the failure's line.
   */
  static void send(
      HttpServerResponse response, Throwable error, Dialect dialect, @Nullable String requestId) {
    GatewayException e = Errors.from(error);
    if (e.status() >= 500) {
      LoggingEventBuilder line = e.status() == 500 ? LOG.atError() : LOG.atWarn();
      if (requestId != null) {
        line = line.addKeyValue("request_id", requestId);
      }
      if (e.status() == 500) {
        line.setCause(error).log("internal error");
      } else {
        line.log("{} {}", e.status(), e.getMessage());
      }
    }
    if (response.ended() || response.closed() || response.headWritten()) {
      return;
    }
    if (e.retryAfterSeconds() >= 0) {
      response.putHeader("retry-after", Long.toString(e.retryAfterSeconds()));
    } else if (e.status() == 429 && e.upstreamRetryAfterMillis() >= 0) {
      // The provider's own wait, passed on when the gateway gives its 429 to the client.
      response.putHeader(
          "retry-after", Long.toString(Math.max(1, (e.upstreamRetryAfterMillis() + 999) / 1000)));
    }
    if (requestId != null) {
      response.putHeader("x-tollgate-request-id", requestId);
    }
    e.headers().forEach(response::putHeader);
    dialect.errorHeaders(e, response::putHeader);
    if (e.status() == 429 && !e.type().equals("rate_limit_exceeded")) {
      // A spent budget does not come back on retry: the OpenAI and Anthropic SDKs honour this
      // header and give up at once instead of retrying with backoff.
      response.putHeader("x-should-retry", "false");
    }
    response
        .setStatusCode(e.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Buffer.buffer(dialect.errorBody(e)));
  }

  /** Failure handler for the router: body too large, no route, and anything thrown. */
  public static void handleFailure(RoutingContext ctx, long bodyLimit) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure == null || (status > 0 && !(failure instanceof GatewayException))) {
      failure =
          switch (status) {
            case 413 -> GatewayException.tooLarge(bodyLimit);
            case 404 ->
                GatewayException.notFound(
                    null, "no route for " + ctx.request().method() + " " + ctx.request().path());
            case 405 ->
                GatewayException.of(
                    405,
                    "invalid_request_error",
                    null,
                    "method_not_allowed",
                    "method "
                        + ctx.request().method()
                        + " is not allowed on "
                        + ctx.request().path());
            case 400 -> GatewayException.badRequest(null, "bad request");
            default ->
                Errors.from(
                    failure == null ? new IllegalStateException("status " + status) : failure);
          };
    }
    send(ctx.response(), failure);
  }
}
