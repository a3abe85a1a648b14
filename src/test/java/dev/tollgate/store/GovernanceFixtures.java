package dev.tollgate.store;

import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Customer;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.ModelBudget;
import dev.tollgate.governance.Organization;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Tag;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Governance entities for store tests: one with every field set and one with every optional absent
 * for each type, and random ones (every field drawn, extremes favoured) for properties.
 */
final class GovernanceFixtures {
  static final Instant T0 = Instant.parse("2025-03-01T12:34:56.123456789Z");
  static final Instant T1 = Instant.parse("2025-03-02T00:00:00Z");
  static final String METADATA = "{\"team\": \"a\",\n \"n\": 1.50, \"nested\": {\"x\": [1, 2]}}";

  private GovernanceFixtures() {}

  static String hash(String key) {
    return KeySecrets.hash(key);
  }

  static Limits fullLimits() {
    return new Limits(
        OptionalLong.of(Long.MAX_VALUE),
        OptionalLong.of(1),
        Optional.of(BudgetDuration.parse("30d")),
        Map.of(
            "openai/gpt-4o",
            new ModelBudget(1_500_000_000L, Optional.of(BudgetDuration.parse("1mo"))),
            "claude",
            new ModelBudget(0, Optional.empty()),
            "gpt-4o-mini",
            new ModelBudget(
                OptionalLong.of(10_000_000_000L),
                Optional.of(BudgetDuration.parse("1d")),
                OptionalLong.of(1000),
                OptionalLong.of(10),
                ModelBudget.Spelling.BUDGET_CONFIG),
            "o1",
            new ModelBudget(
                OptionalLong.of(2_000_000_000L),
                Optional.empty(),
                OptionalLong.empty(),
                OptionalLong.empty(),
                ModelBudget.Spelling.NUMBER),
            "o3",
            new ModelBudget(
                OptionalLong.empty(),
                Optional.empty(),
                OptionalLong.of(5),
                OptionalLong.empty(),
                ModelBudget.Spelling.GENERIC)),
        new RateLimits(
            OptionalLong.of(0),
            OptionalLong.of(Long.MAX_VALUE),
            OptionalLong.of(3),
            Map.of("openai/gpt-4o", 100L, "claude", 0L),
            Map.of("openai/gpt-4o", 50_000L)));
  }

  /** Every field set, for each entity type. */
  static List<Entity> full() {
    return List.of(
        new VirtualKey(
            "key-1",
            hash("sk-full"),
            "sk-...full",
            Optional.of("alias ✓"),
            List.of("gpt-4o", "all-team-models", "gpt-4o"),
            fullLimits(),
            Optional.of("budget-1"),
            Optional.of("user-1"),
            Optional.of("team-1"),
            Optional.of("org-1"),
            METADATA,
            List.of("prod", "eu"),
            Optional.of(Instant.parse("2026-01-01T00:00:00.000000001Z")),
            true,
            T0,
            T1),
        new User(
            "user-1",
            Optional.of("a@example.com"),
            Optional.of("Ann"),
            UserRole.PROXY_ADMIN_VIEWER,
            List.of("*"),
            fullLimits(),
            METADATA,
            T0,
            T1),
        new Team(
            "team-1",
            Optional.of("QA"),
            Optional.of("org-1"),
            List.of("gpt-4o"),
            fullLimits(),
            OptionalLong.of(10_000_000_000L),
            Optional.of(BudgetDuration.parse("1w")),
            OptionalLong.of(7),
            OptionalLong.of(0),
            List.of(
                new TeamMember(
                    "user-1", TeamMember.Role.ADMIN, OptionalLong.of(0), Optional.of("budget-1")),
                new TeamMember(
                    "user-2", TeamMember.Role.USER, OptionalLong.empty(), Optional.empty()),
                new TeamMember(
                    "user-3",
                    TeamMember.Role.USER,
                    OptionalLong.of(5),
                    Optional.empty(),
                    Optional.of(BudgetDuration.parse("7d")))),
            METADATA,
            true,
            T0,
            T1),
        new Organization(
            "org-1",
            Optional.of("Acme"),
            List.of("gpt-4o", "claude"),
            fullLimits(),
            Optional.of("budget-1"),
            METADATA,
            T0,
            T1),
        new Customer(
            "cust-1", Optional.of("C"), true, fullLimits(), Optional.of("budget-1"), T0, T1),
        new Tag(
            "prod",
            Optional.of("production traffic"),
            List.of("gpt-4o"),
            fullLimits(),
            Optional.of("budget-1"),
            T0,
            T1),
        new SharedBudget("budget-1", fullLimits(), T0, T1));
  }

  /** Every optional absent and every list empty, for each entity type. */
  static List<Entity> minimal() {
    return List.of(
        new VirtualKey(
            "key-2",
            hash("sk-min"),
            "",
            Optional.empty(),
            List.of(),
            Limits.NONE,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            "{}",
            List.of(),
            Optional.empty(),
            false,
            T0,
            T0),
        new User(
            "user-2",
            Optional.empty(),
            Optional.empty(),
            UserRole.INTERNAL_USER,
            List.of(),
            Limits.NONE,
            "{}",
            T0,
            T0),
        new Team(
            "team-2",
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Limits.NONE,
            OptionalLong.empty(),
            Optional.empty(),
            List.of(),
            "{}",
            false,
            T0,
            T0),
        new Organization(
            "org-2", Optional.empty(), List.of(), Limits.NONE, Optional.empty(), "{}", T0, T0),
        new Customer("cust-2", Optional.empty(), false, Limits.NONE, Optional.empty(), T0, T0),
        new Tag("tag-2", Optional.empty(), List.of(), Limits.NONE, Optional.empty(), T0, T0),
        new SharedBudget("budget-2", Limits.NONE, T0, T0));
  }

