package dev.tollgate.budget;

import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.InMemoryGovernanceStore;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.Tag;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.Price;
import dev.tollgate.pricing.PriceSource;
import dev.tollgate.pricing.RateKey;
import dev.tollgate.pricing.Rates;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request's budget work with local counters: admit, the answer's headers, settle. {@code
 * master} is the master key (only the global counter); {@code limited} is the gateway benchmark's
 * limited key: key, team, organization and tag budgets plus RPM and TPM limits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdmissionBench {
  @Param({"master", "limited"})
  public String caller;

  private static final long BUDGET = Usd.toNanos(new BigDecimal("1000000"));
  private static final Price PRICE =
      new Price.Priced(
          new Rates(
              Map.of(
                  RateKey.INPUT, new BigDecimal("0.000001"),
                  RateKey.OUTPUT, new BigDecimal("0.000002"))),
          PriceSource.CUSTOM);

  private Enforcer enforcer;
  private Principal principal;
  private final Estimate estimate = new Estimate(20, 64, true);
  private long n;

  @Setup
  public void setUp() {
    Instant t = Instant.parse("2026-12-02T00:00:00Z");
    Governance gov = Governance.load(new InMemoryGovernanceStore(), Set.of());
    Limits max = Limits.NONE.withMaxBudget(OptionalLong.of(BUDGET));
    Organization org =
        new Organization("o1", Optional.empty(), List.of(), max, Optional.empty(), "{}", t, t);
    Team team =
        new Team(
            "t1",
            Optional.empty(),
            Optional.of("o1"),
            List.of(),
            max,
            OptionalLong.empty(),
            Optional.empty(),
            List.of(),
            "{}",
            false,
            t,
            t);
    Tag tag = new Tag("bench", Optional.empty(), List.of(), max, Optional.empty(), t, t);
    VirtualKey key =
        new VirtualKey(
            "k1",
            "hash-k1",
            "sk-...k1",
            Optional.empty(),
            List.of(),
            max.withRate(
                RateLimits.NONE
                    .withRpmLimit(OptionalLong.of(100_000_000L))
                    .withTpmLimit(OptionalLong.of(100_000_000_000L))),
            Optional.empty(),
            Optional.empty(),
            Optional.of("t1"),
            Optional.empty(),
            "{}",
            List.of("bench"),
            Optional.empty(),
            false,
            t,
            t);
    List<EntityChange> changes = new ArrayList<>();
    for (Entity e : List.<Entity>of(org, team, tag, key)) {
      changes.add(new EntityChange.Upsert(e));
    }
    gov.mutate(s -> new Governance.Mutation<>(changes, true));
    enforcer =
        new Enforcer(gov, BudgetSettings.defaults(), Clock.systemUTC(), a -> {}, Optional::of);
    principal =
        caller.equals("master")
            ? new Principal("master-hash", true)
            : new Principal(
                "hash-k1",
                false,
                Optional.of("k1"),
                Optional.empty(),
                Optional.empty(),
                Optional.of("t1"),
                Optional.of("o1"),
                List.of(),
                List.of("bench"));
  }

  @Benchmark
  public Map<String, String> admitAndSettle() {
    String id = "req-" + n++;
    Decision.Admitted ok =
        enforcer
            .admit(
                new Admission(
                    id,
                    principal,
                    "bench-model",
                    "bench-model",
                    "dep-1",
                    "openai/bench-model",
                    PRICE,
                    Optional.empty(),
                    List.of(),
                    estimate,
                    OptionalLong.empty(),
                    OptionalLong.empty(),
                    Optional.empty(),
                    "openai"))
            .result()
            .orThrow();
    Map<String, String> headers = new java.util.HashMap<>(8);
    ok.headers(headers::put);
    enforcer.settle(
        new SpendRecord(
            id,
            0,
            principal.keyHash(),
            principal.userId(),
            principal.teamId(),
            principal.organizationId(),
            Optional.empty(),
            ok.tags(),
            "bench-model",
            Optional.of("dep-1"),
            Optional.of("openai/bench-model"),
            "priced",
            "custom",
            20,
            10,
            0,
            0,
            0,
            OptionalLong.of(40_000),
            UsageSource.PROVIDER,
            200,
            Optional.empty(),
            1,
            false));
    return headers;
  }
}
