package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import dev.tollgate.routing.SharedUsage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deployments' use this minute, shared by the instances of one Redis, for {@code
 * usage-based-routing-v2}: each instance adds its own use locally and, every {@link #FLUSH_MILLIS},
 * adds it to the hash {@code <prefix>usage:<deployment>:<minute>} (fields {@code t} tokens and
 * {@code r} requests, kept two minutes) and reads back every instance's total. What this instance
 * reads is that total plus what it has not sent yet, so the ranking lags the other instances by at
 * most a second and never its own traffic. Routing only: budgets and rate limits are enforced by
 * the meter, exactly. While Redis is unreachable, each instance ranks by what it knows.
 */
public final class RedisUsage implements SharedUsage, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisUsage.class);
  static final long FLUSH_MILLIS = 1_000;
  private static final long KEEP_MILLIS = 120_000;

  private final Vertx vertx;
  private final Redis redis;
  private final String prefix;
  private final Clock clock;
  private final long timer;

  /** Per deployment: {minute, tokens, requests} not yet sent. */
  private final Map<String, long[]> pending = new ConcurrentHashMap<>();

  /** Per deployment: {minute, tokens, requests} as last read from Redis, every instance's. */
  private final Map<String, long[]> read = new ConcurrentHashMap<>();

  /** Every deployment asked about: its totals are read at each flush. */
  private final java.util.Set<String> watched = ConcurrentHashMap.newKeySet();

  private volatile boolean flushing;

  public RedisUsage(Vertx vertx, RedisSettings settings, Clock clock) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.clock = requireNonNull(clock, "clock");
    this.prefix = settings.keyPrefix() + "usage:";
    RedisOptions options = new RedisOptions().setConnectionString(settings.endpoint());
    settings.password().ifPresent(options::setPassword);
    this.redis = Redis.createClient(vertx, options);
    this.timer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
  }

  @Override
  public void add(String id, long minute, long tokens, long requests) {
    long[] p = pending.computeIfAbsent(id, k -> new long[] {minute, 0, 0});
    synchronized (p) {
      if (p[0] != minute) {
        p[0] = minute;
        p[1] = 0;
        p[2] = 0;
      }
      p[1] += tokens;
      p[2] += requests;
    }
  }

  @Override
  public long tokens(String id, long minute) {
    watched.add(id);
    return value(read, id, minute, 1) + value(pending, id, minute, 1);
  }

  @Override
  public long requests(String id, long minute) {
    watched.add(id);
    return value(read, id, minute, 2) + value(pending, id, minute, 2);
  }

  private static long value(Map<String, long[]> m, String id, long minute, int field) {
    long[] v = m.get(id);
    if (v == null) {
      return 0;
    }
    synchronized (v) {
      return v[0] == minute ? v[field] : 0;
    }
  }

  private String key(String id, long minute) {
    return prefix + id + ":" + minute;
  }

  /** Sends what this instance used since the last flush, then reads every instance's totals. */
  Future<Void> flush() {
    if (flushing) {
      return Future.succeededFuture();
    }
    flushing = true;
    long minute = clock.millis() / 60_000;
    List<Request> writes = new ArrayList<>();
    List<Runnable> sent = new ArrayList<>();
    for (Map.Entry<String, long[]> e : pending.entrySet()) {
      long[] p = e.getValue();
      long m;
      long t;
      long r;
      synchronized (p) {
        m = p[0];
        t = p[1];
        r = p[2];
      }
      if (m != minute || (t == 0 && r == 0)) {
        continue;
      }
      String key = key(e.getKey(), m);
      writes.add(Request.cmd(Command.HINCRBY).arg(key).arg("t").arg(t));
      writes.add(Request.cmd(Command.HINCRBY).arg(key).arg("r").arg(r));
      writes.add(Request.cmd(Command.PEXPIRE).arg(key).arg(KEEP_MILLIS));
      sent.add(
          () -> {
            synchronized (p) {
              if (p[0] == m) {
                p[1] -= t;
                p[2] -= r;
              }
            }
          });
    }
    java.util.Set<String> all = new java.util.LinkedHashSet<>(watched);
    all.addAll(pending.keySet());
    List<String> ids = new ArrayList<>(all);
    Future<?> written =
        writes.isEmpty()
            ? Future.succeededFuture()
            : redis.batch(writes).onSuccess(ok -> sent.forEach(Runnable::run));
    return written
        .compose(ok -> readTotals(ids, minute))
        .onFailure(
            e -> LOG.debug("could not share deployment usage through redis: {}", e.toString()))
        .onComplete(ar -> flushing = false)
        .mapEmpty();
  }

  private Future<Void> readTotals(List<String> ids, long minute) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Request> reads = new ArrayList<>(ids.size());
    for (String id : ids) {
      reads.add(Request.cmd(Command.HMGET).arg(key(id, minute)).arg("t").arg("r"));
    }
    return redis
        .batch(reads)
        .map(
            replies -> {
              for (int i = 0; i < ids.size(); i++) {
                Response r = replies.get(i);
                long t = number(r, 0);
                long q = number(r, 1);
                read.put(ids.get(i), new long[] {minute, t, q});
              }
              return null;
            });
  }

  private static long number(@org.jspecify.annotations.Nullable Response r, int i) {
    if (r == null || r.size() <= i) {
      return 0;
    }
    Response v = r.get(i);
    Long n = v == null ? null : v.toLong();
    return n == null ? 0 : n;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    redis.close();
  }
}
