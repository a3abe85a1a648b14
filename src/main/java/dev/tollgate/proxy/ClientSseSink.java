package dev.tollgate.proxy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.dialect.Dialect;
import dev.tollgate.dialect.StreamEncoder;
import dev.tollgate.pricing.Usage;
import dev.tollgate.provider.SseSink;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Writes a provider's SSE stream to the client response, through the client's dialect: its {@link
 * StreamEncoder} turns the provider's OpenAI events into the client API's events (or passes them as
 * they are), and its error body answers a stream that failed before its head. What was relayed is
 * kept as the provider sent it, so that an estimate reads OpenAI's format whatever the client
 * speaks. Event-loop confined. When the stream ends, however it ends, its {@link Owner} gets the
 * usage seen (empty when none was reported), unless it failed before its head and the owner tries
 * again elsewhere: until the head is sent, nothing is committed.
 */
final class ClientSseSink implements SseSink {
  /** What the sink reports to: the request it streams for. */
  interface Owner {
    /** The request's {@code x-tollgate-request-id}, for log lines. */
    String requestId();

    /** Adds the owner's headers to the response head, just before it is sent. */
    void head(HttpServerResponse response);

    /**
     * The stream failed before its head: whether the owner tries again with another sink, in which
     * case this one says nothing more, or not, in which case it answers {@code error}.
     */
    boolean retry(GatewayException error);

    /** The stream ended, with the usage seen, and how it failed if it did. */
    void done(Optional<Usage> usage, @Nullable GatewayException error);
  }

  private final Context context;
  private final Dialect dialect;
  private final StreamEncoder encoder;
  private final HttpServerResponse response;
  private final Owner owner;
  private Optional<Usage> usage = Optional.empty();
  private final Relayed relayed = new Relayed();
  private boolean begun;
  private boolean finished;

  ClientSseSink(
      Context context,
      Dialect dialect,
      StreamEncoder encoder,
      HttpServerResponse response,
      Owner owner) {
    this.context = context;
    this.dialect = dialect;
    this.encoder = encoder;
    this.response = response;
    this.owner = owner;
  }

  @Override
  public void begin() {
    if (begun || response.closed()) {
      return;
    }
    begun = true;
    owner.head(response);
    response
        .setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, dialect.streamContentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
  }

  /**
   * Events written during one event-loop turn, sent as one write at its end: a provider that
   * receives a burst of events makes one syscall for them, not one each.
   */
  private @Nullable Buffer pending;

  @Override
  public void write(Buffer events) {
    if (finished || response.closed()) {
      return;
    }
    relayed.add(events);
    Buffer out = encoder.encode(events);
    if (out.length() == 0) {
      return;
    }
    if (pending == null) {
      pending = Buffer.buffer(Math.max(256, out.length() * 2)).appendBuffer(out);
      context.runOnContext(v -> flush());
    } else {
      pending.appendBuffer(out);
    }
  }

  private void flush() {
    Buffer out = pending;
    pending = null;
    if (out != null && !response.closed() && !response.ended()) {
      response.write(out);
    }
  }

  /** What is pending, with {@code last} appended; empties the pending buffer. */
  private Buffer drain(Buffer last) {
    Buffer out = pending;
    pending = null;
    return out == null ? last : out.appendBuffer(last);
  }

  /** The events written for the client so far. */
  Relayed relayed() {
    return relayed;
  }

  /** Whether the response head was sent: after that, content may have reached the client. */
  boolean begun() {
    return begun;
  }

  @Override
  public boolean writeQueueFull() {
    return !response.closed() && response.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  @Override
  public void usage(Usage u) {
    usage = Optional.of(u);
  }

  @Override
  public void end() {
    if (finished) {
      return;
    }
    finished = true;
    if (!response.closed() && !response.ended()) {
      response.end(drain(encoder.end()));
    }
    owner.done(usage, null);
  }

  @Override
  public void fail(GatewayException error) {
    fail(error, false);
  }

  @Override
  public void failRelayed(GatewayException error) {
    fail(error, true);
  }

  private void fail(GatewayException error, boolean told) {
    if (finished) {
      return;
    }
    finished = true;
    if (!begun && owner.retry(error)) {
      return;
    }
    if (!begun) {
      HttpErrors.send(response, error, dialect, owner.requestId());
    } else if (!response.closed() && !response.ended()) {
      response.end(drain(told ? Buffer.buffer(0) : encoder.error(error)));
    }
    owner.done(usage, error);
  }
}
