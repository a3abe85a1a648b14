package dev.tollgate.provider;

import static java.util.Objects.requireNonNull;

import dev.tollgate.common.GatewayException;
import dev.tollgate.config.LitellmParams;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Calls an upstream over HTTP in a {@link WireFormat}, owning what every HTTP provider shares so
 * that a format owns only its bytes:
 *
 * <ul>
 *   <li>The timeout. A non-streamed call fails with 504 once {@link UpstreamRequest#timeoutMillis}
 *       has passed; a stream fails once the upstream has sent nothing for that long. Both count the
 *       wait for what {@link WireFormat#ready} asks for, such as an access token.
 *   <li>Cancellation. When the client goes away, a timeout fires or the stream fails, the upstream
 *       request is reset: otherwise Vert.x keeps reading, and the tokens are still paid for.
 *   <li>Backpressure. A stream's upstream is paused while the client's write queue is full, and
 *       resumed by the sink's drain handler.
 *   <li>Transport failures. A timeout becomes a 504; a failed connection, before or during the
 *       answer, a 502 naming the deployment. An answer of HTTP 400 or above is read whole and
 *       handed to the format, which makes the error.
 * </ul>
 *
 * <p>One instance per event loop, made by a {@link ProviderFactory}. A call runs on the event loop
 * that started it: every callback, timer and sink call comes back to it, so per-call state needs no
 * lock. Nothing here blocks.
 */
public final class UpstreamCall implements Provider {

  /** The longest wait for a connection, however long the call may take. */
  private static final long MAX_CONNECT_MILLIS = 10_000;

  private final Vertx vertx;
  private final HttpClient client;
  private final WireFormat format;
  private final UpstreamLimits limits;

  public UpstreamCall(Vertx vertx, HttpClient client, WireFormat format) {
    this(vertx, client, format, UpstreamLimits.NONE);
  }

  private UpstreamCall(Vertx vertx, HttpClient client, WireFormat format, UpstreamLimits limits) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.client = requireNonNull(client, "client");
    this.format = requireNonNull(format, "format");
    this.limits = requireNonNull(limits, "limits");
  }

  @Override
  public Provider hearing(UpstreamLimits limits) {
    return new UpstreamCall(vertx, client, format, limits);
  }

  @Override
  public OptionalLong impliedMaxTokens(ParsedRequest chat, OptionalLong largest) {
    return format.impliedMaxTokens(chat, largest);
  }

  @Override
  public OptionalLong impliedMaxTokens(
      ParsedRequest chat, LitellmParams params, OptionalLong largest) {
    return format.impliedMaxTokens(chat, params, largest);
  }

  @Override
  public boolean serves(Endpoint endpoint, String provider) {
    return format.serves(endpoint, provider);
  }

  @Override
  public boolean serves(Endpoint endpoint, LitellmParams params) {
    return format.serves(endpoint, params);
  }

  @Override
  public Optional<RequestOptions> passThrough(
      LitellmParams params, HttpMethod method, String pathAndQuery) {
    return format.passThrough(params, method, pathAndQuery);
  }

  @Override
  public Future<UpstreamResponse> call(UpstreamRequest up) {
    Promise<UpstreamResponse> promise = Promise.promise();
    long timer =
        vertx.setTimer(
            up.timeoutMillis(),
            id ->
                promise.tryFail(
                    GatewayException.timeout(
                        "upstream did not answer within " + up.timeoutMillis() + " ms")));
    Future<Void> ready = format.ready(up);
    if (ready == null) {
      send(up, promise, timer);
    } else {
      up.cancellation()
          .onCancel(
              () -> {
                vertx.cancelTimer(timer);
                promise.tryFail(GatewayException.clientClosed());
              });
      ready.onComplete(
          ar -> {
            if (promise.future().isComplete()) {
              return; // timed out or its client left while it waited: never send it
            }
            if (ar.failed()) {
              vertx.cancelTimer(timer);
              promise.tryFail(translate(ar.cause(), up));
              return;
            }
            try {
              send(up, promise, timer);
            } catch (RuntimeException e) {
              // A request the format refused (a 400): thrown in a callback, it would be lost.
              vertx.cancelTimer(timer);
              promise.tryFail(translate(e, up));
            }
          });
    }
    return promise.future();
  }

  private void send(UpstreamRequest up, Promise<UpstreamResponse> promise, long timer) {
    Buffer body = format.body(up);
    client
        .request(options(up, body))
        .compose(
            req -> {
              up.cancellation()
                  .onCancel(
                      () -> {
                        promise.tryFail(GatewayException.clientClosed());
                        req.reset();
                      });
              promise.future().onFailure(e -> req.reset());
              return req.send(body);
            })
        .compose(resp -> resp.body().map(b -> answer(up, resp, b)))
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.succeeded()) {
                promise.tryComplete(ar.result());
              } else {
                promise.tryFail(translate(ar.cause(), up));
              }
            });
  }

  /** The format's request for {@code up}, with the connect timeout and the trace's parent. */
  private RequestOptions options(UpstreamRequest up, Buffer body) {
    RequestOptions o = format.request(up, body).setConnectTimeout(connectTimeout(up));
    String traceparent = up.traceparent();
    if (traceparent != null) {
      o.putHeader("traceparent", traceparent);
      String tracestate = up.tracestate();
      if (tracestate != null) {
        o.putHeader("tracestate", tracestate);
      }
    }
    return o;
  }

  private UpstreamResponse answer(UpstreamRequest up, HttpClientResponse resp, Buffer b) {
    heard(up, resp);
    byte[] bytes = b.getBytes();
    if (resp.statusCode() >= 400) {
      throw withRetryAfter(
          format.error(resp.statusCode(), resp.headers(), Redaction.relayed(bytes, up.params())),
          resp.headers());
    }
    return format.answer(up, resp.statusCode(), resp.headers(), bytes);
  }

  /** Passes what the answer's head says of the upstream's rate limits to {@link #limits}. */
  private void heard(UpstreamRequest up, HttpClientResponse resp) {
    if (limits != UpstreamLimits.NONE) {
      limits.heard(up.deploymentId(), resp.headers());
    }
  }

  @Override
  public void stream(UpstreamRequest up, SseSink sink) {
    Stream stream = new Stream(up, sink);
    stream.armIdleTimer();
    Future<Void> ready = format.ready(up);
    if (ready == null) {
      send(stream);
    } else {
      up.cancellation().onCancel(() -> stream.finish(GatewayException.clientClosed()));
      ready.onComplete(
          ar -> {
            if (stream.finished) {
              return;
            }
            if (ar.failed()) {
              stream.finish(translate(ar.cause(), up));
              return;
            }
            try {
              send(stream);
            } catch (RuntimeException e) {
              stream.finish(translate(e, up));
            }
          });
    }
  }

  private void send(Stream stream) {
    UpstreamRequest up = stream.up;
    SseSink sink = stream.sink;
    Buffer body = format.body(up);
    client
        .request(options(up, body))
        .compose(
            req -> {
              if (stream.finished) {
                // It timed out or its client left while it waited for a connection: never send
                // it, or the upstream generates (and bills) an answer no one reads.
                req.reset();
                return Future.failedFuture(GatewayException.clientClosed());
              }
              stream.request = req;
              up.cancellation().onCancel(() -> stream.finish(GatewayException.clientClosed()));
              return req.send(body);
            })
        .onComplete(
            ar -> {
              if (ar.failed()) {
                stream.finish(translate(ar.cause(), up));
                return;
              }
              HttpClientResponse resp = ar.result();
              heard(up, resp);
              if (resp.statusCode() >= 400) {
                resp.body()
                    .onComplete(
                        b ->
                            stream.finish(
                                b.succeeded()
                                    ? withRetryAfter(
                                        format.error(
                                            resp.statusCode(),
                                            resp.headers(),
                                            Redaction.relayed(b.result().getBytes(), up.params())),
                                        resp.headers())
                                    : translate(b.cause(), up)));
                return;
              }
              sink.begin();
              StreamRelay relay = format.relay(up, sink);
              resp.handler(
                  chunk -> {
                    stream.lastActivity = System.nanoTime();
                    relay.relay(chunk);
                    if (sink.writeQueueFull()) {
                      resp.pause();
                      sink.drainHandler(v -> resp.resume());
                    }
                  });
              resp.exceptionHandler(
                  e ->
                      stream.finish(
                          GatewayException.badGateway(
                              "upstream connection failed mid-stream: " + describe(e, up), e)));
              // A mid-stream error is the upstream's text, like an error answer: redacted alike.
              resp.endHandler(
                  v ->
                      stream.finish(
                          relay
                              .end()
                              .map(e -> e.mapText(t -> Redaction.relayed(t, up.params())))
                              .orElse(null),
                          relay.errorRelayed()));
            });
  }

  /**
   * {@code e} with the wait its response's headers ask for; with the wait the format read from the
   * body (Google's {@code RetryInfo}) when the headers ask none.
   */
  private static GatewayException withRetryAfter(GatewayException e, MultiMap headers) {
    long millis = retryAfterMillis(headers);
    return millis >= 0 ? e.withUpstreamRetryAfterMillis(millis) : e;
  }

  /**
   * How long an error response asks to wait: {@code retry-after-ms} (OpenAI's), else {@code
   * retry-after} in seconds; -1 when neither is a number (an HTTP date is not honoured).
   */
  static long retryAfterMillis(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double v = Double.parseDouble(ms.trim());
        if (v >= 0 && v < Long.MAX_VALUE) {
          return (long) Math.ceil(v);
        }
      } catch (NumberFormatException e) {
        // fall through to retry-after
      }
    }
    String s = headers.get("retry-after");
    if (s != null) {
      try {
        double v = Double.parseDouble(s.trim());
        if (v >= 0 && v < Long.MAX_VALUE / 1000) {
          return (long) Math.ceil(v * 1000);
        }
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  private static long connectTimeout(UpstreamRequest up) {
    return Math.min(up.timeoutMillis(), MAX_CONNECT_MILLIS);
  }

  private static GatewayException translate(Throwable e, UpstreamRequest up) {
    if (e instanceof GatewayException g) {
      return g;
    }
    if (e instanceof TimeoutException) {
      return GatewayException.timeout(
          "upstream did not answer within " + up.timeoutMillis() + " ms");
    }
    if (e instanceof ConnectException) {
      return GatewayException.badGateway(
          "could not connect to the upstream of deployment "
              + up.deploymentId()
              + ": "
              + describe(e, up),
          e);
    }
    return GatewayException.badGateway(
        "upstream request for deployment " + up.deploymentId() + " failed: " + describe(e, up), e);
  }

  /**
   * What went wrong, for the client: the exception's message without the deployment's host, port or
   * secrets. The exception is the answer's cause: the request's log line has the whole of it
   * ({@code ProxyHandler.attemptEnded}).
   */
  private static String describe(Throwable e, UpstreamRequest up) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    String r = Redaction.relayed(m, up.params());
    // An address the URL did not spell the same way (a resolved name, an IP for a host name).
    return r.replaceAll("[\\w.-]*/?\\d{1,3}(\\.\\d{1,3}){3}(:\\d+)?", Redaction.REDACTED)
        .replaceAll("\\[[0-9a-fA-F:]+\\](:\\d+)?", Redaction.REDACTED);
  }

  /** One stream's state: the upstream request, the idle timer, and whether it has finished. */
  private final class Stream {
    private final UpstreamRequest up;
    private final SseSink sink;
    @Nullable HttpClientRequest request;
    long timer = -1;
    boolean finished;

    /** When the upstream last sent something, from {@link System#nanoTime()}. */
    long lastActivity = System.nanoTime();

    Stream(UpstreamRequest up, SseSink sink) {
      this.up = up;
      this.sink = sink;
    }

    /**
     * Fails the stream once the upstream has been silent for the timeout. One timer at a time,
     * re-armed for the remaining time when it fires early, so events do not each touch a timer.
     */
    void armIdleTimer() {
      long timeoutNanos = up.timeoutMillis() * 1_000_000L;
      long wait = Math.max(1, (lastActivity + timeoutNanos - System.nanoTime()) / 1_000_000L);
      timer =
          vertx.setTimer(
              wait,
              id -> {
                if (finished) {
                  return;
                }
                if (System.nanoTime() - lastActivity >= timeoutNanos) {
                  finish(
                      GatewayException.timeout(
                          "upstream sent nothing for " + up.timeoutMillis() + " ms"));
                } else {
                  armIdleTimer();
                }
              });
    }

    /** Ends the sink, normally when {@code error} is null; resets the upstream on an error. */
    void finish(@Nullable GatewayException error) {
      finish(error, false);
    }

    /**
     * As {@link #finish(GatewayException)}; {@code relayed} when the client already received the
     * upstream's own event for {@code error}, so the sink writes no other.
     */
    void finish(@Nullable GatewayException error, boolean relayed) {
      if (finished) {
        return;
      }
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      // Marked finished before the reset, which fails the pending response synchronously.
      finished = true;
      if (error != null) {
        HttpClientRequest r = request;
        if (r != null) {
          r.reset();
        }
        if (relayed) {
          sink.failRelayed(error);
        } else {
          sink.fail(error);
        }
      } else {
        sink.end();
      }
    }
  }
}
