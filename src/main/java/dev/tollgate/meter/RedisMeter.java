package dev.tollgate.meter;

import static java.util.Objects.requireNonNull;

import dev.tollgate.meter.RedisScripts.Script;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Meter} whose counters live in Redis and so are shared by every gateway instance that
 * uses the same Redis and key prefix. Each operation is one Lua script ({@link RedisScripts}), run
 * with EVALSHA, so admission is atomic across instances.
 *
 * <p>Amounts are stored exactly (int64, {@code HINCRBY}), but Lua compares them as doubles: limits
 * and counts are exact up to 2^53 nano-USD, about 9 million USD.
 *
 * <p>While Redis cannot be reached (a command fails or takes longer than {@link
 * RedisSettings#commandTimeout()}), admissions go to the fallback meter ({@link
 * RedisFailureMode#LOCAL}) or are answered {@link Unavailable} ({@link RedisFailureMode#CLOSED}).
 * Settlements are queued in memory and replayed, in order, once a PING succeeds again; Redis counts
 * each request id once, so a replay never counts twice. Until the queue is empty, Redis is still
 * treated as unreachable, so it never decides an admission without the outage's spend.
 *
 * <p>Threading: non-blocking; every method may be called from any thread. The small outage state is
 * guarded by a lock that is never held across I/O.
 */
public final class RedisMeter implements Meter {
  private static final Logger log = LoggerFactory.getLogger(RedisMeter.class);

  /**
   * How long the per-request markers live: a settlement replayed later than this after the first
   * one could count twice.
   */
  static final long MARKER_TTL_MILLIS = 86_400_000;

  private enum State {
    UP,
    DOWN,
    /** Reachable again, queued settlements still being replayed. */
    REPLAYING
  }

  /**
   * A settlement, with the sequence number its idempotency bit is kept under: {@code seq} is this
   * meter's own, so that a replay of the same settlement finds the same bit.
   */
  private record Pending(String requestId, long seq, List<Settlement> settlements, long now) {}

  /** Settlements per applied-bitmap key: 2^20 bits, 128 KiB. */
  static final int APPLIED_BITS_PER_KEY = 1 << 20;

  /** Names this meter's applied-bitmaps; new at every start, so sequences never collide. */
  private final String epoch = Long.toHexString(new java.security.SecureRandom().nextLong());

  private final java.util.concurrent.atomic.AtomicLong sequence =
      new java.util.concurrent.atomic.AtomicLong();

  /** The sequence given to recent request ids, so that settling one twice uses the same bit. */
  private final java.util.LinkedHashMap<String, Long> recentSequences =
      new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Long> eldest) {
          return size() > 65_536;
        }
      };

  private long sequenceOf(String requestId) {
    synchronized (recentSequences) {
      return recentSequences.computeIfAbsent(requestId, id -> sequence.getAndIncrement());
    }
  }

  private final Vertx vertx;
  private final RedisSettings settings;
  private final Meter fallback;
  private final Redis redis;
  private final io.vertx.core.Context home;
  private final String prefix;
  private final long timeoutMillis;

  /** Requests the fallback admitted and that have not settled yet: their reservations are local. */
  private final Set<String> heldLocally = ConcurrentHashMap.newKeySet();

  private final Object lock = new Object();
  private volatile State state = State.UP;
  // guarded by lock:
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean draining;

  /** Redis came back without what it held: the queued settlements are not replayed. */
  private boolean lostDuringOutage;

  private boolean probing;
  private boolean closed;
  private long replayed;
  private long dropped;
  private long droppedInOutage;
  private final List<io.vertx.core.Promise<Void>> reachableWaiters = new ArrayList<>();

  /**
   * @param fallback admits and settles while Redis is unreachable in {@link RedisFailureMode#LOCAL}
   *     mode; unused in {@link RedisFailureMode#CLOSED} mode. Closed with this meter.
   */
  public RedisMeter(Vertx vertx, RedisSettings settings, Meter fallback) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.settings = requireNonNull(settings, "settings");
    this.fallback = requireNonNull(fallback, "fallback");
    this.prefix = settings.keyPrefix();
    this.timeoutMillis = settings.commandTimeout().toMillis();
    RedisOptions options =
        new RedisOptions()
            .setConnectionString(settings.endpoint())
            .setMaxPoolSize(8)
            // admissions queue for a connection rather than fail under a burst
            .setMaxPoolWaiting(8192)
            .setMaxWaitingHandlers(8192);
    settings.password().ifPresent(options::setPassword);
    options.getNetClientOptions().setConnectTimeout((int) Math.min(timeoutMillis, 60_000));
    this.redis = Redis.createClient(vertx, options);
    io.vertx.core.Context ctx = vertx.getOrCreateContext();
    if (!ctx.isEventLoopContext()) {
      throw new IllegalStateException(
          "create the redis meter on an event loop or outside Vert.x, not on a worker");
    }
    this.home = ctx;
    home.runOnContext(v -> startInstanceTimers());
  }

  /**
   * A request's reservation marker, named after this instance so that, should it die, another can
   * find what it still held.
   */
  private String marker(String requestId) {
    return prefix + "reserved:" + epoch + ":" + requestId;
  }

  @Override
  public Future<Verdict> admit(String requestId, List<Check> checks, long now) {
    return onHome(() -> admitHere(requestId, checks, now));
  }

  private Future<Verdict> admitHere(String requestId, List<Check> checks, long now) {
    if (state != State.UP) {
      return fallbackStale
          ? Future.succeededFuture(new Stale())
          : admitWithoutRedis(requestId, checks, now);
    }
    if (floorsStale) {
      return Future.succeededFuture(new Stale());
    }
    List<String> keys = new ArrayList<>(checks.size() + 1);
    keys.add(marker(requestId));
    List<String> args = new ArrayList<>(2 + checks.size());
    args.add(Long.toString(now));
    args.add(Long.toString(MARKER_TTL_MILLIS));
    for (Check c : checks) {
      keys.add(key(c));
      addCheckArgs(args, c);
    }
    return admits
        .submit(keys, args)
        .map(r -> verdict(r, checks))
        .recover(
            e -> {
              if (e instanceof ErrorType err && err.is(RedisScripts.STALE)) {
                floorsStale = true;
                return Future.succeededFuture(new Stale());
              }
              failed("admit", e);
              return admitWithoutRedis(requestId, checks, now)
                  .map(
                      v -> {
                        if (!(v instanceof Admitted)) {
                          giveBackLater(requestId, checks, now);
                        }
                        return v;
                      });
            });
  }

  /**
   * An admit that failed may still have run in Redis (a timeout is no refusal), and a request
   * refused after it is never settled: so a settlement that only gives back what it reserved is
   * queued for replay. It releases only if the admit's marker is there, so it is harmless when the
   * admit never ran.
   */
  private void giveBackLater(String requestId, List<Check> checks, long now) {
    List<Settlement> release = new ArrayList<>(checks.size());
    for (Check c : checks) {
      if (c.reserve() > 0) {
        release.add(new Settlement(c, c.reserve(), 0, 0, 0, Long.MAX_VALUE));
      }
    }
    if (!release.isEmpty()) {
      enqueue(new Pending(requestId, sequenceOf(requestId), List.copyOf(release), now));
    }
  }

  private Future<Verdict> admitWithoutRedis(String requestId, List<Check> checks, long now) {
    if (settings.failureMode() == RedisFailureMode.CLOSED) {
      return Future.succeededFuture(
          new Unavailable(
              "redis at "
                  + settings.redactedEndpoint()
                  + " is unreachable and redis_failure_mode is closed"));
    }
    return fallback
        .admit(requestId, checks, now)
        .map(
            v -> {
              if (v instanceof Admitted) {
                heldLocally.add(requestId);
              }
              return v;
            });
  }

  @Override
  public Future<Settled> settle(String requestId, List<Settlement> settlements, long now) {
    return onHome(() -> settleHere(requestId, settlements, now));
  }

  private Future<Settled> settleHere(String requestId, List<Settlement> settlements, long now) {
    Pending p = new Pending(requestId, sequenceOf(requestId), List.copyOf(settlements), now);
    if (heldLocally.remove(requestId)) {
      // The fallback holds this request's reservations; Redis holds none (its marker is absent),
      // so Redis only adds what was used.
      Future<Settled> local = fallback.settle(requestId, settlements, now);
      if (state != State.UP) {
        enqueue(p);
        return local;
      }
      return settleInRedis(p)
          .recover(
              e -> {
                enqueue(p);
                return local;
              });
    }
    if (state != State.UP) {
      enqueue(p);
      return settleWithoutRedis(p);
    }
    return settleInRedis(p)
        .recover(
            e -> {
              enqueue(p);
              return settleWithoutRedis(p);
            });
  }

  /** Spend settled during an outage also counts locally, so the fallback's admissions see it. */
  private Future<Settled> settleWithoutRedis(Pending p) {
    if (settings.failureMode() == RedisFailureMode.LOCAL) {
      List<Settlement> spendOnly = new ArrayList<>(p.settlements().size());
      for (Settlement s : p.settlements()) {
        spendOnly.add(
            new Settlement(
                s.check(),
                0,
                s.add(),
                s.addUnpricedRequests(),
                s.addUnpricedTokens(),
                s.softLimit()));
      }
      return fallback.settle(p.requestId(), spendOnly, p.now());
    }
    List<Reading> unknown = new ArrayList<>(p.settlements().size());
    List<Boolean> crossed = new ArrayList<>(p.settlements().size());
    for (Settlement s : p.settlements()) {
      Check c = s.check();
      unknown.add(
          new Reading(c.counter(), false, 0, 0, c.windowStart(), c.windowEnd(), 0, 0, false));
      crossed.add(false);
    }
    return Future.succeededFuture(new Settled(unknown, crossed));
  }

  private Future<Settled> settleInRedis(Pending p) {
    List<String> keys = new ArrayList<>(p.settlements().size() + 2);
    keys.add(prefix + "applied:" + epoch + ":" + (p.seq() / APPLIED_BITS_PER_KEY));
    keys.add(marker(p.requestId()));
    List<String> args = new ArrayList<>(3 + p.settlements().size());
    args.add(Long.toString(p.now()));
    args.add(Long.toString(MARKER_TTL_MILLIS));
    for (Settlement s : p.settlements()) {
      Check c = s.check();
      keys.add(key(c));
      args.add(
          packed(
              kind(c.kind()),
              c.windowStart(),
              bound(c.windowEnd()),
              c.floorSince() < 0 ? -1 : c.floorSince(),
              c.floor(),
              s.release(),
              s.add(),
              s.addUnpricedRequests(),
              s.addUnpricedTokens(),
              bound(s.softLimit())));
    }
    args.add(Long.toString(p.seq() % APPLIED_BITS_PER_KEY));
    return settles
        .submit(keys, args)
        .map(r -> settled(r, p.settlements()))
        .onFailure(e -> failed("settle", e));
  }

  @Override
  public Future<Void> reset(List<Check> counters, long now) {
    return onHome(() -> resetHere(counters, now));
  }

  private Future<Void> resetHere(List<Check> counters, long now) {
    if (state != State.UP) {
      return resetWithoutRedis(counters, now);
    }
    List<String> keys = new ArrayList<>(counters.size());
    List<String> args = new ArrayList<>(1 + 2 * counters.size());
    args.add(Long.toString(now));
    for (Check c : counters) {
      keys.add(prefix + "spend:" + c.counter());
      args.add(Long.toString(c.windowStart()));
      args.add(bound(c.windowEnd()));
    }
    return eval(resetScript, keys, args)
        .<Void>mapEmpty()
        .recover(
            e -> {
              failed("reset", e);
              return resetWithoutRedis(counters, now);
            });
  }

  /** A reset cannot reach the other instances, so it fails, after resetting the local counters. */
  private Future<Void> resetWithoutRedis(List<Check> counters, long now) {
    IllegalStateException e =
        new IllegalStateException(
            "redis at "
                + settings.redactedEndpoint()
                + " is unreachable; the counters were not reset for other instances");
    if (settings.failureMode() == RedisFailureMode.LOCAL) {
      return fallback.reset(counters, now).transform(ignored -> Future.failedFuture(e));
    }
    return Future.failedFuture(e);
  }

  @Override
  public Future<List<Reading>> read(List<Check> counters, long now) {
    return onHome(() -> readHere(counters, now));
  }

  private Future<List<Reading>> readHere(List<Check> counters, long now) {
    if (state != State.UP) {
      return readWithoutRedis(counters, now);
    }
    List<String> keys = new ArrayList<>(counters.size());
    List<String> args = new ArrayList<>(1 + counters.size());
    args.add(Long.toString(now));
    for (Check c : counters) {
      keys.add(key(c));
      addCheckArgs(args, c);
    }
    return eval(readScript, keys, args)
        .map(r -> readings(r.toString(), counters.size(), i -> counters.get(i).counter()))
        .recover(
            e -> {
              failed("read", e);
              return readWithoutRedis(counters, now);
            });
  }

  private Future<List<Reading>> readWithoutRedis(List<Check> counters, long now) {
    if (settings.failureMode() == RedisFailureMode.LOCAL) {
      return fallback.read(counters, now);
    }
    return Future.failedFuture(
        new IllegalStateException(
            "redis at "
                + settings.redactedEndpoint()
                + " is unreachable; counters cannot be read"));
  }

  /**
   * Runs {@code op} on an event loop. The Redis client completes a command on the context that sent
   * it; sent from a worker (an admin request, the counter flush) that then waits for it, the reply
   * would queue behind the waiting task forever. So anything not on an event loop goes through this
   * meter's own event-loop context, and its caller gets a future that completes on whichever thread
   * the reply arrives.
   */
  private <T> Future<T> onHome(java.util.function.Supplier<Future<T>> op) {
    io.vertx.core.Context c = Vertx.currentContext();
    if (c != null && c.isEventLoopContext()) {
      return op.get();
    }
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    home.runOnContext(v -> op.get().onComplete(p));
    return p.future();
  }

  /**
   * Whether Redis may have lost data since the floors were last read: a restart (NOSCRIPT for this
   * instance's own scripts), or this instance's floors marker gone. Admissions answer {@link Stale}
   * until {@link #floorsLoaded}.
   */
  private volatile boolean floorsStale;

  /**
   * This instance's floors marker: present while Redis holds what it held when floors were read.
   */
  private String floorsMarker() {
    return prefix + "floors:" + epoch;
  }

  /** Whether the fallback is to start from floors read afresh: set when an outage begins. */
  private volatile boolean fallbackStale;

  @Override
  public boolean needsFloors() {
    return state == State.UP ? floorsStale : fallbackStale;
  }

  @Override
  public Future<Void> floorsLoaded() {
    fallbackStale = false;
    if (state != State.UP) {
      // Only the fallback takes them now; a Redis that comes back is checked for lost data (and
      // its marker set) before it is used.
      return Future.succeededFuture();
    }
    return onHome(
        () ->
            loadScripts()
                .compose(
                    loaded ->
                        send(
                            Request.cmd(Command.SET)
                                .arg(floorsMarker())
                                .arg("1")
                                .arg("PX")
                                .arg(MARKER_TTL_MILLIS)))
                .<Void>mapEmpty()
                .onSuccess(v -> floorsStale = false)
                .recover(
                    e -> {
                      failed("floors marker", e);
                      // Unreachable: admissions go to the fallback meanwhile; a Redis that comes
                      // back is checked for lost data before it is used again.
                      return state == State.UP ? Future.failedFuture(e) : Future.succeededFuture();
                    }));
  }

  /**
   * Loads this instance's scripts, so that a NOSCRIPT from now on means that Redis lost its script
   * cache (a restart) rather than that they were never loaded.
   */
  private Future<Void> loadScripts() {
    Future<Void> all = Future.succeededFuture();
    for (Script sc : List.of(admitMany, settleMany, readScript, resetScript, reapScript)) {
      all =
          all.compose(v -> send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(sc.text())).mapEmpty());
    }
    return all;
  }

  @Override
  public String mode() {
    if (state == State.UP) {
      return "redis";
    }
    return settings.failureMode() == RedisFailureMode.LOCAL
        ? "redis-fallback-local"
        : "redis-unavailable-closed";
  }

  /** Settlements dropped because the replay queue was full, since start. */
  public long droppedSettlements() {
    synchronized (lock) {
      return dropped;
    }
  }

  /** Settlements waiting to be replayed into Redis. */
  public int queuedSettlements() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** Completes once Redis is reachable and every queued settlement has been replayed. */
  Future<Void> reachable() {
    synchronized (lock) {
      if (state == State.UP && queue.isEmpty() && !draining) {
        return Future.succeededFuture();
      }
      io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
      reachableWaiters.add(p);
      return p.future();
    }
  }

  @Override
  public void close() {
    int lost;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      lost = queue.size();
      queue.clear();
    }
    if (lost > 0) {
      log.warn("closing with {} settlements not yet replayed into redis; they are lost", lost);
    }
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(reaperTimer);
    redis.close();
    fallback.close();
  }

  // --- instances: a heartbeat, and releasing what a silent one held ----------------------------

  /**
   * When Redis last became reachable (or the meter started). A reaper waits one ttl after it, so
   * that instances cut off by the same outage have beaten again before it judges them silent.
   */
  private volatile long reachableSince = System.nanoTime();

  private volatile long heartbeatTimer = -1;
  private volatile long reaperTimer = -1;

  /** This meter's instance id in Redis: its heartbeat and its markers are named after it. */
  String instanceId() {
    return epoch;
  }

  private void startInstanceTimers() {
    long ttl = settings.instanceTtl().toMillis();
    synchronized (lock) {
      if (closed) {
        return;
      }
      heartbeatTimer = vertx.setPeriodic(Math.max(1, ttl / 3), t -> heartbeat());
      reaperTimer =
          vertx.setPeriodic(
              ttl,
              t -> {
                if (state == State.UP
                    && System.nanoTime() - reachableSince >= TimeUnit.MILLISECONDS.toNanos(ttl)) {
                  reapSilentInstances()
                      .onFailure(e -> log.debug("redis reaper failed: {}", e.toString()));
                }
              });
    }
    heartbeat();
  }

  /**
   * Says this instance is alive for another {@link RedisSettings#instanceTtl()}: the alive key
   * first, then membership of the instance set, so that no reaper ever sees a member without its
   * key while it beats. Also re-registers after a Redis restart.
   */
  private void heartbeat() {
    if (state == State.DOWN) {
      return;
    }
    send(Request.cmd(Command.SET)
            .arg(prefix + "alive:" + epoch)
            .arg("1")
            .arg("PX")
            .arg(settings.instanceTtl().toMillis()))
        .compose(ok -> send(Request.cmd(Command.SADD).arg(prefix + "instances").arg(epoch)))
        .onFailure(e -> log.debug("redis heartbeat failed: {}", e.toString()));
  }

  /**
   * Gives back the reservations of every instance whose heartbeat has stopped (it crashed, or lost
   * Redis for longer than the ttl), and forgets the instance. A request of such an instance that
   * settles after all adds its spend but releases nothing twice: its marker is gone. Runs every
   * {@link RedisSettings#instanceTtl()} on every instance; two reapers of one instance release each
   * marker once. Returns how many requests' reservations were released.
   */
  Future<Integer> reapSilentInstances() {
    return onHome(
        () ->
            send(Request.cmd(Command.SMEMBERS).arg(prefix + "instances"))
                .compose(
                    members -> {
                      Future<Integer> all = Future.succeededFuture(0);
                      for (Response m : members) {
                        String id = m.toString();
                        if (id.equals(epoch)) {
                          continue;
                        }
                        all =
                            all.compose(
                                n ->
                                    send(Request.cmd(Command.EXISTS).arg(prefix + "alive:" + id))
                                        .compose(
                                            alive ->
                                                integerOf(alive) == 1
                                                    ? Future.succeededFuture(0)
                                                    : reap(id, "0", 0))
                                        .map(k -> n + k));
                      }
                      return all;
                    }));
  }

  private Future<Integer> reap(String id, String cursor, int released) {
    return send(Request.cmd(Command.SCAN)
            .arg(cursor)
            .arg("MATCH")
            .arg(glob(prefix + "reserved:" + id + ":") + "*")
            .arg("COUNT")
            .arg(1000))
        .compose(
            page -> {
              String next = page.get(0).toString();
              List<String> markers = new ArrayList<>();
              for (Response k : page.get(1)) {
                markers.add(k.toString());
              }
              Future<Integer> step =
                  markers.isEmpty()
                      ? Future.succeededFuture(0)
                      : eval(reapScript, markers, List.of()).map(RedisMeter::integerOf);
              return step.compose(
                  n -> {
                    int total = released + n;
                    if (!next.equals("0")) {
                      return reap(id, next, total);
                    }
                    if (total > 0) {
                      log.warn(
                          "released the reservations of {} requests held by gateway instance {},"
                              + " whose redis heartbeat stopped",
                          total,
                          id);
                    }
                    return send(Request.cmd(Command.DEL).arg(prefix + "floors:" + id))
                        .compose(
                            ignored ->
                                send(Request.cmd(Command.SREM).arg(prefix + "instances").arg(id)))
                        .map(ignored -> total);
                  });
            });
  }

  /** {@code s} with Redis glob characters escaped, for SCAN MATCH. */
  static String glob(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static int integerOf(Response r) {
    @Nullable Integer v = r.toInteger();
    return requireNonNull(v, "missing number in a redis reply");
  }

  // --- outage handling -------------------------------------------------------------------------

  private void failed(String operation, Throwable e) {
    if (unreachable(e)) {
      markDown(e);
    } else {
      log.error("redis {} failed: {}", operation, e.toString());
    }
  }

  /** Whether a failure means Redis cannot be used now, rather than that a command was wrong. */
  static boolean unreachable(Throwable e) {
    if (e instanceof ErrorType err) {
      // CONNECTION_CLOSED is the client's own: the connection went while a command was on it.
      return err.is("LOADING")
          || err.is("BUSY")
          || err.is("MASTERDOWN")
          || err.is("READONLY")
          || err.is("CONNECTION_CLOSED");
    }
    return true;
  }

  private void markDown(Throwable cause) {
    boolean startProbe;
    synchronized (lock) {
      if (closed || state == State.DOWN) {
        return;
      }
      boolean wasUp = state == State.UP;
      state = State.DOWN;
      // The fallback starts from the store's floors as they are now, not as they were at start.
      fallbackStale = true;
      startProbe = !probing;
      probing = true;
      if (wasUp) {
        droppedInOutage = 0;
        if (settings.failureMode() == RedisFailureMode.LOCAL) {
          log.warn("redis unreachable, counters fall back to local ({})", cause.toString());
        } else {
          log.warn(
              "redis unreachable, admissions are refused until it returns ({})", cause.toString());
        }
      }
    }
    if (startProbe) {
      vertx.setTimer(settings.probeInterval().toMillis(), t -> probe());
    }
  }

  private void probe() {
    synchronized (lock) {
      if (closed) {
        probing = false;
        return;
      }
    }
    send(Request.cmd(Command.PING))
        .compose(pong -> checkForLostData().map(pong))
        .onComplete(
            ar -> {
              boolean replay;
              synchronized (lock) {
                probing = false;
                replay = ar.succeeded() && !closed && state == State.DOWN;
                if (replay) {
                  state = State.REPLAYING;
                  reachableSince = System.nanoTime();
                  replayed = 0;
                } else if (!closed && state == State.DOWN) {
                  probing = true;
                }
              }
              if (replay) {
                drain();
              } else if (ar.failed()) {
                synchronized (lock) {
                  if (!probing) {
                    return;
                  }
                }
                vertx.setTimer(settings.probeInterval().toMillis(), t -> probe());
              }
            });
  }

  /**
   * Before a Redis that answers again is used: if it restarted (this instance's settle script is
   * gone from its cache) or lost this instance's floors marker, the floors must be read afresh, and
   * the queued settlements are dropped rather than replayed, as their records are in the spend log
   * and so in the fresh floors; replayed on top, they would count twice.
   */
  private Future<Void> checkForLostData() {
    return send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(settleMany.sha()))
        .compose(
            scripts ->
                send(Request.cmd(Command.EXISTS).arg(floorsMarker()))
                    .map(
                        marker -> {
                          if (integerOf(scripts.get(0)) == 0 || integerOf(marker) == 0) {
                            floorsStale = true;
                            synchronized (lock) {
                              lostDuringOutage = true;
                            }
                          }
                          return null;
                        }));
  }

  private void enqueue(Pending p) {
    boolean up;
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (queue.size() >= settings.maxQueuedSettlements()) {
        dropped++;
        if (droppedInOutage++ == 0) {
          log.error(
              "redis settlement queue is full ({}); settlements are dropped and their spend will"
                  + " not reach redis (request {})",
              settings.maxQueuedSettlements(),
              p.requestId());
        }
        return;
      }
      queue.add(p);
      up = state == State.UP;
    }
    if (up) {
      // the queue had been emptied meanwhile; nothing else will replay this one
      drain();
    }
  }

  private void drain() {
    synchronized (lock) {
      if (draining || closed) {
        return;
      }
      draining = true;
    }
    replayNext();
  }

  /** How many queued settlements are replayed at once (pipelined on the pool's connections). */
  static final int REPLAY_BATCH = 64;

  /**
   * Replays the queue in batches of {@link #REPLAY_BATCH}, so that it drains faster than a busy
   * gateway adds to it. Order within the queue does not matter: each settlement applies once (its
   * marker) and floors only ever raise a counter to the store's view, which is not saved while the
   * meter answers from its fallback.
   */
  private void replayNext() {
    List<Pending> batch = new ArrayList<>(REPLAY_BATCH);
    List<io.vertx.core.Promise<Void>> waiters = List.of();
    long count = 0;
    long lost = 0;
    boolean recovered = false;
    synchronized (lock) {
      if (lostDuringOutage && !queue.isEmpty()) {
        log.warn(
            "redis lost data during the outage; {} queued settlements are dropped: their spend"
                + " is in the spend log, from which the floors are read again",
            queue.size());
        queue.clear();
      }
      if (!closed) {
        java.util.Iterator<Pending> it = queue.iterator();
        while (it.hasNext() && batch.size() < REPLAY_BATCH) {
          batch.add(it.next());
        }
      }
      if (batch.isEmpty()) {
        draining = false;
        lostDuringOutage = false;
        if (state == State.REPLAYING) {
          state = State.UP;
          recovered = true;
          count = replayed;
          lost = droppedInOutage;
        }
        if (state == State.UP) {
          waiters = List.copyOf(reachableWaiters);
          reachableWaiters.clear();
        }
      }
    }
    if (batch.isEmpty()) {
      if (recovered) {
        if (lost > 0) {
          log.warn("redis reachable again, replayed {} settlements ({} dropped)", count, lost);
        } else {
          log.info("redis reachable again, replayed {} settlements", count);
        }
      }
      waiters.forEach(w -> w.tryComplete());
      return;
    }
    List<Future<Settled>> sent = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      sent.add(settleInRedis(p));
    }
    Future.join(sent)
        .onComplete(
            ignored -> {
              List<Pending> again = new ArrayList<>();
              for (int i = 0; i < batch.size(); i++) {
                Future<Settled> f = sent.get(i);
                if (f.failed() && unreachable(f.cause())) {
                  again.add(batch.get(i));
                }
              }
              synchronized (lock) {
                for (int i = 0; i < batch.size() && !queue.isEmpty(); i++) {
                  queue.poll();
                }
                replayed += batch.size() - again.size();
                for (int i = again.size() - 1; i >= 0; i--) {
                  queue.addFirst(again.get(i));
                }
                if (!again.isEmpty()) {
                  // markDown (from settleInRedis) restarted the probe, which drains again later
                  draining = false;
                }
              }
              if (again.isEmpty()) {
                replayNext();
              }
            });
  }

  // --- commands and encoding -------------------------------------------------------------------

  /** Most calls one batched EVALSHA carries. */
  static final int MAX_BATCH = 128;

  /** Batched calls of one script in flight at once; the next waits and grows meanwhile. */
  static final int MAX_IN_FLIGHT = 1;

  // This instance's own copies of the scripts: see Script.forInstance.
  private final Script admitMany = RedisScripts.ADMIT_MANY.forInstance(epoch);
  private final Script settleMany = RedisScripts.SETTLE_MANY.forInstance(epoch);
  private final Script readScript = RedisScripts.READ.forInstance(epoch);
  private final Script resetScript = RedisScripts.RESET.forInstance(epoch);
  private final Script reapScript = RedisScripts.REAP.forInstance(epoch);

  private final Batcher admits = new Batcher(admitMany, true);
  private final Batcher settles = new Batcher(settleMany, false);

  /**
   * Group commit for one script: calls that arrive while {@link #MAX_IN_FLIGHT} batches are in
   * flight wait, and the next EVALSHA carries all of them (up to {@link #MAX_BATCH}), each applied
   * in order and atomically on its own. Under load the batches grow instead of the connection
   * pool's wait queue, so Redis spends its time on counters rather than on calls; when idle a call
   * goes at once, alone.
   */
  private final class Batcher {
    private record Call(List<String> keys, List<String> args, Promise<Response> done) {}

    private final Script script;
    private final boolean guarded;
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param guarded whether the script's first key is the floors marker ({@link
     *     RedisScripts#ADMIT_MANY})
     */
    Batcher(Script script, boolean guarded) {
      this.script = script;
      this.guarded = guarded;
    }

    Future<Response> submit(List<String> keys, List<String> args) {
      Promise<Response> p = Promise.promise();
      synchronized (this) {
        waiting.add(new Call(keys, args, p));
      }
      sendSome();
      return p.future();
    }

    private void sendSome() {
      List<Call> batch;
      synchronized (this) {
        if (inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
          return;
        }
        inFlight++;
        batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH));
        while (!waiting.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(waiting.poll());
        }
      }
      List<String> keys = new ArrayList<>();
      if (guarded) {
        keys.add(floorsMarker());
      }
      List<String> args = new ArrayList<>();
      args.add(Integer.toString(batch.size()));
      for (Call c : batch) {
        keys.addAll(c.keys());
        args.add(Integer.toString(c.keys().size()));
        args.add(Integer.toString(c.args().size()));
        args.addAll(c.args());
      }
      eval(script, keys, args)
          .onComplete(
              ar -> {
                synchronized (this) {
                  inFlight--;
                }
                for (int i = 0; i < batch.size(); i++) {
                  Promise<Response> done = batch.get(i).done();
                  if (ar.failed()) {
                    done.fail(ar.cause());
                  } else {
                    Response r = ar.result().get(i);
                    if (r == null) {
                      done.fail(new IllegalStateException("redis replied nil for call " + i));
                    } else {
                      done.complete(r);
                    }
                  }
                }
                sendSome();
              });
    }
  }

  private Future<Response> eval(Script script, List<String> keys, List<String> args) {
    return send(evalsha(script, keys, args))
        .recover(
            e -> {
              if (e instanceof ErrorType err && err.is("NOSCRIPT")) {
                // Redis restarted or its script cache was flushed: load the script, try once more.
                // A restart may have brought back an older snapshot, so the floors are stale.
                // The marker goes too, so that the admission retried here answers STALE.
                floorsStale = true;
                return send(Request.cmd(Command.DEL).arg(floorsMarker()))
                    .compose(
                        ignored -> send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.text())))
                    .compose(ignored -> send(evalsha(script, keys, args)));
              }
              return Future.failedFuture(e);
            });
  }

  private static Request evalsha(Script script, List<String> keys, List<String> args) {
    Request r = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    keys.forEach(r::arg);
    args.forEach(r::arg);
    return r;
  }

  private Future<Response> send(Request request) {
    return redis
        .send(request)
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .map(r -> requireNonNull(r, "redis replied nil"));
  }

  private String key(Check c) {
    return switch (c.kind()) {
      case SPEND -> prefix + "spend:" + c.counter();
      case WINDOW -> prefix + "window:" + c.counter() + ":" + c.windowStart();
      case GAUGE -> prefix + "gauge:" + c.counter();
    };
  }

  /** A check as the scripts take it: one argument of seven space-separated fields. */
  private static void addCheckArgs(List<String> args, Check c) {
    args.add(
        packed(
            kind(c.kind()),
            c.windowStart(),
            bound(c.windowEnd()),
            bound(c.limit()),
            c.reserve(),
            c.floorSince() < 0 ? -1 : c.floorSince(),
            c.floor()));
  }

  /** Fields joined by single spaces: how a check or a settlement crosses to the scripts. */
  private static String packed(Object... fields) {
    StringBuilder b = new StringBuilder(fields.length * 12);
    for (Object f : fields) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(f);
    }
    return b.toString();
  }

  private static String kind(Kind k) {
    return switch (k) {
      case SPEND -> "S";
      case WINDOW -> "W";
      case GAUGE -> "G";
    };
  }

  /** {@link Long#MAX_VALUE} ("none") crosses into Lua as -1. */
  private static String bound(long v) {
    return v == Long.MAX_VALUE ? "-1" : Long.toString(v);
  }

  private static Verdict verdict(Response r, List<Check> checks) {
    if (integerOf(r.get(0)) == 1) {
      return new Admitted(
          readings(r.get(1).toString(), checks.size(), i -> checks.get(i).counter()));
    }
    int index = integerOf(r.get(1));
    return new Refused(
        index, readings(r.get(2).toString(), 1, i -> checks.get(index).counter()).get(0));
  }

  private static Settled settled(Response r, List<Settlement> settlements) {
    int n = settlements.size();
    String crossed = r.get(2).toString();
    if (crossed.length() != n) {
      throw new IllegalStateException("malformed soft-limit flags from redis: " + crossed);
    }
    List<Boolean> flags = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      flags.add(crossed.charAt(i) == '1');
    }
    return new Settled(
        readings(r.get(1).toString(), n, i -> settlements.get(i).check().counter()),
        List.copyOf(flags));
  }

  /**
   * Readings from the scripts' one-string form: each reading is eight fields (exists, used,
   * reserved, since, window end or -1, unpriced requests, unpriced tokens, soft alerted) separated
   * by single spaces, and readings are separated by semicolons.
   */
  static List<Reading> readings(String t, int count, java.util.function.IntFunction<String> names) {
    List<Reading> out = new ArrayList<>(count);
    long[] f = new long[8];
    int pos = 0;
    for (int r = 0; r < count; r++) {
      for (int i = 0; i < 8; i++) {
        char end = i < 7 ? ' ' : (r < count - 1 ? ';' : '\0');
        int stop = end == '\0' ? t.length() : t.indexOf(end, pos);
        if (stop < 0 || stop == pos || (end == '\0' && t.indexOf(';', pos) >= 0)) {
          throw new IllegalStateException("malformed counter readings from redis: " + t);
        }
        f[i] =
            t.startsWith("-1", pos) && stop == pos + 2 && i == 4
                ? Long.MAX_VALUE
                : Long.parseLong(t, pos, stop, 10);
        pos = stop + 1;
      }
      out.add(
          new Reading(names.apply(r), f[0] == 1, f[1], f[2], f[3], f[4], f[5], f[6], f[7] == 1));
    }
    return List.copyOf(out);
  }
}
