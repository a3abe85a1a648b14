package dev.tollgate.budget;

import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.InMemoryGovernanceStore;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Tag;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.pricing.Rates;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A governance snapshot, an enforcer on a hand-moved clock, and builders for test entities. */
final class Fixture {
  static final Price PRICED =
      new Price.Priced(
          new Rates(Map.of(RateKey.INPUT, new BigDecimal("0.000001"))), PriceSource.CUSTOM);

  final MutableClock clock;
  final InMemoryGovernanceStore store = new InMemoryGovernanceStore();
  final Governance gov;
  final List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
  final Enforcer enforcer;
  private final AtomicInteger requests = new AtomicInteger();

  Fixture() {
    this(BudgetSettings.defaults(), "2025-03-12T10:00:00Z");
  }

  Fixture(BudgetSettings settings, String start) {
    this(settings, start, Map.of());
  }

  /** {@code aliases} maps alias to group, as the model registry would. */
  Fixture(BudgetSettings settings, String start, Map<String, String> aliases) {
    clock = MutableClock.at(start);
    gov = Governance.load(store, settings.maxEndUserBudgetId().map(Set::of).orElse(Set.of()));
    enforcer =
        new Enforcer(
            gov, settings, clock, alerts::add, name -> Optional.ofNullable(aliases.get(name)));
  }

  void put(Entity... entities) {
    List<EntityChange> changes = new ArrayList<>();
    for (Entity e : entities) {
      changes.add(new EntityChange.Upsert(e));
    }
    gov.mutate(s -> new Governance.Mutation<>(changes, true));
  }

  static long usd(String s) {
    return Usd.toNanos(new BigDecimal(s));
  }

  static Limits max(String usd) {
    return Limits.NONE.withMaxBudget(OptionalLong.of(usd(usd)));
  }

  static Limits max(String usd, String duration) {
    return max(usd).withDuration(Optional.of(BudgetDuration.parse(duration)));
  }

  static Limits models(String model, String usd, Optional<String> period) {
    return Limits.NONE.withModelMaxBudget(
        Map.of(model, new ModelBudget(usd(usd), period.map(BudgetDuration::parse))));
  }

  Instant now() {
    return clock.instant();
  }

  VirtualKey key(String id, Limits limits) {
    return key(id, limits, Optional.empty(), Optional.empty());
  }

  VirtualKey key(String id, Limits limits, Optional<String> user, Optional<String> team) {
    return new VirtualKey(
        id,
        "hash-" + id,
        "sk-..." + id,
        Optional.of("alias-" + id),
        List.of(),
        limits,
        Optional.empty(),
        user,
        team,
        Optional.empty(),
        "{}",
        List.of(),
        Optional.empty(),
        false,
        now(),
        now());
  }

  User user(String id, Limits limits) {
    return new User(
        id,
        Optional.empty(),
        Optional.empty(),
        UserRole.INTERNAL_USER,
        List.of(),
        limits,
        "{}",
        now(),
        now());
  }

  Team team(String id, Limits limits, OptionalLong memberBudget, List<TeamMember> members) {
    return new Team(
        id,
        Optional.of("Team " + id),
        Optional.empty(),
        List.of(),
        limits,
        memberBudget,
        Optional.empty(),
        members,
        "{}",
        false,
        now(),
        now());
  }

  Organization org(String id, Limits limits) {
    return new Organization(
        id, Optional.empty(), List.of(), limits, Optional.empty(), "{}", now(), now());
  }

  Customer customer(String id, Limits limits, boolean blocked) {
    return new Customer(id, Optional.empty(), blocked, limits, Optional.empty(), now(), now());
  }

  Tag tag(String name, Limits limits) {
    return new Tag(name, Optional.empty(), List.of(), limits, Optional.empty(), now(), now());
  }

  SharedBudget budget(String id, Limits limits) {
    return new SharedBudget(id, limits, now(), now());
  }

  /** The principal the authenticator would build for {@code k}. */
  Principal principal(VirtualKey k) {
    Optional<String> org =
        k.organizationId()
            .or(
                () ->
                    k.teamId()
                        .flatMap(t -> Optional.ofNullable(gov.snapshot().teams().get(t)))
                        .flatMap(Team::organizationId));
    return new Principal(
        k.tokenHash(),
        false,
        Optional.of(k.id()),
        k.keyAlias(),
        k.userId(),
        k.teamId(),
        org,
        k.models(),
        k.tags());
  }

  static Principal master() {
    return new Principal("master-hash", true);
  }

  Decision admit(Principal p, String model, Price price) {
    return admit(p, model, model, price, Optional.empty(), List.of());
  }

  Decision admit(
      Principal p,
      String requested,
      String group,
      Price price,
      Optional<String> customer,
      List<String> tags) {
    return java.util.Objects.requireNonNull(
        enforcer
            .admit(
                new Admission(
                    "adm-" + requests.incrementAndGet(),
                    p,
                    requested,
                    group,
                    "dep-1",
                    "openai/" + group,
                    price,
                    customer,
                    tags,
                    Estimate.NONE,
                    OptionalLong.empty(),
                    OptionalLong.empty(),
                    Optional.empty(),
                    "openai"))
            .result(),
        "the local meter answers at once");
  }

  /** Settles a request of {@code p} that cost {@code nanos} (empty: unknown). */
  SpendRecord settle(
      Principal p,
      String group,
      OptionalLong nanos,
      Optional<String> customer,
      List<String> tags,
      Price price) {
    SpendRecord r =
        new SpendRecord(
            "req-" + requests.incrementAndGet(),
            clock.millis(),
            p.keyHash(),
            p.userId(),
            p.teamId(),
            p.organizationId(),
            customer,
            tags,
            group,
            Optional.of("dep-1"),
            Optional.of("openai/" + group),
            price.state(),
            price.sourceName(),
            100,
            20,
            0,
            0,
            0,
            nanos,
            dev.tollgate.budget.UsageSource.PROVIDER,
            200,
            Optional.empty(),
            5,
            false);
    lastCharges = enforcer.settleCharges(r);
    return r;
  }

  /** What the last {@link #settle} charged. */
  Charges lastCharges = Charges.NONE;

  SpendRecord settle(Principal p, String usd) {
    return settle(p, "gpt-4o", OptionalLong.of(usd(usd)), Optional.empty(), List.of(), PRICED);
  }
}
