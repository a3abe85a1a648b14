package dev.tollgate.proxy;

import static java.util.Objects.requireNonNull;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what clients can hold without doing any work, on one event loop's server: a connection
 * must send a request's headers within {@code header_timeout_seconds} of opening, a request's body
 * within {@code body_timeout_seconds} of its headers, and is closed after {@code
 * idle_timeout_seconds} without a request in flight; at most {@code max_connections} are open
 * across the process, and when a new one would pass that, the longest-idle connection (none of its
 * requests in flight) is closed to make room, else the new one. Bodies being read hold a share of
 * one budget of {@code max_buffered_request_mb} across the process ({@link Limits#reserve}).
 * Event-loop confined, except {@link Limits}, which every loop shares.
 */
public final class ConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** The limits, and what every event loop's guard counts against them. Thread-safe. */
  public static final class Limits {
    final int maxConnections;
    final long headerTimeoutMillis;
    final long bodyTimeoutMillis;
    final long idleTimeoutMillis;
    final long maxBufferedBytes;
    final AtomicInteger open = new AtomicInteger();
    final AtomicLong buffered = new AtomicLong();
    final AtomicLong closedByGuard = new AtomicLong();

    public Limits(
        int maxConnections,
        long headerTimeoutMillis,
        long bodyTimeoutMillis,
        long idleTimeoutMillis,
        long maxBufferedBytes) {
      if (maxConnections < 1
          || headerTimeoutMillis < 1
          || bodyTimeoutMillis < 1
          || idleTimeoutMillis < 1
          || maxBufferedBytes < 1) {
        throw new IllegalArgumentException("connection limits must be positive");
      }
      this.maxConnections = maxConnections;
      this.headerTimeoutMillis = headerTimeoutMillis;
      this.bodyTimeoutMillis = bodyTimeoutMillis;
      this.idleTimeoutMillis = idleTimeoutMillis;
      this.maxBufferedBytes = maxBufferedBytes;
    }

    /**
     * Takes {@code bytes} of the buffered-body budget; false, taking nothing, when that would pass
     * {@code max_buffered_request_mb}.
     */
    public boolean reserve(long bytes) {
      long after = buffered.addAndGet(bytes);
      if (after > maxBufferedBytes) {
        buffered.addAndGet(-bytes);
        return false;
      }
      return true;
    }

    public void release(long bytes) {
      buffered.addAndGet(-bytes);
    }

    /** Bytes of request bodies being read now, across the process. */
    public long buffered() {
      return buffered.get();
    }

    public int openConnections() {
      return open.get();
    }

    /** Connections the guard closed (timeouts and evictions), since start. */
    public long closed() {
      return closedByGuard.get();
    }
  }

  private final Limits limits;
  private final Map<HttpConnection, Conn> conns = new HashMap<>();

  public ConnectionGuard(Limits limits) {
    this.limits = requireNonNull(limits, "limits");
  }

  /** One open connection's state; also its requests' end handler. */
  private final class Conn implements Handler<Void> {
    final HttpConnection connection;
    final long openedAt;
    long lastActive;
    int inFlight;
    boolean hadRequest;
    @Nullable HttpServerRequest reading;
    long readingSince;

    Conn(HttpConnection connection, long now) {
      this.connection = connection;
      this.openedAt = now;
      this.lastActive = now;
    }

    /** A response ended. */
    @Override
    public void handle(Void v) {
      inFlight = Math.max(0, inFlight - 1);
      lastActive = System.nanoTime();
    }
  }

  /** A connection opened: counted, and room made if the process is at its limit. */
  public void opened(HttpConnection c) {
    long now = System.nanoTime();
    int open = limits.open.incrementAndGet();
    if (open > limits.maxConnections && !evictIdle()) {
      limits.open.decrementAndGet();
      limits.closedByGuard.incrementAndGet();
      c.close();
      return;
    }
    Conn conn = new Conn(c, now);
    conns.put(c, conn);
    c.closeHandler(
        v -> {
          if (conns.remove(c) != null) {
            limits.open.decrementAndGet();
          }
        });
  }

  /** Closes the longest-idle connection of this loop; whether there was one. */
  private boolean evictIdle() {
    Conn oldest = null;
    for (Conn c : conns.values()) {
      if (c.inFlight == 0 && (oldest == null || c.lastActive < oldest.lastActive)) {
        oldest = c;
      }
    }
    if (oldest == null) {
      return false;
    }
    close(oldest);
    return true;
  }

  private void close(Conn c) {
    if (conns.remove(c.connection) != null) {
      limits.open.decrementAndGet();
    }
    limits.closedByGuard.incrementAndGet();
    c.connection.close();
  }

  /** A request's headers arrived. */
  public void started(HttpServerRequest req) {
    Conn c = conns.get(req.connection());
    if (c == null) {
      return;
    }
    long now = System.nanoTime();
    c.hadRequest = true;
    c.inFlight++;
    c.lastActive = now;
    if (!req.isEnded()) {
      c.reading = req;
      c.readingSince = now;
    }
    req.response().endHandler(c);
  }

  /** Closes what has overstayed: runs every second or so on this loop. */
  public void sweep() {
    long now = System.nanoTime();
    long header = limits.headerTimeoutMillis * 1_000_000;
    long body = limits.bodyTimeoutMillis * 1_000_000;
    long idle = limits.idleTimeoutMillis * 1_000_000;
    int closed = 0;
    for (Iterator<Conn> it = conns.values().iterator(); it.hasNext(); ) {
      Conn c = it.next();
      HttpServerRequest r = c.reading;
      if (r != null && r.isEnded()) {
        c.reading = null;
        r = null;
      }
      boolean close;
      if (r != null) {
        close = now - c.readingSince > body;
      } else if (c.inFlight > 0) {
        close = false;
      } else if (!c.hadRequest) {
        close = now - c.openedAt > header;
      } else {
        close = now - c.lastActive > idle;
      }
      if (close) {
        it.remove();
        limits.open.decrementAndGet();
        limits.closedByGuard.incrementAndGet();
        c.connection.close();
        closed++;
      }
    }
    if (closed > 0) {
      LOG.debug("closed {} connections that overstayed their timeouts", closed);
    }
  }
}
