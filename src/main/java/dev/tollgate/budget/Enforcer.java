package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.Targets.ModelRef;
import dev.tollgate.budget.Targets.Subject;
import dev.tollgate.budget.Targets.Target;
import dev.tollgate.common.GatewayException;
import dev.tollgate.config.SpendCap;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.meter.LocalMeter;
import dev.tollgate.meter.Meter;
import dev.tollgate.meter.Meter.Check;
import dev.tollgate.meter.Meter.Kind;
import dev.tollgate.meter.Meter.Settlement;
import dev.tollgate.pricing.Price;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budget enforcement: admits requests against every budget level that applies, and settles each
 * request's exact cost into every counter it belongs to.
 *
 * <p>One comparison rule everywhere ({@link #blocks}): a budget blocks when spend ≥ max_budget. So
 * a max_budget of 0 blocks everything, and the request that crosses a budget is the last one
 * admitted.
 *
 * <p>Price states: a {@code Free} deployment is exempt from spend budgets (not from blocked
 * customers). An {@code Unknown} one is never exempt: its budgets are checked, its requests are
 * counted per entity as unpriced (requests and tokens) and never as zero spend, and under {@code
 * unknown_price_policy: deny} it is refused to any caller with a max budget at any level.
 *
 * <p>Threading: {@link #admit} and {@link #settle} read memory and compare-and-set counters; they
 * are safe on any event loop and never block; a reload of the floors they need runs on a virtual
 * thread. Resets block on the meter and the store.
 */
public final class Enforcer {
  private static final Logger LOG = LoggerFactory.getLogger(Enforcer.class);

  /** How long a blocking read of the meter (admin reads, flushes) may take. */
  private static final long METER_WAIT_SECONDS = 10;

  private final Governance governance;
  private final BudgetSettings settings;
  private final Clock clock;
  private final AlertSink alerts;
  private final Targets targets;
  private final Windows windows;
  private final Meter meter;
  private final RateTargets rates;

  /** What each admitted request reserved, until its spend record settles it. */
  private final ConcurrentHashMap<String, Ticket> tickets = new ConcurrentHashMap<>();

  /**
   * The store's view of each spend counter: loaded at start, again when a shared meter may have
   * lost data, and updated by resets. The store moves with the spend log, so this is a floor: what
   * the ledger had committed when it was read.
   */
  private final ConcurrentHashMap<CounterKey, CounterState> floors = new ConcurrentHashMap<>();

  /** Where resets are written and floors re-read from; none for an enforcer without a store. */
  private volatile @Nullable CounterStore store;

  /** Runs on the reload's thread before the floors are read; see {@link #useStore}. */
  private volatile Runnable beforeReload = () -> {};

  /** The floor reload in progress, which every admission that needs fresh floors waits for. */
  private @Nullable Future<Void> reloading;

  /**
   * @param groupOf resolves a model name (group or alias) to its model group, so that per-model
   *     budgets written for an alias apply; for example {@code name ->
   *     registry.current().resolve(name).map(ModelGroup::name)}
   */
  public Enforcer(
      Governance governance,
      BudgetSettings settings,
      Clock clock,
      AlertSink alerts,
      Function<String, Optional<String>> groupOf) {
    this(governance, settings, clock, alerts, groupOf, new LocalMeter());
  }

  /**
   * @param meter where the counters live: {@link LocalMeter} for one instance, or a meter shared by
   *     every instance
   */
  public Enforcer(
      Governance governance,
      BudgetSettings settings,
      Clock clock,
      AlertSink alerts,
      Function<String, Optional<String>> groupOf,
      Meter meter) {
    this.governance = requireNonNull(governance, "governance");
    this.settings = requireNonNull(settings, "settings");
    this.clock = requireNonNull(clock, "clock");
    this.alerts = requireNonNull(alerts, "alerts");
    this.targets = new Targets(requireNonNull(groupOf, "groupOf"));
    this.rates = new RateTargets(targets);
    this.windows = new Windows(settings.timezone());
    this.meter = requireNonNull(meter, "meter");
  }

  /** The one comparison rule: a budget blocks when spend has reached max_budget. */
  public static boolean blocks(long spendNanos, long maxBudgetNanos) {
    return spendNanos >= maxBudgetNanos;
  }

  public Windows windows() {
    return windows;
  }

  public BudgetSettings settings() {
    return settings;
  }

  /** The meter's mode, for readiness: {@code local}, {@code redis}, ... */
  public String meterMode() {
    return meter.mode();
  }

  private volatile @Nullable String sharingWarning;

  /**
   * Notes whether other instances enforce budgets on the same store with their own counters, so
   * that each could spend a whole budget (see {@code PeerCheck}); shown on readiness.
   */
  public void noteSharing(Optional<String> warning) {
    sharingWarning = warning.orElse(null);
  }

  /** Why budgets are not held across instances right now, if they are not. */
  public Optional<String> sharingWarning() {
    return Optional.ofNullable(sharingWarning);
  }

  /** Closes the meter (its Redis connections); call at shutdown, after the last flush. */
  public void closeMeter() {
    meter.close();
  }

  /** Requests admitted and not yet settled; 0 when nothing is in flight. */
  public int openReservations() {
    return tickets.size();
  }

  /**
   * The budgets and rate limits that apply to one kind of request; {@code targets} ends with the
   * {@code routing} ones (deployment and provider budgets), which do not come from governance.
   */
  private record Plan(List<Target> targets, List<RateTargets.Line> lines, List<Target> routing) {}

  /** What a plan depends on besides the governance snapshot. */
  private record PlanKey(
      Subject subject,
      String deploymentId,
      OptionalLong deploymentRpm,
      OptionalLong deploymentTpm,
      Optional<SpendCap> deploymentBudget,
      String provider) {}

  /** Plans resolved under one governance snapshot; replaced, never changed, when it is. */
  private record Plans(
      @Nullable GovernanceSnapshot snapshot, ConcurrentHashMap<PlanKey, Plan> byKey) {}

  /** At most this many plans are kept per snapshot (callers' tags and customers vary freely). */
  static final int MAX_PLANS = 10_000;

  private volatile Plans plans = new Plans(null, new ConcurrentHashMap<>());

  /**
   * What applies to {@code a}: resolved once per governance snapshot and kind of request, since
   * snapshots are immutable. A resolution that asked the model registry for an alias is not kept,
   * as the registry changes on its own.
   */
  private Plan plan(GovernanceSnapshot s, Subject sub, Admission a) {
    Plans current = plans;
    if (current.snapshot() != s) {
      current = new Plans(s, new ConcurrentHashMap<>());
      plans = current;
    }
    PlanKey k =
        new PlanKey(
            sub,
            a.deploymentId(),
            a.deploymentRpm(),
            a.deploymentTpm(),
            a.deploymentBudget(),
            a.provider());
    Plan plan = current.byKey().get(k);
    if (plan != null) {
      return plan;
    }
    Targets.Trace trace = new Targets.Trace();
    List<Target> routing = Targets.routing(a, settings);
    plan =
        new Plan(
            List.copyOf(concat(targets.resolve(s, settings, sub, trace), routing)),
            List.copyOf(rates.resolve(s, sub, a, trace)),
            List.copyOf(routing));
    if (!trace.askedRegistry) {
      if (current.byKey().size() >= MAX_PLANS) {
        current.byKey().clear();
      }
      current.byKey().put(k, plan);
    }
    return plan;
  }

  /** What an admitted request holds: each check, and the targets behind its spend checks. */
  private record Ticket(
      String admissionId,
      List<Check> checks,
      List<Target> spendTargets,
      List<RateTargets.Line> lines,
      GovernanceSnapshot snapshot,
      Subject subject,
      List<Target> resolved,
      List<Target> routing) {}

  /**
   * Decides whether a request may go ahead, after its deployment is chosen and before it is
   * forwarded, and reserves its {@link Admission#estimate()} at every level that applies, all or
   * nothing. The future never fails.
   *
   * <p>Denials: 403 {@code permission_error} for a blocked customer; 403 {@code
   * unknown_price_denied} under {@code unknown_price_policy: deny}; 500 {@code
   * budget_misconfigured} when a default budget named in the config does not exist; 429 {@code
   * budget_exceeded} naming the level, the entity, its spend, what is reserved and its max_budget;
   * 429 {@code rate_limit_exceeded} with {@code retry-after}; 503 when a shared meter is
   * unreachable and configured to fail closed.
   */
  public Future<Decision> admit(Admission a) {
    return admit(a, 0);
  }

  /** How many times one admission reloads the floors before it gives up (503). */
  private static final int MAX_FLOOR_RELOADS = 3;

  private Future<Decision> admit(Admission a, int reloads) {
    long now = clock.millis();
    GovernanceSnapshot s = governance.snapshot();
    Principal p = a.principal();
    if (a.customerId().isPresent()) {
      Customer c = s.customers().get(a.customerId().get());
      if (c != null && c.blocked()) {
        return denied(
            GatewayException.of(
                403,
                "permission_error",
                "user",
                "customer_blocked",
                "customer '"
                    + c.id()
                    + "' is blocked; an admin can unblock it with /customer/unblock"));
      }
    }
    List<String> tags =
        a.tags().isEmpty() && p.tags().size() < 2
            ? p.tags()
            : List.copyOf(new LinkedHashSet<>(concat(p.tags(), a.tags())));
    Subject sub =
        new Subject(
            p.keyId(),
            p.userId(),
            p.teamId(),
            p.organizationId(),
            a.customerId(),
            tags,
            Optional.of(new ModelRef(a.modelGroup(), Optional.of(a.providerModel()))));
    Plan plan = plan(s, sub, a);
    List<Target> ts = plan.targets();
    boolean free = a.price() instanceof Price.Free;
    if (!free) {
      for (Target t : ts) {
        if (t.misconfigured().isPresent()) {
          return denied(
              GatewayException.of(
                  500,
                  "budget_misconfigured",
                  null,
                  "budget_misconfigured",
                  t.label() + ": " + t.misconfigured().get()));
        }
      }
      if (a.price() instanceof Price.Unknown
          && settings.unknownPricePolicy() == UnknownPricePolicy.DENY) {
        for (Target t : ts) {
          if (t.max().isPresent()) {
            return denied(unknownDenied(a, t));
          }
        }
      }
    }
    // The checks: the key's counter (for its headers), every spend budget with a max (unless the
    // deployment is free), then every rate limit. Spend budgets without a max are only charged.
    long reserveNanos = -1;
    List<Check> checks = new ArrayList<>();
    List<Target> spendTargets = new ArrayList<>();
    int keyIndex = -1;
    for (Target t : ts) {
      boolean isKey = t.key().level() == Level.KEY;
      boolean limited = !free && t.max().isPresent();
      if (!limited && !isKey) {
        continue;
      }
      if (isKey) {
        keyIndex = checks.size();
      }
      if (limited && reserveNanos < 0) {
        reserveNanos = a.estimate().get().costNanos(a.price());
      }
      checks.add(
          spendCheck(
              t, now, limited ? t.max().getAsLong() : Long.MAX_VALUE, limited ? reserveNanos : 0));
      spendTargets.add(t);
    }
    int rateFrom = checks.size();
    List<RateTargets.Line> lines = plan.lines();
    Estimate estimate = lines.isEmpty() ? Estimate.NONE : a.estimate().get();
    for (RateTargets.Line l : lines) {
      checks.add(l.check(now, estimate));
    }
    if (checks.isEmpty()) {
      return Future.succeededFuture(
          new Decision.Admitted(OptionalLong.empty(), OptionalLong.empty(), tags));
    }
    int keyAt = keyIndex;
    return meter
        .admit(a.requestId(), checks, now)
        .compose(
            v ->
                v instanceof Meter.Stale
                    ? afterReload(a, reloads)
                    : Future.succeededFuture(
                        switch (v) {
                          case Meter.Admitted ok -> {
                            tickets.put(
                                a.requestId(),
                                new Ticket(
                                    a.requestId(),
                                    checks,
                                    spendTargets,
                                    lines,
                                    s,
                                    sub,
                                    ts,
                                    plan.routing()));
                            OptionalLong keySpend =
                                keyAt < 0
                                    ? OptionalLong.empty()
                                    : OptionalLong.of(ok.before().get(keyAt).used());
                            OptionalLong keyMax =
                                keyAt < 0 ? OptionalLong.empty() : spendTargets.get(keyAt).max();
                            yield (Decision)
                                new Decision.Admitted(
                                    keySpend,
                                    keyMax,
                                    tags,
                                    RateTargets.headers(
                                        lines,
                                        checks.subList(rateFrom, checks.size()),
                                        ok.before().subList(rateFrom, checks.size()),
                                        now));
                          }
                          case Meter.Refused no ->
                              no.index() < rateFrom
                                  ? new Decision.Denied(
                                      exceeded(
                                          spendTargets.get(no.index()),
                                          no.reading(),
                                          checks.get(no.index()).limit()),
                                      scopeOf(spendTargets.get(no.index()).key().level()))
                                  : new Decision.Denied(
                                      lines.get(no.index() - rateFrom).exceeded(no.reading(), now),
                                      lines.get(no.index() - rateFrom).owner().equals("deployment")
                                          ? Decision.Scope.DEPLOYMENT
                                          : Decision.Scope.CALLER);
                          case Meter.Unavailable u ->
                              new Decision.Denied(
                                  GatewayException.of(
                                          503,
                                          "service_unavailable",
                                          null,
                                          "budget_counters_unavailable",
                                          "budgets and rate limits cannot be checked right now ("
                                              + u.why()
                                              + "); the gateway is configured to refuse rather than admit"
                                              + " unchecked requests")
                                      .withRetryAfter(1));
                          case Meter.Stale st -> throw new IllegalStateException("handled above");
                        }));
  }

  /**
   * Admits {@code a} again once the floors are read afresh from the store: the shared meter may
   * have lost data (a flushed or restarted Redis, an old snapshot), and only the store, which moves
   * with the spend log, still holds what was spent.
   */
  private Future<Decision> afterReload(Admission a, int reloads) {
    if (reloads >= MAX_FLOOR_RELOADS) {
      return denied(countersUnavailable("the shared counters keep losing their data"));
    }
    // The reload completes on another thread; the caller gets its decision back on its own.
    io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
    io.vertx.core.Promise<Decision> decided = io.vertx.core.Promise.promise();
    reloadFloors()
        .onComplete(
            ar -> {
              Runnable next =
                  () ->
                      (ar.succeeded()
                              ? admit(a, reloads + 1)
                              : denied(
                                  countersUnavailable(
                                      "the shared counters lost their data and the store's could"
                                          + " not be read: "
                                          + ar.cause())))
                          .onComplete(decided);
              if (caller != null) {
                caller.runOnContext(v -> next.run());
              } else {
                next.run();
              }
            });
    return decided.future();
  }

  private static GatewayException countersUnavailable(String why) {
    return GatewayException.of(503, "service_unavailable", null, "budget_counters_unavailable", why)
        .withRetryAfter(1);
  }

  /**
   * Reads every stored counter afresh as the floors, then tells the meter they are fresh. One
   * reload at a time: admissions that need it meanwhile wait for the same one. Runs the read on a
   * virtual thread, so that the event loop never blocks.
   */
  private Future<Void> reloadFloors() {
    CounterStore s = store;
    if (s == null) {
      return meter.floorsLoaded();
    }
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    synchronized (this) {
      Future<Void> current = reloading;
      if (current != null) {
        return current;
      }
      reloading = done.future();
    }
    Thread.ofVirtual()
        .name("tollgate-floors")
        .start(
            () -> {
              try {
                beforeReload.run();
                List<CounterState> states = s.loadCounters();
                for (CounterState st : states) {
                  floors.put(st.key(), st);
                }
                LOG.info("{} budget counters re-read from the store as floors", states.size());
                meter.floorsLoaded().onComplete(done);
              } catch (RuntimeException e) {
                done.fail(e);
              }
            });
    return done.future()
        .onComplete(
            ar -> {
              synchronized (this) {
                if (reloading == done.future()) {
                  reloading = null;
                }
              }
            });
  }

  /** Whose limit a spend budget at {@code level} is: the router's levels are the deployment's. */
  private static Decision.Scope scopeOf(Level level) {
    return level == Level.DEPLOYMENT || level == Level.PROVIDER
        ? Decision.Scope.DEPLOYMENT
        : Decision.Scope.CALLER;
  }

  private static Future<Decision> denied(GatewayException e) {
    return Future.succeededFuture(new Decision.Denied(e));
  }

  private static GatewayException unknownDenied(Admission a, Target t) {
    return GatewayException.of(
        403,
        "unknown_price_denied",
        "model",
        "unknown_price",
        "model '"
            + a.requestedModel()
            + "' (deployment "
            + a.deploymentId()
            + ", "
            + a.providerModel()
            + ") has no known price, and unknown_price_policy is deny for callers"
            + " with a budget; "
            + t.label()
            + " has max_budget "
            + Usd.of(t.max().orElse(0)).toPlainString()
            + " USD. Set input_cost_per_token and output_cost_per_token on the"
            + " deployment (0 for a free model)");
  }

  /** The meter's name for a spend counter. */
  static String counterName(CounterKey k) {
    return "s|" + k.level().wire() + "|" + k.id() + "|" + k.sub();
  }

  /** A spend check for {@code t} in the window current at {@code now}, with its floor. */
  private Check spendCheck(Target t, long now, long limit, long reserve) {
    long start;
    long end;
    if (t.duration().isEmpty()) {
      start = 0;
      end = Long.MAX_VALUE;
    } else {
      Window w = windows.at(t.duration().get(), Instant.ofEpochMilli(now));
      start = w.start().toEpochMilli();
      end = w.end().toEpochMilli();
    }
    CounterState f = floors.get(t.key());
    if (f == null || f.endMillis() != end) {
      return new Check(t.counter(), Kind.SPEND, start, end, limit, reserve, -1, 0);
    }
    return new Check(
        t.counter(), Kind.SPEND, start, end, limit, reserve, f.sinceMillis(), f.spendNanos());
  }

  private static GatewayException exceeded(Target t, Meter.Reading st, long max) {
    String resets =
        st.windowEnd() == Long.MAX_VALUE
            ? "it does not reset (no budget_duration)"
            : "it resets at " + Instant.ofEpochMilli(st.windowEnd());
    String reserved =
        st.reserved() == 0
            ? ""
            : " (plus "
                + Usd.of(st.reserved()).toPlainString()
                + " USD reserved by requests in flight)";
    return GatewayException.of(
        429,
        "budget_exceeded",
        null,
        t.key().level().wire() + "_budget_exceeded",
        // LiteLLM's sentence first, which clients and scripts match on; then which budget.
        "Budget has been exceeded! Current cost: "
            + Usd.of(st.used()).toPlainString()
            + ", Max budget: "
            + Usd.of(max).toPlainString()
            + ". ("
            + t.key().level().label()
            + " level): "
            + t.label()
            + " has spent "
            + Usd.of(st.used()).toPlainString()
            + " USD"
            + reserved
            + " of its max_budget "
            + Usd.of(max).toPlainString()
            + " USD (blocked when spend + reserved >= max_budget); "
            + resets);
  }

  /**
   * Settles a finished request: releases what its admission reserved, on every terminal path, and
   * adds its cost, exactly the {@link SpendRecord#costNanos()} that went into the spend log, to
   * every counter it belongs to, in the window current at settlement. A record whose cost is
   * unknown adds no spend and is counted as an unpriced request (with its tokens) instead. Records
   * of {@code free} deployments are exempt. A request that failed before any answer and reported no
   * usage generated nothing and is not counted. Its tokens and the request itself go to its rate
   * windows. Never blocks.
   *
   * <p>The record must carry the principal's user, team and organization ids and the tags from
   * {@link Decision.Admitted#tags()}; its key is found by hash, including a hash that was replaced
   * by regeneration while the request was in flight.
   */
  public void settle(SpendRecord r) {
    settleCharges(r);
  }

  /**
   * {@link #settle}s the record and returns the budget counters it charged, each in the window of
   * this settlement, for the spend log to move the stored counters in the transaction that writes
   * the record.
   */
  public Charges settleCharges(SpendRecord r) {
    Ticket ticket = tickets.remove(r.requestId());
    boolean charged = Outcome.charged(r);
    if (ticket == null && !charged) {
      return Charges.NONE;
    }
    long now = clock.millis();
    GovernanceSnapshot s = governance.snapshot();
    // One settlement per counter and window, with the spend target behind it (null for rate
    // windows); a handful of entries, so found by a scan rather than hashed.
    List<Settlement> out = new ArrayList<>(16);
    List<@Nullable Target> targetOfOut = new ArrayList<>(16);
    long tokens =
        r.inputTokens() + r.outputTokens() + r.cacheReadTokens() + r.cacheCreationTokens();
    Map<CounterKey, Charge> charges = Map.of();
    if (charged) {
      charges = new LinkedHashMap<>();
      Subject sub =
          new Subject(
              s.keyIdForSpend(r.keyHash()),
              r.userId(),
              r.teamId(),
              r.organizationId(),
              r.customerId(),
              r.tags(),
              Optional.of(new ModelRef(r.modelGroup(), r.providerModel())));
      OptionalLong cost = r.costNanos();
      // Charged to the budgets it was admitted under, resolved again only if anything changed;
      // the router's budgets are those of the deployment that served it, whatever changed.
      List<Target> resolved =
          ticket != null && ticket.snapshot() == s && ticket.subject().equals(sub)
              ? ticket.resolved()
              : ticket == null
                  ? targets.resolve(s, settings, sub)
                  : concat(targets.resolve(s, settings, sub), ticket.routing());
      for (Target t : resolved) {
        Check c = spendCheck(t, now, Long.MAX_VALUE, 0);
        charges.put(
            t.key(),
            new Charge(
                t.key(),
                c.windowEnd() == Long.MAX_VALUE ? Optional.empty() : t.duration(),
                c.windowStart(),
                c.windowEnd(),
                t.soft().orElse(Long.MAX_VALUE)));
        put(
            out,
            targetOfOut,
            cost.isPresent()
                ? new Settlement(c, 0, cost.getAsLong(), 0, 0, t.soft().orElse(Long.MAX_VALUE))
                : new Settlement(c, 0, 0, 1, tokens, Long.MAX_VALUE),
            t);
      }
    }
    if (ticket != null) {
      for (int i = 0; i < ticket.spendTargets().size(); i++) {
        Check reserved = ticket.checks().get(i);
        if (reserved.reserve() == 0) {
          continue;
        }
        int at = indexOf(out, reserved.counter(), -1);
        if (at >= 0) {
          out.set(at, out.get(at).withRelease(reserved.reserve()));
        } else {
          Target t = ticket.spendTargets().get(i);
          Check c = spendCheck(t, now, Long.MAX_VALUE, 0);
          put(out, targetOfOut, new Settlement(c, reserved.reserve(), 0, 0, 0, Long.MAX_VALUE), t);
        }
      }
      int from = ticket.spendTargets().size();
      for (int i = 0; i < ticket.lines().size(); i++) {
        RateTargets.Line l = ticket.lines().get(i);
        Check reserved = ticket.checks().get(from + i);
        for (Settlement st : l.settle(reserved, now, tokens)) {
          put(out, targetOfOut, st, null);
        }
      }
    }
    Charges result =
        charges.isEmpty() ? Charges.NONE : new Charges(now, List.copyOf(charges.values()));
    if (out.isEmpty()) {
      return result;
    }
    List<Settlement> list = List.copyOf(out);
    meter
        .settle(ticket == null ? r.requestId() : ticket.admissionId(), list, now)
        .onSuccess(
            done -> {
              for (int i = 0; i < list.size(); i++) {
                Target t = targetOfOut.get(i);
                if (t == null) {
                  continue;
                }
                if (done.softCrossed().get(i)) {
                  softAlert(t, done.after().get(i), r, s);
                }
              }
            });
    return result;
  }

  /**
   * Gives back everything an admission reserved and charges nothing: for an attempt that failed
   * before any answer and is retried, whose request goes on under another admission. Never blocks.
   */
  public void release(String admissionId) {
    Ticket ticket = tickets.remove(admissionId);
    if (ticket == null) {
      return;
    }
    List<Check> checks = ticket.checks();
    List<Settlement> out = new ArrayList<>(checks.size());
    for (Check c : checks) {
      if (c.reserve() != 0) {
        out.add(new Settlement(c, c.reserve(), 0, 0, 0, Long.MAX_VALUE));
      }
    }
    if (!out.isEmpty()) {
      meter.settle(admissionId, List.copyOf(out), clock.millis());
    }
  }

  /**
   * Makes the admission {@code admissionId} the one that the spend record of {@code requestId}
   * settles: the attempt that ended a request admitted under its own id. The meter still settles it
   * under {@code admissionId}, where it was reserved.
   */
  public void adopt(String admissionId, String requestId) {
    if (admissionId.equals(requestId)) {
      return;
    }
    Ticket ticket = tickets.remove(admissionId);
    if (ticket != null) {
      tickets.put(requestId, ticket);
    }
  }

  /**
   * Adds {@code st} to {@code out}, or replaces the settlement already there for its counter and
   * window (a later one wins, as in a map), keeping {@code targets} in step.
   */
  private static void put(
      List<Settlement> out, List<@Nullable Target> targets, Settlement st, @Nullable Target t) {
    Check c = st.check();
    int at = indexOf(out, c.counter(), c.kind() == Kind.SPEND ? -1 : c.windowStart());
    if (at >= 0) {
      out.set(at, st);
      targets.set(at, t);
    } else {
      out.add(st);
      targets.add(t);
    }
  }

  /**
   * Where {@code out} settles {@code counter}: any window of it for a spend counter ({@code
   * windowStart} -1), else the window starting at {@code windowStart}; -1 if nowhere.
   */
  private static int indexOf(List<Settlement> out, String counter, long windowStart) {
    for (int i = 0; i < out.size(); i++) {
      Check c = out.get(i).check();
      if (c.counter().equals(counter) && (windowStart == -1 || c.windowStart() == windowStart)) {
        return i;
      }
    }
    return -1;
  }

  private void softAlert(Target t, Meter.Reading st, SpendRecord r, GovernanceSnapshot s) {
    Optional<String> keyAlias =
        s.keyIdForSpend(r.keyHash()).map(s.keys()::get).flatMap(VirtualKey::keyAlias);
    BudgetAlert a =
        new BudgetAlert(
            BudgetAlert.SOFT_BUDGET_CROSSED,
            t.key().level(),
            t.key().id(),
            t.label(),
            st.used(),
            t.soft(),
            t.max(),
            st.windowEnd() == Long.MAX_VALUE
                ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(st.windowEnd())),
            r.keyHash(),
            keyAlias,
            r.userId(),
            r.teamId(),
            r.customerId());
    LOG.atWarn()
        .addKeyValue("request_id", r.requestId())
        .log(
            "soft budget crossed: {} has spent {} USD, soft_budget {} USD{}",
            t.label(),
            Usd.of(st.used()).toPlainString(),
            Usd.of(t.soft().orElse(0)).toPlainString(),
            t.max().isPresent()
                ? ", max_budget " + Usd.of(t.max().getAsLong()).toPlainString() + " USD"
                : "");
    try {
      alerts.alert(a);
    } catch (RuntimeException e) {
      LOG.warn("budget alert sink failed: {}", e.toString());
    }
  }

  // --- what operators see: the same counters ---------------------------------------------------

  /**
   * Every budget that applies to requests with this key, in the order admission checks them: key,
   * key per-model, user (personal keys), team and team member (team keys), organization, the key's
   * tags, and the global budget. Customers depend on the request and are not listed. Blocks on the
   * meter: call from a worker.
   */
  public List<BudgetLine> keyChain(String keyId) {
    GovernanceSnapshot s = governance.snapshot();
    VirtualKey k = s.keys().get(keyId);
    if (k == null) {
      return List.of();
    }
    Optional<String> org =
        k.organizationId().or(() -> k.teamId().map(s.teams()::get).flatMap(Team::organizationId));
    return lines(
        s,
        new Subject(
            Optional.of(keyId),
            k.userId(),
            k.teamId(),
            org,
            Optional.empty(),
            k.tags(),
            Optional.empty()));
  }

  /**
   * The budget of one entity and its per-model budgets. {@code level} is {@link Level#KEY}, {@link
   * Level#USER} (its personal budget), {@link Level#TEAM}, {@link Level#ORGANIZATION}, {@link
   * Level#CUSTOMER} or {@link Level#TAG}. Blocks on the meter.
   */
  public List<BudgetLine> entityBudgets(Level level, String id) {
    return lines(governance.snapshot(), only(level, id)).stream()
        .filter(l -> l.level() == level || l.level() == level.perModel())
        .toList();
  }

  /**
   * {@link #entityBudgets(Level, String)} of each of {@code ids}, in order, from one read of the
   * counters for them all (one Redis round trip when they are shared), for list pages. Blocks on
   * the meter.
   */
  public List<List<BudgetLine>> entityBudgets(Level level, List<String> ids) {
    List<Subject> subs = new ArrayList<>(ids.size());
    ids.forEach(id -> subs.add(only(level, id)));
    List<List<BudgetLine>> out = new ArrayList<>(ids.size());
    for (List<BudgetLine> lines : lines(governance.snapshot(), subs)) {
      out.add(
          lines.stream().filter(l -> l.level() == level || l.level() == level.perModel()).toList());
    }
    return out;
  }

  private static Subject only(Level level, String id) {
    Optional<String> some = Optional.of(id);
    Optional<String> none = Optional.empty();
    return switch (level) {
      case KEY -> new Subject(some, none, none, none, none, List.of(), Optional.empty());
      case USER -> new Subject(none, some, none, none, none, List.of(), Optional.empty());
      case TEAM -> new Subject(none, none, some, none, none, List.of(), Optional.empty());
      case ORGANIZATION -> new Subject(none, none, none, some, none, List.of(), Optional.empty());
      case CUSTOMER -> new Subject(none, none, none, none, some, List.of(), Optional.empty());
      case TAG -> new Subject(none, none, none, none, none, List.of(id), Optional.empty());
      default -> throw new IllegalArgumentException("not an entity level: " + level);
    };
  }

  /** A team member's budget within the team. Blocks on the meter. */
  public BudgetLine memberBudget(String teamId, String userId) {
    return lines(governance.snapshot(), member(teamId, userId)).stream()
        .filter(l -> l.level() == Level.TEAM_MEMBER)
        .findFirst()
        .orElseThrow();
  }

  private static Subject member(String teamId, String userId) {
    return new Subject(
        Optional.empty(),
        Optional.of(userId),
        Optional.of(teamId),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty());
  }

  /** The global proxy budget. Blocks on the meter. */
  public BudgetLine globalBudget() {
    List<BudgetLine> all = lines(governance.snapshot(), nobody());
    return all.get(all.size() - 1);
  }

  private static Subject nobody() {
    return new Subject(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty());
  }

  private List<BudgetLine> lines(GovernanceSnapshot s, Subject sub) {
    return lines(s, List.of(sub)).get(0);
  }

  /** The lines of each subject, in order, from one read of the meter for them all. */
  private List<List<BudgetLine>> lines(GovernanceSnapshot s, List<Subject> subs) {
    if (meter.needsFloors()) {
      // what operators read is what admission would see: from the store's counters, once reloaded
      await(reloadFloors());
    }
    long now = clock.millis();
    List<List<Target>> perSubject = new ArrayList<>(subs.size());
    List<Check> checks = new ArrayList<>();
    for (Subject sub : subs) {
      List<Target> ts = targets.resolve(s, settings, sub);
      perSubject.add(ts);
      for (Target t : ts) {
        checks.add(spendCheck(t, now, Long.MAX_VALUE, 0));
      }
    }
    List<Meter.Reading> readings = checks.isEmpty() ? List.of() : await(meter.read(checks, now));
    List<List<BudgetLine>> out = new ArrayList<>(subs.size());
    int i = 0;
    for (List<Target> ts : perSubject) {
      List<BudgetLine> lines = new ArrayList<>(ts.size());
      for (Target t : ts) {
        Meter.Reading st = readings.get(i++);
        lines.add(
            new BudgetLine(
                t.key().level(),
                t.key().id(),
                t.key().sub(),
                t.label(),
                st.used(),
                t.max(),
                t.soft(),
                t.duration(),
                Instant.ofEpochMilli(st.since()),
                st.windowEnd() == Long.MAX_VALUE
                    ? Optional.empty()
                    : Optional.of(Instant.ofEpochMilli(st.windowEnd())),
                st.unpricedRequests(),
                st.unpricedTokens(),
                t.budgetId(),
                st.reserved()));
      }
      out.add(lines);
    }
    return out;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage()
          .toCompletableFuture()
          .get(METER_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GatewayException.internal("interrupted while reading budget counters", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw GatewayException.of(
          503,
          "service_unavailable",
          null,
          "budget_counters_unavailable",
          "budget counters could not be read: " + e);
    }
  }

  // --- manual resets ----------------------------------------------------------------------------

  /**
   * Resets an entity's spend (and its per-model spend) to zero at once: {@code reset_spend}, an
   * update with {@code spend: 0}, or a deleted entity whose id may be reused. The window's end is
   * unchanged; the spend log keeps the history. With a shared meter, every instance sees it at
   * once. Blocks on the meter.
   */
  public void reset(Level level, String id) {
    List<Target> ts =
        targets.resolve(governance.snapshot(), settings, only(level, id)).stream()
            .filter(t -> t.key().level() == level || t.key().level() == level.perModel())
            .toList();
    resetTargets(
        ts, k -> (k.level() == level || k.level() == level.perModel()) && k.id().equals(id));
  }

  /** Resets a team member's spend within the team. */
  public void resetMember(String teamId, String userId) {
    List<Target> ts =
        targets.resolve(governance.snapshot(), settings, member(teamId, userId)).stream()
            .filter(t -> t.key().level() == Level.TEAM_MEMBER)
            .toList();
    resetTargets(
        ts, k -> k.level() == Level.TEAM_MEMBER && k.id().equals(teamId) && k.sub().equals(userId));
  }

  /** Whether any counter exists for this entity (it has been charged or reset). */
  public boolean hasSpend(Level level, String id) {
    if (floors.keySet().stream().anyMatch(k -> k.level() == level && k.id().equals(id))) {
      return true;
    }
    List<Target> ts =
        targets.resolve(governance.snapshot(), settings, only(level, id)).stream()
            .filter(t -> t.key().level() == level)
            .toList();
    long now = clock.millis();
    List<Check> checks = ts.stream().map(t -> spendCheck(t, now, Long.MAX_VALUE, 0)).toList();
    return await(meter.read(checks, now)).stream().anyMatch(Meter.Reading::exists);
  }

  /** Resets every member's spend within a team (the team was deleted). */
  public void resetTeamMembers(String teamId) {
    GovernanceSnapshot s = governance.snapshot();
    Set<String> users = new LinkedHashSet<>();
    Team t = s.teams().get(teamId);
    if (t != null) {
      t.members().forEach(m -> users.add(m.userId()));
    }
    floors.keySet().stream()
        .filter(k -> k.level() == Level.TEAM_MEMBER && k.id().equals(teamId))
        .forEach(k -> users.add(k.sub()));
    users.forEach(u -> resetMember(teamId, u));
  }

  private void resetTargets(List<Target> ts, java.util.function.Predicate<CounterKey> stored) {
    long now = clock.millis();
    Map<String, Target> all = new LinkedHashMap<>();
    for (Target t : ts) {
      all.put(counterName(t.key()), t);
    }
    // Counters the store has that no longer have a budget (a per-model budget removed).
    for (CounterState st : floors.values()) {
      if (stored.test(st.key()) && !all.containsKey(counterName(st.key()))) {
        all.put(counterName(st.key()), stored(st));
      }
    }
    if (all.isEmpty()) {
      return;
    }
    List<Check> checks = new ArrayList<>();
    for (Target t : all.values()) {
      checks.add(spendCheck(t, now, Long.MAX_VALUE, 0));
    }
    await(meter.reset(checks, now));
    CounterStore s = store;
    if (s != null) {
      // The store restarts each counter at the same instant, and counts again what the spend log
      // has charged to it since (records settled before the reset and committed after it are not
      // counted, as in the meter). Then the floors carry the reset too.
      List<CounterState> restarted = new ArrayList<>(checks.size());
      int i = 0;
      for (Target t : all.values()) {
        Check c = checks.get(i++);
        Optional<BudgetDuration> d =
            c.windowEnd() == Long.MAX_VALUE ? Optional.empty() : t.duration();
        restarted.add(CounterState.fresh(t.key(), d, now, c.windowEnd()));
      }
      for (CounterState st : s.restartCounters(restarted)) {
        floors.put(st.key(), st);
      }
    }
  }

  // --- persistence ------------------------------------------------------------------------------

  /**
   * Installs counters loaded from a {@link CounterStore}, as the floors every check starts from.
   * Call once, before serving.
   */
  public void restore(Collection<CounterState> states) {
    for (CounterState st : states) {
      floors.merge(st.key(), st, Enforcer::newer);
    }
    if (meter instanceof LocalMeter local) {
      for (CounterState st : states) {
        local.restore(
            counterName(st.key()),
            st.sinceMillis(),
            st.endMillis(),
            st.spendNanos(),
            st.unpricedRequests(),
            st.unpricedTokens(),
            st.softAlerted());
      }
    }
    // What admission checks now starts from what was just read.
    meter.floorsLoaded();
  }

  /**
   * The store whose counters move with the spend log: manual resets are written to it, and the
   * floors are re-read from it when a shared meter may have lost data. Call once, before serving.
   */
  public void useStore(CounterStore store) {
    useStore(store, () -> {});
  }

  /**
   * As {@link #useStore(CounterStore)}, with what a floor reload runs first: the gateway waits
   * there for its spend log to persist what was already settled, so that a reload after Redis lost
   * data does not miss spend settled just before it (its queued settlements are dropped then).
   */
  public void useStore(CounterStore store, Runnable beforeReload) {
    this.store = requireNonNull(store, "store");
    this.beforeReload = requireNonNull(beforeReload, "beforeReload");
  }

  /** The later of two views of one counter: a later start, or more spend in the same window. */
  private static CounterState newer(CounterState a, CounterState b) {
    if (a.sinceMillis() != b.sinceMillis()) {
      return a.sinceMillis() > b.sinceMillis() ? a : b;
    }
    return a.spendNanos() >= b.spendNanos() ? a : b;
  }

  /** A counter known from the store, as a target without limits: to read or reset it. */
  private static Target stored(CounterState st) {
    return new Target(
        st.key(),
        st.key().toString(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        st.duration(),
        Optional.empty(),
        Optional.empty());
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a.size() + b.size());
    out.addAll(a);
    out.addAll(b);
    return out;
  }
}
