package dev.tollgate.meter;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where admission counters live: spend budgets, rate-limit windows and in-flight gauges. One
 * implementation keeps them in this process ({@link LocalMeter}); another shares them between
 * gateway instances through Redis, with one atomic Lua script per operation.
 *
 * <p>The one rule, for every kind of counter: a check <b>blocks when used + reserved ≥ limit</b>.
 * Admission is all or nothing: either every check passes and every reservation is taken, or nothing
 * changes and the first check that blocks (in list order) is reported.
 *
 * <p>Counters are named by {@link Check#counter()}, an opaque string chosen by the caller (the
 * meter never parses it). Amounts are integers: nano-USD for {@link Kind#SPEND}, tokens or requests
 * for {@link Kind#WINDOW}, requests for {@link Kind#GAUGE}.
 *
 * <p>Threading: every method is non-blocking and may be called from any thread or event loop.
 */
public interface Meter extends AutoCloseable {

  /** What a counter counts, and how its window works. */
  enum Kind {
    /**
     * A budget counter with a calendar window ({@code windowStart}, {@code windowEnd}) or none
     * ({@code windowEnd == Long.MAX_VALUE}). It keeps spend, reserved, unpriced requests and
     * tokens, the time counting started ({@code since}) and whether the soft alert fired. When a
     * check or settlement arrives with a different {@code windowEnd} than stored: if {@code now >=}
     * the stored end, the counter starts afresh at {@code windowStart} (spend, unpriced counts and
     * the soft flag go to 0, reserved is kept: it belongs to requests in flight); else if the
     * stored end is {@code Long.MAX_VALUE} (a duration was added to a lifetime budget), it starts
     * afresh at {@code now}; otherwise the budget's duration changed or was removed, and only the
     * end moves. A missing counter starts at {@code windowStart} with {@code since = windowStart}
     * (or {@code since = floorSince} and spend {@code floor}, when a floor is given and its window
     * is the current one).
     */
    SPEND,
    /**
     * A fixed rate-limit window (RPM or TPM) from {@code windowStart} to {@code windowEnd}: a new
     * window is a new counter, starting at 0. Keeps used and reserved.
     */
    WINDOW,
    /** A gauge of requests in flight ({@code max_parallel_requests}): reserved only, no window. */
    GAUGE
  }

  /**
   * One counter a request is checked against.
   *
   * @param counter the counter's name; the same name always means the same counter
   * @param limit block when used + reserved ≥ limit; {@link Long#MAX_VALUE} for "no limit" (the
   *     counter is still counted and reserved on)
   * @param reserve what to hold until the request settles (≥ 0)
   * @param floorSince with {@code floor}: SPEND only, the durable store's view of this counter.
   *     When the meter's counter has the same {@code since} and window end and less spend than
   *     {@code floor}, or is missing, its spend is first raised to {@code floor} (never added), so
   *     a counter lost or restored from an old snapshot cannot admit what the store would refuse,
   *     and several instances seeding at once never add the base twice. {@code floorSince < 0}: no
   *     floor.
   */
  record Check(
      String counter,
      Kind kind,
      long windowStart,
      long windowEnd,
      long limit,
      long reserve,
      long floorSince,
      long floor) {}

  /**
   * What a counter looked like when it was read or checked.
   *
   * @param used spend (SPEND), used (WINDOW) or 0 (GAUGE)
   * @param reserved held by requests in flight
   * @param since SPEND: when counting started (window start or a reset); else the window start
   * @param windowEnd as stored
   * @param softAlerted SPEND: whether the soft alert has fired in this window
   * @param exists whether the counter has ever been checked, settled or reset (and not lost)
   */
  record Reading(
      String counter,
      boolean exists,
      long used,
      long reserved,
      long since,
      long windowEnd,
      long unpricedRequests,
      long unpricedTokens,
      boolean softAlerted) {}

  /** The outcome of {@link #admit}. */
  sealed interface Verdict {}

  /**
   * Every check passed and every reservation is held. {@code before} has one reading per check, in
   * order, as it was before this request's reservation.
   */
  record Admitted(List<Reading> before) implements Verdict {}

  /** Check number {@code index} blocked; nothing was reserved. */
  record Refused(int index, Reading reading) implements Verdict {}

  /**
   * The meter cannot decide (its shared backend is unreachable and the configured mode is to fail
   * closed). Nothing was reserved.
   */
  record Unavailable(String why) implements Verdict {}

  /**
   * The shared backend may have lost data (flushed, restarted empty, or restored from an older
   * snapshot) since the floors in these checks were read: read them afresh from the durable store,
   * call {@link #floorsLoaded}, and admit again with them. Nothing was reserved.
   */
  record Stale() implements Verdict {}

  /**
   * What a finished request adds to one counter it was checked against.
   *
   * @param release the reservation taken at admission, given back (reserved never goes below 0)
   * @param add spend (nano-USD) or tokens or requests actually used
   * @param softLimit SPEND: the soft budget; when spend reaches it and the soft flag is not set,
   *     the flag is set and {@link Settled#softCrossed} says so, exactly once per window across
   *     every instance. {@link Long#MAX_VALUE} for none.
   */
  record Settlement(
      Check check,
      long release,
      long add,
      long addUnpricedRequests,
      long addUnpricedTokens,
      long softLimit) {

    /** This settlement, also releasing {@code more}. */
    public Settlement withRelease(long more) {
      return new Settlement(
          check, release + more, add, addUnpricedRequests, addUnpricedTokens, softLimit);
    }
  }

  /** The counters after settling, one per settlement, and which crossed their soft limit. */
  record Settled(List<Reading> after, List<Boolean> softCrossed) {}

  /**
   * Checks and reserves, all or nothing, at {@code now} (epoch millis). The future never fails:
   * trouble with a shared backend is either handled by falling back (and counted) or answered with
   * {@link Unavailable}.
   *
   * @param requestId the id the request will later be {@link #settle settled} under; one admission
   *     per id. A meter that may answer from more than one place (a shared backend and a local
   *     fallback) uses it to release a reservation where it was taken, and only there.
   */
  Future<Verdict> admit(String requestId, List<Check> checks, long now);

  /**
   * Releases a request's reservations and adds what it used. Idempotent per {@code requestId} on
   * one meter: applying the same settlement twice through it (a retry after a lost reply, or a
   * replay after an outage) counts once. A request is settled by the instance that admitted it.
   * Never fails; a backend that cannot be reached gets the settlement later.
   */
  Future<Settled> settle(String requestId, List<Settlement> settlements, long now);

  /**
   * Starts SPEND counters afresh at {@code now}: spend, unpriced counts and the soft flag to 0,
   * {@code since = now}, end and reserved kept (rolled to the check's window first). A counter that
   * does not exist is created that way, so that no floor from before the reset can bring the old
   * spend back. Floors and limits in the checks are ignored. Takes effect for every instance
   * sharing the meter at once.
   */
  Future<Void> reset(List<Check> counters, long now);

  /**
   * The current readings of these counters, rolled to {@code now} with the given checks' windows;
   * an absent counter reads as zero in the check's window. Reads only.
   */
  Future<List<Reading>> read(List<Check> counters, long now);

  /**
   * Says that the floors in the checks from now on were read afresh from the durable store, so that
   * admissions stop answering {@link Stale} (until the backend loses data again).
   */
  default Future<Void> floorsLoaded() {
    return Future.succeededFuture();
  }

  /**
   * Whether admissions would answer {@link Stale} now: reads too should reload the floors first.
   */
  default boolean needsFloors() {
    return false;
  }

  /** Health, for readiness and logs: e.g. {@code local}, {@code redis}, {@code redis-fallback}. */
  String mode();

  @Override
  void close();
}
