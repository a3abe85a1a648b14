package dev.tollgate.meter;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Meter} of a single instance: every counter in this process's memory, changed under one
 * lock so that an admission across many levels is all or nothing. Each operation holds the lock for
 * a few hundred nanoseconds and never blocks on anything else, so it is safe on event loops.
 *
 * <p>Durability is not its job: the store's counters come back in as floors (see {@link
 * Meter.Check#floor()}), and the caller saves readings to the store.
 */
public final class LocalMeter implements Meter {
  /** How many settled request ids are remembered, so that a replayed settlement counts once. */
  private static final int REMEMBERED_SETTLEMENTS = 65_536;

  private final Map<String, State> counters = new HashMap<>();

  /** Admissions decided here; a shared meter's health shows how many fell back to this one. */
  private long admits;

  private final LinkedHashMap<String, Boolean> settled =
      new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_SETTLEMENTS;
        }
      };

  /** One counter; mutable, guarded by the meter's lock. */
  private static final class State {
    long since;
    long windowStart;
    long windowEnd;
    long used;
    long reserved;
    long unpricedRequests;
    long unpricedTokens;
    boolean softAlerted;

    State(long since, long windowStart, long windowEnd) {
      this.since = since;
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
    }
  }

  @Override
  public Future<Verdict> admit(String requestId, List<Check> checks, long now) {
    return Future.succeededFuture(admitNow(checks, now));
  }

  /** {@link #admit}, answered at once. */
  public synchronized Verdict admitNow(List<Check> checks, long now) {
    admits++;
    List<Reading> before = new ArrayList<>(checks.size());
    for (int i = 0; i < checks.size(); i++) {
      Check c = checks.get(i);
      State s = current(c, now);
      Reading r = reading(c.counter(), s);
      if (c.limit() != Long.MAX_VALUE && blocks(s.used, s.reserved, c.limit())) {
        return new Refused(i, r);
      }
      before.add(r);
    }
    for (Check c : checks) {
      if (c.reserve() > 0) {
        State s = current(c, now);
        s.reserved = Math.addExact(s.reserved, c.reserve());
      }
    }
    return new Admitted(before);
  }

  /** How many admissions this meter has decided. */
  public synchronized long admits() {
    return admits;
  }

  /** The one rule: a counter blocks when what it used and holds has reached its limit. */
  public static boolean blocks(long used, long reserved, long limit) {
    return used + reserved >= limit;
  }

  @Override
  public Future<Settled> settle(String requestId, List<Settlement> settlements, long now) {
    return Future.succeededFuture(settleNow(requestId, settlements, now));
  }

  /** {@link #settle}, answered at once. */
  public synchronized Settled settleNow(String requestId, List<Settlement> settlements, long now) {
    boolean repeat = settled.put(requestId, Boolean.TRUE) != null;
    List<Reading> after = new ArrayList<>(settlements.size());
    List<Boolean> crossed = new ArrayList<>(settlements.size());
    for (Settlement st : settlements) {
      Check c = st.check();
      State s = current(c, now);
      boolean soft = false;
      if (!repeat) {
        s.reserved = Math.max(0, s.reserved - st.release());
        s.used = Math.addExact(s.used, st.add());
        s.unpricedRequests += st.addUnpricedRequests();
        s.unpricedTokens = Math.addExact(s.unpricedTokens, st.addUnpricedTokens());
        if (st.softLimit() != Long.MAX_VALUE && !s.softAlerted && s.used >= st.softLimit()) {
          s.softAlerted = true;
          soft = true;
        }
      }
      after.add(reading(c.counter(), s));
      crossed.add(soft);
    }
    return new Settled(after, crossed);
  }

  @Override
  public synchronized Future<Void> reset(List<Check> checks, long now) {
    for (Check c : checks) {
      State s = current(withoutFloor(c), now);
      s.since = now;
      s.used = 0;
      s.unpricedRequests = 0;
      s.unpricedTokens = 0;
      s.softAlerted = false;
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<Reading>> read(List<Check> checks, long now) {
    List<Reading> out = new ArrayList<>(checks.size());
    for (Check c : checks) {
      State s = counters.get(c.counter());
      if (s == null) {
        State fresh = created(c, now);
        out.add(
            new Reading(
                c.counter(), false, fresh.used, 0, fresh.since, fresh.windowEnd, 0, 0, false));
      } else {
        State rolled = copy(s);
        roll(rolled, c, now);
        raiseToFloor(rolled, c);
        out.add(reading(c.counter(), rolled));
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public String mode() {
    return "local";
  }

  @Override
  public void close() {}

  // --- the counter rules, shared with the Redis scripts by specification ------------------------

  /**
   * Installs a counter loaded from the durable store; call before serving. A counter that already
   * exists is left alone.
   */
  public synchronized void restore(
      String counter,
      long since,
      long windowEnd,
      long spend,
      long unpricedRequests,
      long unpricedTokens,
      boolean softAlerted) {
    if (counters.containsKey(counter)) {
      return;
    }
    State s = new State(since, since, windowEnd);
    s.used = spend;
    s.unpricedRequests = unpricedRequests;
    s.unpricedTokens = unpricedTokens;
    s.softAlerted = softAlerted;
    counters.put(counter, s);
  }

  /** The counter for {@code c}, created or rolled to its current window. Under the lock. */
  private State current(Check c, long now) {
    State s = counters.get(c.counter());
    if (s != null && c.kind() == Kind.WINDOW && c.windowStart() < s.windowStart) {
      // A window that has passed: its counter is gone, and what it held no longer matters.
      return new State(c.windowStart(), c.windowStart(), c.windowEnd());
    }
    if (s == null) {
      s = created(c, now);
      counters.put(c.counter(), s);
      return s;
    }
    roll(s, c, now);
    raiseToFloor(s, c);
    return s;
  }

  /** A counter with the floor's since and window that has less spend than the floor rises to it. */
  private static void raiseToFloor(State s, Check c) {
    if (c.kind() == Kind.SPEND
        && c.floorSince() >= 0
        && s.since == c.floorSince()
        && s.windowEnd == c.windowEnd()
        && s.used < c.floor()) {
      s.used = c.floor();
    }
  }

  private static State created(Check c, long now) {
    if (c.kind() == Kind.SPEND
        && c.floorSince() >= 0
        && c.floorSince() >= c.windowStart()
        && c.floorSince() < c.windowEnd()) {
      State s = new State(c.floorSince(), c.windowStart(), c.windowEnd());
      s.used = c.floor();
      return s;
    }
    return new State(c.windowStart(), c.windowStart(), c.windowEnd());
  }

  private static void roll(State s, Check c, long now) {
    switch (c.kind()) {
      case GAUGE -> {}
      case WINDOW -> {
        if (s.windowStart != c.windowStart()) {
          s.windowStart = c.windowStart();
          s.windowEnd = c.windowEnd();
          s.since = c.windowStart();
          s.used = 0;
          s.reserved = 0;
        }
      }
      case SPEND -> {
        if (s.windowEnd == c.windowEnd()) {
          return;
        }
        if (now >= s.windowEnd) {
          fresh(s, c.windowStart(), c.windowStart(), c.windowEnd());
        } else if (s.windowEnd == Long.MAX_VALUE) {
          fresh(s, now, c.windowStart(), c.windowEnd());
        } else {
          s.windowEnd = c.windowEnd();
        }
      }
    }
  }

  private static void fresh(State s, long since, long start, long end) {
    s.since = since;
    s.windowStart = start;
    s.windowEnd = end;
    s.used = 0;
    s.unpricedRequests = 0;
    s.unpricedTokens = 0;
    s.softAlerted = false;
  }

  private static Check withoutFloor(Check c) {
    return new Check(c.counter(), c.kind(), c.windowStart(), c.windowEnd(), c.limit(), 0, -1, 0);
  }

  private static State copy(State s) {
    State c = new State(s.since, s.windowStart, s.windowEnd);
    c.used = s.used;
    c.reserved = s.reserved;
    c.unpricedRequests = s.unpricedRequests;
    c.unpricedTokens = s.unpricedTokens;
    c.softAlerted = s.softAlerted;
    return c;
  }

  private static Reading reading(String counter, @Nullable State s) {
    if (s == null) {
      return new Reading(counter, false, 0, 0, 0, Long.MAX_VALUE, 0, 0, false);
    }
    return new Reading(
        counter,
        true,
        s.used,
        s.reserved,
        s.since,
        s.windowEnd,
        s.unpricedRequests,
        s.unpricedTokens,
        s.softAlerted);
  }
}
