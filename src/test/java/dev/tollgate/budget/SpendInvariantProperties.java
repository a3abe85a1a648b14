package dev.tollgate.budget;

import static dev.tollgate.budget.Fixture.PRICED;
import static dev.tollgate.budget.Fixture.max;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.Price;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The spend invariant: after any sequence of settled requests (priced or of unknown cost), clock
 * advances and manual resets, every entity's reported spend equals, exactly, the sum of the costs
 * of its records settled in its current window; and its unpriced count equals the number of its
 * unknown-cost records in that window. Windows are computed here independently of {@link Windows},
 * in UTC.
 */
class SpendInvariantProperties {

  sealed interface Action permits Settle, Advance, Reset {}

  /** A request by key {@code key} (3: the master key). */
  record Settle(int key, int customer, int tags, boolean gpt4o, OptionalLong nanos)
      implements Action {}

  record Advance(long millis) implements Action {}

  /** A manual reset of key kT (0), team t1 (1) or customer c1 (2). */
  record Reset(int which) implements Action {}

  /** A settled record as the model sees it. */
  record Rec(
      int seq, long at, int key, int customer, int tags, boolean gpt4o, OptionalLong nanos) {}

  /** One counter to check: how to read it, its window, and which records belong to it. */
  record Check(
      String name, Supplier<BudgetLine> line, Optional<String> duration, Predicate<Rec> of) {}

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> settle =
        Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(true, false),
                Arbitraries.oneOf(
                    Arbitraries.longs().between(1, 5_000_000_000L).map(OptionalLong::of),
                    Arbitraries.just(OptionalLong.empty())))
            .as(Settle::new);
    Arbitrary<Action> advance =
        Arbitraries.oneOf(
                Arbitraries.longs().between(0, 10_800_000L),
                Arbitraries.of(1L, 999L, 30_000L, 900_000L, 3_600_000L, 86_400_000L))
            .map(Advance::new);
    Arbitrary<Action> reset = Arbitraries.integers().between(0, 2).map(Reset::new);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, settle),
            net.jqwik.api.Tuple.of(3, advance),
            net.jqwik.api.Tuple.of(1, reset))
        .list()
        .ofMaxSize(80);
  }

  @Property(tries = 300)
  void reportedSpend_anyRecordsAdvancesAndResets_equalsSumOfRecordsInCurrentWindow(
      @ForAll("actions") List<Action> actions) {
    BudgetSettings settings =
        new BudgetSettings(
            OptionalLong.of(Long.MAX_VALUE),
            Optional.of(BudgetDuration.parse("1h")),
            OptionalLong.empty(),
            Optional.empty(),
            UnknownPricePolicy.ENFORCE,
            ZoneOffset.UTC,
            Estimate.DEFAULT_OUTPUT_TOKENS);
    // A Sunday evening near the end of a month: weeks, days and months all turn over.
    Fixture f = new Fixture(settings, "2025-03-30T21:00:00Z");
    f.put(f.user("u1", Limits.NONE), f.user("u2", max("1000", "15m")));
    f.put(f.org("o1", max("1000", "7d")));
    Team t =
        new Team(
            "t1",
            Optional.empty(),
            Optional.of("o1"),
            List.of(),
            max("1000", "1d"),
            OptionalLong.empty(),
            Optional.of(BudgetDuration.parse("1h")),
            List.of(
                new TeamMember("u1", TeamMember.Role.USER, OptionalLong.empty(), Optional.empty())),
            "{}",
            false,
            f.now(),
            f.now());
    f.put(t);
    f.put(f.customer("c1", max("1000", "15m"), false));
    f.put(f.tag("g1", max("1000", "1d")), f.tag("g2", Limits.NONE));
    VirtualKey kT = f.key("kT", max("1000", "30s"), Optional.of("u1"), Optional.of("t1"));
    VirtualKey kP =
        f.key(
            "kP",
            max("1000", "1mo")
                .withModelMaxBudget(
                    Map.of(
                        "gpt-4o",
                        new ModelBudget(Long.MAX_VALUE, Optional.of(BudgetDuration.parse("1h"))))),
            Optional.of("u2"),
            Optional.empty());
    VirtualKey kL = f.key("kL", Limits.NONE, Optional.of("u1"), Optional.empty());
    f.put(kT, kP, kL);
    List<Principal> principals =
        List.of(f.principal(kT), f.principal(kP), f.principal(kL), Fixture.master());
    List<Optional<String>> customers =
        List.of(Optional.of("c1"), Optional.of("c2"), Optional.empty());

    List<Rec> recs = new ArrayList<>();
    // The position in the sequence of each entity's last reset: a record settled at the same
    // millisecond as a reset but before it is not counted.
    Map<String, Integer> resets = new HashMap<>();
    for (Action a : actions) {
      switch (a) {
        case Advance adv -> f.clock.advance(java.time.Duration.ofMillis(adv.millis()));
        case Reset r -> {
          String name = List.of("key kT", "team t1", "customer c1").get(r.which());
          switch (r.which()) {
            case 0 -> f.enforcer.reset(Level.KEY, "kT");
            case 1 -> f.enforcer.reset(Level.TEAM, "t1");
            default -> f.enforcer.reset(Level.CUSTOMER, "c1");
          }
          resets.put(name, recs.size());
        }
        case Settle s -> {
          List<String> tags = new ArrayList<>();
          if ((s.tags() & 1) != 0) {
            tags.add("g1");
          }
          if ((s.tags() & 2) != 0) {
            tags.add("g2");
          }
          Price price = s.nanos().isPresent() ? PRICED : Price.UNKNOWN;
          f.settle(
              principals.get(s.key()),
              s.gpt4o() ? "gpt-4o" : "o3",
              s.nanos(),
              customers.get(s.customer()),
              tags,
              price);
          recs.add(
              new Rec(
                  recs.size(),
                  f.clock.millis(),
                  s.key(),
                  s.customer(),
                  s.tags(),
                  s.gpt4o(),
                  s.nanos()));
        }
      }
    }

    Enforcer e = f.enforcer;
    List<Check> checks =
        List.of(
            new Check(
                "key kT",
                () -> e.entityBudgets(Level.KEY, "kT").get(0),
                d("30s"),
                r -> r.key() == 0),
            new Check(
                "key kP",
                () -> e.entityBudgets(Level.KEY, "kP").get(0),
                d("1mo"),
                r -> r.key() == 1),
            new Check(
                "key kP gpt-4o",
                () -> e.entityBudgets(Level.KEY, "kP").get(1),
                d("1h"),
                r -> r.key() == 1 && r.gpt4o()),
            new Check(
                "key kL", () -> e.entityBudgets(Level.KEY, "kL").get(0), none(), r -> r.key() == 2),
            new Check(
                "user u1",
                () -> e.entityBudgets(Level.USER, "u1").get(0),
                none(),
                r -> r.key() == 2),
            new Check(
                "user u2",
                () -> e.entityBudgets(Level.USER, "u2").get(0),
                d("15m"),
                r -> r.key() == 1),
            new Check(
                "team t1",
                () -> e.entityBudgets(Level.TEAM, "t1").get(0),
                d("1d"),
                r -> r.key() == 0),
            new Check(
                "member u1 of t1", () -> e.memberBudget("t1", "u1"), d("1h"), r -> r.key() == 0),
            new Check(
                "organization o1",
                () -> e.entityBudgets(Level.ORGANIZATION, "o1").get(0),
                d("7d"),
                r -> r.key() == 0),
            new Check(
                "customer c1",
                () -> e.entityBudgets(Level.CUSTOMER, "c1").get(0),
                d("15m"),
                r -> r.customer() == 0),
            new Check(
                "customer c2",
                () -> e.entityBudgets(Level.CUSTOMER, "c2").get(0),
                none(),
                r -> r.customer() == 1),
            new Check(
                "tag g1",
                () -> e.entityBudgets(Level.TAG, "g1").get(0),
                d("1d"),
                r -> (r.tags() & 1) != 0),
            new Check(
                "tag g2",
                () -> e.entityBudgets(Level.TAG, "g2").get(0),
                none(),
                r -> (r.tags() & 2) != 0),
            new Check("global", e::globalBudget, d("1h"), r -> true));

    long now = f.clock.millis();
    for (Check c : checks) {
      long start = c.duration().map(x -> windowStart(x, now)).orElse(Long.MIN_VALUE);
      long from = start;
      int after = resets.getOrDefault(c.name(), 0);
      List<Rec> mine =
          recs.stream().filter(c.of()).filter(r -> r.at() >= from && r.seq() >= after).toList();
      long expected = mine.stream().mapToLong(r -> r.nanos().orElse(0)).sum();
      long unpriced = mine.stream().filter(r -> r.nanos().isEmpty()).count();
      BudgetLine l = c.line().get();
      assertThat(l.spendNanos()).as(c.name() + " spend").isEqualTo(expected);
      assertThat(l.unpricedRequests()).as(c.name() + " unpriced").isEqualTo(unpriced);
    }
  }

  private static Optional<String> d(String s) {
    return Optional.of(s);
  }

  private static Optional<String> none() {
    return Optional.empty();
  }

  /** The calendar window start in UTC, computed without {@link Windows}. */
  private static long windowStart(String duration, long now) {
    long day = 86_400_000L;
    return switch (duration) {
      case "30s" -> Math.floorDiv(now, 30_000L) * 30_000L;
      case "15m" -> Math.floorDiv(now, 900_000L) * 900_000L;
      case "1h" -> Math.floorDiv(now, 3_600_000L) * 3_600_000L;
      case "1d" -> Math.floorDiv(now, day) * day;
      case "7d" -> {
        long epochDay = Math.floorDiv(now, day);
        // 1970-01-05 (epoch day 4) was a Monday.
        yield (Math.floorDiv(epochDay - 4, 7) * 7 + 4) * day;
      }
      case "1mo" ->
          LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC)
              .withDayOfMonth(1)
              .atStartOfDay(ZoneOffset.UTC)
              .toInstant()
              .toEpochMilli();
      default -> throw new IllegalArgumentException(duration);
    };
  }
}