  /** A random entity of a random type; every field is drawn. */
  static Entity random(Random r) {
    return switch (r.nextInt(7)) {
      case 0 ->
          new VirtualKey(
              text(r),
              hash(text(r)),
              text(r),
              opt(r, () -> text(r)),
              texts(r),
              limits(r),
              opt(r, () -> text(r)),
              opt(r, () -> text(r)),
              opt(r, () -> text(r)),
              opt(r, () -> text(r)),
              text(r),
              texts(r),
              opt(r, () -> instant(r)),
              r.nextBoolean(),
              instant(r),
              instant(r));
      case 1 ->
          new User(
              text(r),
              opt(r, () -> text(r)),
              opt(r, () -> text(r)),
              UserRole.values()[r.nextInt(UserRole.values().length)],
              texts(r),
              limits(r),
              text(r),
              instant(r),
              instant(r));
      case 2 -> {
        List<TeamMember> members = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          members.add(
              new TeamMember(
                  text(r),
                  r.nextBoolean() ? TeamMember.Role.ADMIN : TeamMember.Role.USER,
                  optLong(r),
                  opt(r, () -> text(r)),
                  opt(r, () -> duration(r))));
        }
        yield new Team(
            text(r),
            opt(r, () -> text(r)),
            opt(r, () -> text(r)),
            texts(r),
            limits(r),
            optLong(r),
            opt(r, () -> duration(r)),
            optLong(r),
            optLong(r),
            members,
            text(r),
            r.nextBoolean(),
            instant(r),
            instant(r));
      }
      case 3 ->
          new Organization(
              text(r),
              opt(r, () -> text(r)),
              texts(r),
              limits(r),
              opt(r, () -> text(r)),
              text(r),
              instant(r),
              instant(r));
      case 4 ->
          new Customer(
              text(r),
              opt(r, () -> text(r)),
              r.nextBoolean(),
              limits(r),
              opt(r, () -> text(r)),
              instant(r),
              instant(r));
      case 5 ->
          new Tag(
              text(r),
              opt(r, () -> text(r)),
              texts(r),
              limits(r),
              opt(r, () -> text(r)),
              instant(r),
              instant(r));
      default -> new SharedBudget(text(r), limits(r), instant(r), instant(r));
    };
  }

  private static Limits limits(Random r) {
    Map<String, ModelBudget> perModel = new LinkedHashMap<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      perModel.put(text(r), modelBudget(r));
    }
    return new Limits(optLong(r), optLong(r), opt(r, () -> duration(r)), perModel, rate(r));
  }

  /** A model budget in one of LiteLLM's shapes, with or without per-model rate limits. */
  private static ModelBudget modelBudget(Random r) {
    if (r.nextInt(3) == 0) {
      return new ModelBudget(
          OptionalLong.of(money(r)),
          Optional.empty(),
          OptionalLong.empty(),
          OptionalLong.empty(),
          ModelBudget.Spelling.NUMBER);
    }
    OptionalLong tpm = optLong(r);
    OptionalLong rpm = optLong(r);
    OptionalLong max = tpm.isEmpty() && rpm.isEmpty() ? OptionalLong.of(money(r)) : optLong(r);
    return new ModelBudget(
        max,
        opt(r, () -> duration(r)),
        tpm,
        rpm,
        r.nextBoolean() ? ModelBudget.Spelling.GENERIC : ModelBudget.Spelling.BUDGET_CONFIG);
  }

  private static RateLimits rate(Random r) {
    if (r.nextInt(3) == 0) {
      return RateLimits.NONE;
    }
    Map<String, Long> rpm = new LinkedHashMap<>();
    Map<String, Long> tpm = new LinkedHashMap<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      rpm.put("m" + text(r), money(r));
      tpm.put("m" + text(r), money(r));
    }
    return new RateLimits(optLong(r), optLong(r), optLong(r), rpm, tpm);
  }

  private static long money(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> 0;
      case 1 -> Long.MAX_VALUE;
      default -> r.nextLong(0, Long.MAX_VALUE);
    };
  }

  private static OptionalLong optLong(Random r) {
    return r.nextBoolean() ? OptionalLong.of(money(r)) : OptionalLong.empty();
  }

  private static BudgetDuration duration(Random r) {
    BudgetDuration.Unit[] units = BudgetDuration.Unit.values();
    int amount = r.nextInt(5) == 0 ? Integer.MAX_VALUE : r.nextInt(1, 1000);
    return new BudgetDuration(amount, units[r.nextInt(units.length)]);
  }

  private static Instant instant(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> Instant.MIN;
      case 1 -> Instant.MAX;
      default ->
          Instant.ofEpochSecond(
              r.nextLong(-100_000_000_000L, 100_000_000_000L), r.nextInt(1_000_000_000));
    };
  }

  private static String text(Random r) {
    int n = r.nextInt(12);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(
          switch (r.nextInt(4)) {
            case 0 -> (char) r.nextInt(0x20);
            case 1 -> "\"\\/{}[]:,";
            case 2 -> "é✓€😀";
            default -> (char) r.nextInt('a', 'z' + 1);
          });
    }
    return b.toString();
  }

  private static List<String> texts(Random r) {
    List<String> out = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      out.add(text(r));
    }
    return out;
  }

  private static <T> Optional<T> opt(Random r, Supplier<T> value) {
    return r.nextBoolean() ? Optional.of(value.get()) : Optional.empty();
  }
}
