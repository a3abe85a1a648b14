package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import dev.tollgate.budget.Targets.ModelRef;
import dev.tollgate.budget.Targets.Subject;
import dev.tollgate.budget.Targets.Target;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.Price;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
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
 * are safe on any event loop and never block. {@link #flushTo} blocks on the store.
 */
public final class Enforcer {
  private static final Logger LOG = LoggerFactory.getLogger(Enforcer.class);

  private final Governance governance;
  private final BudgetSettings settings;
  private final Clock clock;
  private final AlertSink alerts;
  private final Targets targets;
  private final Windows windows;
  private final SpendCounters counters;

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
    this.governance = requireNonNull(governance, "governance");
    this.settings = requireNonNull(settings, "settings");
    this.clock = requireNonNull(clock, "clock");
    this.alerts = requireNonNull(alerts, "alerts");
    this.targets = new Targets(requireNonNull(groupOf, "groupOf"));
    this.windows = new Windows(settings.timezone());
    this.counters = new SpendCounters(windows);
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

  /**
   * Decides whether a request may go ahead, after its deployment is chosen and before it is
   * forwarded. Memory only.
   *
   * <p>Denials: 403 {@code permission_error} for a blocked customer; 403 {@code
   * unknown_price_denied} under {@code unknown_price_policy: deny}; 500 {@code
   * budget_misconfigured} when a default budget named in the config does not exist; 429 {@code
   * budget_exceeded} naming the level, the entity, its spend and its max_budget.
   */
  public Decision admit(Admission a) {
    long now = clock.millis();
    GovernanceSnapshot s = governance.snapshot();
    Principal p = a.principal();
    if (a.customerId().isPresent()) {
      Customer c = s.customers().get(a.customerId().get());
      if (c != null && c.blocked()) {
        return new Decision.Denied(
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
    List<String> tags = new ArrayList<>(new LinkedHashSet<>(concat(p.tags(), a.tags())));
    Subject sub =
        new Subject(
            p.keyId(),
            p.userId(),
            p.teamId(),
            p.organizationId(),
            a.customerId(),
            tags,
            Optional.of(new ModelRef(a.modelGroup(), Optional.of(a.providerModel()))));
    List<Target> ts = targets.resolve(s, settings, sub);
    OptionalLong keySpend = OptionalLong.empty();
    OptionalLong keyMax = OptionalLong.empty();
    for (Target t : ts) {
      if (t.key().level() == Level.KEY) {
        keySpend = OptionalLong.of(counters.read(t.key(), t.duration(), now).spendNanos());
        keyMax = t.max();
      }
    }
    if (a.price() instanceof Price.Free) {
      return new Decision.Admitted(keySpend, keyMax, tags);
    }
    for (Target t : ts) {
      if (t.misconfigured().isPresent()) {
        return new Decision.Denied(
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
          return new Decision.Denied(
              GatewayException.of(
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
                      + Usd.of(t.max().getAsLong()).toPlainString()
                      + " USD. Set input_cost_per_token and output_cost_per_token on the"
                      + " deployment (0 for a free model)"));
        }
      }
    }
    for (Target t : ts) {
      if (t.max().isEmpty()) {
        continue;
      }
      CounterState st = counters.read(t.key(), t.duration(), now);
      long max = t.max().getAsLong();
      if (blocks(st.spendNanos(), max)) {
        return new Decision.Denied(exceeded(t, st, max));
      }
    }
    return new Decision.Admitted(keySpend, keyMax, tags);
  }

  private static GatewayException exceeded(Target t, CounterState st, long max) {
    String resets =
        st.endMillis() == CounterState.NO_END
            ? "it does not reset (no budget_duration)"
            : "it resets at " + Instant.ofEpochMilli(st.endMillis());
    return GatewayException.of(
        429,
        "budget_exceeded",
        null,
        t.key().level().wire() + "_budget_exceeded",
        "Budget exceeded ("
            + t.key().level().label()
            + " level): "
            + t.label()
            + " has spent "
            + Usd.of(st.spendNanos()).toPlainString()
            + " USD of its max_budget "
            + Usd.of(max).toPlainString()
            + " USD (blocked when spend >= max_budget); "
            + resets);
  }

  /**
   * Whether a failed request was refused before anything went upstream: no deployment was chosen
   * (unknown model, model not allowed), or admission refused it. Such a stream generated nothing,
   * unlike one that died mid-answer without reporting usage, which is counted as unpriced.
   */
  private static boolean neverForwarded(SpendRecord r) {
    return r.deploymentId().isEmpty()
        || r.errorType().filter(ADMISSION_REFUSALS::contains).isPresent();
  }

  /** The error types {@link #admit} refuses with; such requests are never forwarded. */
  private static final java.util.Set<String> ADMISSION_REFUSALS =
      java.util.Set.of(
          "budget_exceeded", "unknown_price_denied", "budget_misconfigured", "permission_error");

  /**
   * Adds a finished request's cost, exactly the {@link SpendRecord#costNanos()} that went into the
   * spend log, to every counter it belongs to, in the window current at settlement. A record whose
   * cost is unknown adds no spend and is counted as an unpriced request (with its tokens) instead.
   * Records of {@code free} deployments are exempt. A request that failed before any answer and
   * reported no usage generated nothing and is not counted. Memory only.
   *
   * <p>The record must carry the principal's user, team and organization ids and the tags from
   * {@link Decision.Admitted#tags()}; its key is found by hash, including a hash that was replaced
   * by regeneration while the request was in flight.
   */
  public void settle(SpendRecord r) {
    if (r.priceState().equals(Price.FREE.state())) {
      return;
    }
    OptionalLong cost = r.costNanos();
    if (cost.isPresent() && cost.getAsLong() == 0) {
      return;
    }
    if (cost.isEmpty()
        && !r.usageReported()
        && r.errorType().isPresent()
        && (!r.stream() || neverForwarded(r))) {
      return;
    }
    long now = clock.millis();
    GovernanceSnapshot s = governance.snapshot();
    Subject sub =
        new Subject(
            s.keyIdForSpend(r.keyHash()),
            r.userId(),
            r.teamId(),
            r.organizationId(),
            r.customerId(),
            r.tags(),
            Optional.of(new ModelRef(r.modelGroup(), r.providerModel())));
    long tokens =
        r.inputTokens() + r.outputTokens() + r.cacheReadTokens() + r.cacheCreationTokens();
    for (Target t : targets.resolve(s, settings, sub)) {
      if (cost.isEmpty()) {
        counters.update(t.key(), t.duration(), now, st -> st.plusUnpriced(tokens));
        continue;
      }
      long nanos = cost.getAsLong();
      OptionalLong soft = t.soft();
      SpendCounters.Change c =
          counters.update(
              t.key(),
              t.duration(),
              now,
              st -> {
                CounterState next = st.plusSpend(nanos);
                boolean crossed =
                    soft.isPresent()
                        && !next.softAlerted()
                        && next.spendNanos() >= soft.getAsLong();
                return crossed ? next.withSoftAlerted() : next;
              });
      if (!c.before().softAlerted() && c.after().softAlerted()) {
        softAlert(t, c.after(), r, s);
      }
    }
  }

  private void softAlert(Target t, CounterState st, SpendRecord r, GovernanceSnapshot s) {
    Optional<String> keyAlias =
        s.keyIdForSpend(r.keyHash()).map(s.keys()::get).flatMap(VirtualKey::keyAlias);
    BudgetAlert a =
        new BudgetAlert(
            BudgetAlert.SOFT_BUDGET_CROSSED,
            t.key().level(),
            t.key().id(),
            t.label(),
            st.spendNanos(),
            t.soft(),
            t.max(),
            st.endMillis() == CounterState.NO_END
                ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(st.endMillis())),
            r.keyHash(),
            keyAlias,
            r.userId(),
            r.teamId(),
            r.customerId());
    LOG.warn(
        "soft budget crossed: {} has spent {} USD, soft_budget {} USD{}",
        t.label(),
        Usd.of(st.spendNanos()).toPlainString(),
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
   * tags, and the global budget. Customers depend on the request and are not listed.
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
   * Level#CUSTOMER} or {@link Level#TAG}.
   */
  public List<BudgetLine> entityBudgets(Level level, String id) {
    Optional<String> some = Optional.of(id);
    Optional<String> none = Optional.empty();
    Subject sub =
        switch (level) {
          case KEY -> new Subject(some, none, none, none, none, List.of(), Optional.empty());
          case USER -> new Subject(none, some, none, none, none, List.of(), Optional.empty());
          case TEAM -> new Subject(none, none, some, none, none, List.of(), Optional.empty());
          case ORGANIZATION ->
              new Subject(none, none, none, some, none, List.of(), Optional.empty());
          case CUSTOMER -> new Subject(none, none, none, none, some, List.of(), Optional.empty());
          case TAG -> new Subject(none, none, none, none, none, List.of(id), Optional.empty());
          default -> throw new IllegalArgumentException("not an entity level: " + level);
        };
    return lines(governance.snapshot(), sub).stream()
        .filter(l -> l.level() == level || l.level() == level.perModel())
        .toList();
  }

  /** A team member's budget within the team. */
  public BudgetLine memberBudget(String teamId, String userId) {
    Subject sub =
        new Subject(
            Optional.empty(),
            Optional.of(userId),
            Optional.of(teamId),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.empty());
    return lines(governance.snapshot(), sub).stream()
        .filter(l -> l.level() == Level.TEAM_MEMBER)
        .findFirst()
        .orElseThrow();
  }

  /** The global proxy budget. */
  public BudgetLine globalBudget() {
    List<BudgetLine> all =
        lines(
            governance.snapshot(),
            new Subject(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(),
                Optional.empty()));
    return all.get(all.size() - 1);
  }

  private List<BudgetLine> lines(GovernanceSnapshot s, Subject sub) {
    long now = clock.millis();
    List<BudgetLine> out = new ArrayList<>();
    for (Target t : targets.resolve(s, settings, sub)) {
      CounterState st = counters.read(t.key(), t.duration(), now);
      out.add(
          new BudgetLine(
              t.key().level(),
              t.key().id(),
              t.key().sub(),
              t.label(),
              st.spendNanos(),
              t.max(),
              t.soft(),
              t.duration(),
              Instant.ofEpochMilli(st.sinceMillis()),
              st.endMillis() == CounterState.NO_END
                  ? Optional.empty()
                  : Optional.of(Instant.ofEpochMilli(st.endMillis())),
              st.unpricedRequests(),
              st.unpricedTokens(),
              t.budgetId()));
    }
    return out;
  }

  // --- manual resets ----------------------------------------------------------------------------

  /**
   * Resets an entity's spend (and its per-model spend) to zero at once: {@code reset_spend}, an
   * update with {@code spend: 0}, or a deleted entity whose id may be reused. The window's end is
   * unchanged; the spend log keeps the history.
   */
  public void reset(Level level, String id) {
    resetWhere(k -> (k.level() == level || k.level() == level.perModel()) && k.id().equals(id));
  }

  /** Resets a team member's spend within the team. */
  public void resetMember(String teamId, String userId) {
    resetWhere(
        k -> k.level() == Level.TEAM_MEMBER && k.id().equals(teamId) && k.sub().equals(userId));
  }

  /** Whether any counter exists for this entity (it has been charged or reset). */
  public boolean hasSpend(Level level, String id) {
    return !counters.keys(k -> k.level() == level && k.id().equals(id)).isEmpty();
  }

  /** Resets every member's spend within a team (the team was deleted). */
  public void resetTeamMembers(String teamId) {
    resetWhere(k -> k.level() == Level.TEAM_MEMBER && k.id().equals(teamId));
  }

  private void resetWhere(java.util.function.Predicate<CounterKey> which) {
    long now = clock.millis();
    for (CounterKey k : counters.keys(which)) {
      counters.reset(k, now);
    }
  }

  // --- persistence ------------------------------------------------------------------------------

  /** Installs counters loaded from a {@link CounterStore}. Call once, before serving. */
  public void restore(Collection<CounterState> states) {
    counters.restore(states);
  }

  /**
   * Saves every counter changed since the last flush. Blocks on the store: call from a worker,
   * periodically and at shutdown. If the store fails the counters stay pending and the exception
   * propagates.
   */
  public void flushTo(CounterStore store) {
    List<CounterState> changed = counters.drainDirty();
    if (changed.isEmpty()) {
      return;
    }
    try {
      store.saveCounters(changed);
    } catch (RuntimeException e) {
      counters.markDirty(changed);
      throw e;
    }
  }

  /** Every counter's raw state (not rolled to now); for tests and diagnostics. */
  public List<CounterState> counterStates() {
    return counters.all();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a.size() + b.size());
    out.addAll(a);
    out.addAll(b);
    return out;
  }
}
