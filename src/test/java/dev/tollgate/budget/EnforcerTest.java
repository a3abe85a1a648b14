package dev.tollgate.budget;

import static dev.tollgate.budget.Fixture.PRICED;
import static dev.tollgate.budget.Fixture.max;
import static dev.tollgate.budget.Fixture.usd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.pricing.Price;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EnforcerTest {
  private final Fixture f = new Fixture();

  private static GatewayException denial(Decision d) {
    assertThat(d).isInstanceOf(Decision.Denied.class);
    return ((Decision.Denied) d).error();
  }

  private static void admitted(Decision d) {
    assertThat(d).isInstanceOf(Decision.Admitted.class);
  }

  private long spend(Level level, String id) {
    return f.enforcer.entityBudgets(level, id).get(0).spendNanos();
  }

  /** An admission on a deployment with {@code rpm: 1}. */
  private Decision admitOnLimitedDeployment(String id, Principal p) {
    return java.util.Objects.requireNonNull(
        f.enforcer
            .admit(
                new Admission(
                    id,
                    p,
                    "gpt-4o",
                    "gpt-4o",
                    "dep-1",
                    "openai/gpt-4o",
                    PRICED,
                    Optional.empty(),
                    List.of(),
                    Estimate.NONE,
                    OptionalLong.of(1),
                    OptionalLong.empty(),
                    Optional.empty(),
                    "openai"))
            .result(),
        "the local meter answers at once");
  }

  // --- denial scopes and attempts ---------------------------------------------------------------

  @Test
  void admit_deploymentRpmUsedUp_deniedOnTheDeploymentsAccount() {
    Principal p = Fixture.master();
    admitted(admitOnLimitedDeployment("a", p));
    Decision d = admitOnLimitedDeployment("b", p);
    assertThat(denial(d).code()).isEqualTo("deployment_rpm_limit_exceeded");
    assertThat(((Decision.Denied) d).scope()).isEqualTo(Decision.Scope.DEPLOYMENT);
    assertThat(SpendRecord.Attempt.errorClass(denial(d))).hasValue("BudgetExceededError");
  }

  @Test
  void admit_keyBudgetSpent_deniedOnTheCallersAccount() {
    VirtualKey k = f.key("k1", max("0"));
    f.put(k);
    Decision d = f.admit(f.principal(k), "gpt-4o", PRICED);
    assertThat(denial(d).code()).isEqualTo("key_budget_exceeded");
    assertThat(((Decision.Denied) d).scope()).isEqualTo(Decision.Scope.CALLER);
    assertThat(SpendRecord.Attempt.errorClass(denial(d))).hasValue("BudgetExceededError");
  }

  @Test
  void release_failedAttempt_givesBackItsReservationAndCountsNothing() {
    Principal p = Fixture.master();
    admitted(admitOnLimitedDeployment("r", p));
    assertThat(f.enforcer.openReservations()).isEqualTo(1);
    f.enforcer.release("r");
    assertThat(f.enforcer.openReservations()).isZero();
    // The released attempt used none of the deployment's one request a minute.
    admitted(admitOnLimitedDeployment("r/1", p));
  }

  // --- the comparison rule ----------------------------------------------------------------------

  @Test
  void blocks_spendEqualToMax_blocks() {
    assertThat(Enforcer.blocks(10, 10)).isTrue();
    assertThat(Enforcer.blocks(11, 10)).isTrue();
    assertThat(Enforcer.blocks(9, 10)).isFalse();
    assertThat(Enforcer.blocks(0, 0)).isTrue();
  }

  @Test
  void admit_keySpendJustBelowMax_admits() {
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "0.999999999");
    admitted(f.admit(p, "gpt-4o", PRICED));
  }

  @Test
  void admit_keySpendExactlyMax_denied429NamingLevelEntitySpendAndMax() {
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "0.4");
    f.settle(p, "0.6");
    GatewayException e = denial(f.admit(p, "gpt-4o", PRICED));
    assertThat(e.status()).isEqualTo(429);
    assertThat(e.type()).isEqualTo("budget_exceeded");
    assertThat(e.code()).isEqualTo("key_budget_exceeded");
    assertThat(e.getMessage())
        .contains("key level")
        .contains("key 'alias-k1'")
        .contains("spent 1 USD")
        .contains("max_budget 1 USD");
  }

  @Test
  void admit_maxBudgetZero_deniesFirstRequest() {
    VirtualKey k = f.key("k1", max("0"));
    f.put(k);
    assertThat(denial(f.admit(f.principal(k), "gpt-4o", PRICED)).status()).isEqualTo(429);
  }

  @Test
  void admit_admittedDecision_carriesKeyHeaders() {
    VirtualKey k = f.key("k1", max("2.5"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "0.125");
    Decision.Admitted a = f.admit(p, "gpt-4o", PRICED).orThrow();
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    a.headers(headers::put);
    assertThat(headers)
        .containsEntry("x-tollgate-key-spend", "0.125")
        .containsEntry("x-litellm-key-spend", "0.125")
        .containsEntry("x-tollgate-key-max-budget", "2.5")
        .containsEntry("x-litellm-key-max-budget", "2.5");
  }

  @Test
  void orThrow_denied_throwsTheError() {
    VirtualKey k = f.key("k1", max("0"));
    f.put(k);
    Decision d = f.admit(f.principal(k), "gpt-4o", PRICED);
    assertThatThrownBy(d::orThrow).isInstanceOf(GatewayException.class);
  }

  // --- each level -------------------------------------------------------------------------------

  @Test
  void admit_keyPerModelBudgetReached_deniesThatModelOnly() {
    VirtualKey k = f.key("k1", Fixture.models("gpt-4o", "1", Optional.of("1d")));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "1");
    GatewayException e = denial(f.admit(p, "gpt-4o", PRICED));
    assertThat(e.code()).isEqualTo("key_model_budget_exceeded");
    assertThat(e.getMessage()).contains("for model 'gpt-4o'");
    admitted(f.admit(p, "claude", PRICED));
  }

  @Test
  void admit_perModelBudgetWrittenForAlias_matchesItsGroup() {
    Fixture g =
        new Fixture(BudgetSettings.defaults(), "2025-03-12T10:00:00Z", Map.of("fast", "gpt-4o"));
    VirtualKey k = g.key("k1", Fixture.models("fast", "1", Optional.empty()));
    g.put(k);
    Principal p = g.principal(k);
    g.settle(p, "1");
    assertThat(denial(g.admit(p, "gpt-4o", PRICED)).getMessage()).contains("model 'fast'");
  }

  @Test
  void admit_aliasMovedInTheRegistry_isFollowedAtOnceThoughGovernanceDidNotChange() {
    Map<String, String> aliases = new java.util.concurrent.ConcurrentHashMap<>();
    aliases.put("fast", "gpt-4o");
    Fixture g = new Fixture(BudgetSettings.defaults(), "2025-03-12T10:00:00Z", aliases);
    VirtualKey k = g.key("k1", Fixture.models("fast", "1", Optional.empty()));
    g.put(k);
    Principal p = g.principal(k);
    g.settle(p, "1");
    assertThat(denial(g.admit(p, "gpt-4o", PRICED)).code()).isEqualTo("key_model_budget_exceeded");
    // The registry moves the alias; admission resolved under the same governance snapshot must
    // not reuse what it worked out before.
    aliases.put("fast", "gpt-4o-mini");
    admitted(g.admit(p, "gpt-4o", PRICED));
    assertThat(denial(g.admit(p, "gpt-4o-mini", PRICED)).code())
        .isEqualTo("key_model_budget_exceeded");
  }

  @Test
  void admit_sameRequestTwice_reusesNothingAcrossAGovernanceChange() {
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    Principal p = f.principal(k);
    admitted(f.admit(p, "gpt-4o", PRICED));
    f.put(f.key("k1", max("0")));
    assertThat(denial(f.admit(p, "gpt-4o", PRICED)).code()).isEqualTo("key_budget_exceeded");
    f.put(f.key("k1", Limits.NONE));
    admitted(f.admit(p, "gpt-4o", PRICED));
  }

  @Test
  void admit_perModelBudgetForProviderModel_matchesWithOrWithoutPrefix() {
    VirtualKey k = f.key("k1", Fixture.models("gpt-4o", "1", Optional.empty()));
    VirtualKey k2 = f.key("k2", Fixture.models("openai/my-group", "1", Optional.empty()));
    f.put(k, k2);
    // group "my-group" is served by provider model openai/my-group
    f.settle(
        f.principal(k2),
        "my-group",
        OptionalLong.of(usd("1")),
        Optional.empty(),
        List.of(),
        PRICED);
    assertThat(denial(f.admit(f.principal(k2), "my-group", PRICED)).code())
        .isEqualTo("key_model_budget_exceeded");
  }

  @Test
  void admit_personalKeyUserBudgetReached_denied() {
    f.put(f.user("u1", max("1")));
    VirtualKey k = f.key("k1", Limits.NONE, Optional.of("u1"), Optional.empty());
    f.put(k);
    f.settle(f.principal(k), "1");
    GatewayException e = denial(f.admit(f.principal(k), "gpt-4o", PRICED));
    assertThat(e.code()).isEqualTo("user_budget_exceeded");
    assertThat(e.getMessage()).contains("user 'u1'");
  }

  @Test
  void admit_teamKey_userPersonalBudgetDoesNotApplyAndIsNotCharged() {
    f.put(f.user("u1", max("1")));
    f.put(f.team("t1", Limits.NONE, OptionalLong.empty(), List.of()));
    VirtualKey team = f.key("tk", Limits.NONE, Optional.of("u1"), Optional.of("t1"));
    VirtualKey personal = f.key("pk", Limits.NONE, Optional.of("u1"), Optional.empty());
    f.put(team, personal);
    f.settle(f.principal(team), "5");
    admitted(f.admit(f.principal(team), "gpt-4o", PRICED));
    assertThat(spend(Level.USER, "u1")).isZero();
    admitted(f.admit(f.principal(personal), "gpt-4o", PRICED));
    assertThat(spend(Level.TEAM, "t1")).isEqualTo(usd("5"));
    assertThat(f.enforcer.memberBudget("t1", "u1").spendNanos()).isEqualTo(usd("5"));
  }

  @Test
  void admit_teamBudgetReached_deniedNamingTeam() {
    f.put(f.team("t1", max("2"), OptionalLong.empty(), List.of()));
    VirtualKey a = f.key("a", Limits.NONE, Optional.empty(), Optional.of("t1"));
    VirtualKey b = f.key("b", Limits.NONE, Optional.empty(), Optional.of("t1"));
    f.put(a, b);
    f.settle(f.principal(a), "1.5");
    f.settle(f.principal(b), "0.5");
    GatewayException e = denial(f.admit(f.principal(a), "gpt-4o", PRICED));
    assertThat(e.code()).isEqualTo("team_budget_exceeded");
    assertThat(e.getMessage()).contains("team 'Team t1' (team_id t1)").contains("spent 2 USD");
  }

  @Test
  void admit_teamMemberOwnBudget_deniesOnlyThatMember() {
    f.put(f.user("u1", Limits.NONE), f.user("u2", Limits.NONE));
    TeamMember m1 =
        new TeamMember("u1", TeamMember.Role.USER, OptionalLong.of(usd("1")), Optional.empty());
    TeamMember m2 =
        new TeamMember("u2", TeamMember.Role.USER, OptionalLong.empty(), Optional.empty());
    f.put(f.team("t1", Limits.NONE, OptionalLong.empty(), List.of(m1, m2)));
    VirtualKey k1 = f.key("k1", Limits.NONE, Optional.of("u1"), Optional.of("t1"));
    VirtualKey k2 = f.key("k2", Limits.NONE, Optional.of("u2"), Optional.of("t1"));
    f.put(k1, k2);
    f.settle(f.principal(k1), "1");
    f.settle(f.principal(k2), "1");
    assertThat(denial(f.admit(f.principal(k1), "gpt-4o", PRICED)).code())
        .isEqualTo("team_member_budget_exceeded");
    admitted(f.admit(f.principal(k2), "gpt-4o", PRICED));
  }

  @Test
  void admit_teamMemberBudgetSetLater_appliesToExistingMembers() {
    f.put(f.user("u1", Limits.NONE));
    TeamMember m1 =
        new TeamMember("u1", TeamMember.Role.USER, OptionalLong.empty(), Optional.empty());
    f.put(f.team("t1", Limits.NONE, OptionalLong.empty(), List.of(m1)));
    VirtualKey k = f.key("k1", Limits.NONE, Optional.of("u1"), Optional.of("t1"));
    f.put(k);
    f.settle(f.principal(k), "3");
    admitted(f.admit(f.principal(k), "gpt-4o", PRICED));
    f.put(f.team("t1", Limits.NONE, OptionalLong.of(usd("3")), List.of(m1)));
    GatewayException e = denial(f.admit(f.principal(k), "gpt-4o", PRICED));
    assertThat(e.getMessage()).contains("member 'u1' of team 'Team t1'");
  }

  @Test
  void admit_organizationBudgetReached_deniedForTeamKeysOfTheOrg() {
    f.put(f.org("o1", max("1")));
    var t = f.team("t1", Limits.NONE, OptionalLong.empty(), List.of());
    f.put(
        new dev.tollgate.governance.Team(
            t.id(),
            t.alias(),
            Optional.of("o1"),
            t.models(),
            t.limits(),
            t.teamMemberBudgetNanos(),
            t.teamMemberBudgetDuration(),
            t.members(),
            "{}",
            false,
            t.createdAt(),
            t.updatedAt()));
    VirtualKey k = f.key("k1", Limits.NONE, Optional.empty(), Optional.of("t1"));
    f.put(k);
    Principal p = f.principal(k);
    assertThat(p.organizationId()).contains("o1");
    f.settle(p, "1");
    assertThat(denial(f.admit(p, "gpt-4o", PRICED)).code())
        .isEqualTo("organization_budget_exceeded");
  }

  @Test
  void admit_customerBudgetReached_deniedOnlyForThatCustomer() {
    f.put(f.customer("c1", max("1"), false));
    VirtualKey k = f.key("k1", Limits.NONE);
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "gpt-4o", OptionalLong.of(usd("1")), Optional.of("c1"), List.of(), PRICED);
    GatewayException e =
        denial(f.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c1"), List.of()));
    assertThat(e.code()).isEqualTo("customer_budget_exceeded");
    admitted(f.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c2"), List.of()));
    admitted(f.admit(p, "gpt-4o", PRICED));
  }

  @Test
  void admit_customerPerModelBudget_deniesThatModel() {
    f.put(f.customer("c1", Fixture.models("gpt-4o", "1", Optional.empty()), false));
    Principal p = Fixture.master();
    f.settle(p, "gpt-4o", OptionalLong.of(usd("1")), Optional.of("c1"), List.of(), PRICED);
    assertThat(denial(f.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c1"), List.of())).code())
        .isEqualTo("customer_model_budget_exceeded");
    admitted(f.admit(p, "o3", "o3", PRICED, Optional.of("c1"), List.of()));
  }

  @Test
  void admit_unseenCustomer_getsDefaultMaxEndUserBudget() {
    BudgetSettings s = BudgetSettings.defaults().withUnknownPricePolicy(UnknownPricePolicy.ENFORCE);
    s =
        new BudgetSettings(
            s.maxBudgetNanos(),
            s.budgetDuration(),
            OptionalLong.of(usd("0.5")),
            Optional.empty(),
            s.unknownPricePolicy(),
            s.timezone(),
            Estimate.DEFAULT_OUTPUT_TOKENS);
    Fixture g = new Fixture(s, "2025-03-12T10:00:00Z");
    Principal p = Fixture.master();
    g.settle(p, "gpt-4o", OptionalLong.of(usd("0.5")), Optional.of("new"), List.of(), PRICED);
    assertThat(denial(g.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("new"), List.of())).code())
        .isEqualTo("customer_budget_exceeded");
    admitted(g.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("other"), List.of()));
  }

  @Test
  void admit_defaultBudgetId_appliesTheSharedBudgetAndMissingOneFailsClosed() {
    BudgetSettings s =
        new BudgetSettings(
            OptionalLong.empty(),
            Optional.empty(),
            OptionalLong.empty(),
            Optional.of("tier"),
            UnknownPricePolicy.ENFORCE,
            java.time.ZoneOffset.UTC,
            Estimate.DEFAULT_OUTPUT_TOKENS);
    Fixture g = new Fixture(s, "2025-03-12T10:00:00Z");
    Principal p = Fixture.master();
    GatewayException missing =
        denial(g.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c1"), List.of()));
    assertThat(missing.status()).isEqualTo(500);
    assertThat(missing.getMessage()).contains("max_end_user_budget_id").contains("'tier'");
    g.put(g.budget("tier", max("1", "1d")));
    admitted(g.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c1"), List.of()));
    g.settle(p, "gpt-4o", OptionalLong.of(usd("1")), Optional.of("c1"), List.of(), PRICED);
    assertThat(denial(g.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.of("c1"), List.of())).code())
        .isEqualTo("customer_budget_exceeded");
  }

  @Test
  void admit_blockedCustomer_denied403() {
    f.put(f.customer("c1", Limits.NONE, true));
    GatewayException e =
        denial(
            f.admit(
                Fixture.master(), "gpt-4o", "gpt-4o", Price.FREE, Optional.of("c1"), List.of()));
    assertThat(e.status()).isEqualTo(403);
    assertThat(e.getMessage()).contains("customer 'c1' is blocked");
  }

  @Test
  void admit_eachTagBudget_checkedIncludingTheKeysOwnTags() {
    f.put(f.tag("eng", max("1")), f.tag("ops", max("10")));
    VirtualKey base = f.key("k1", Limits.NONE);
    VirtualKey k =
        new VirtualKey(
            base.id(),
            base.tokenHash(),
            base.keyName(),
            base.keyAlias(),
            base.models(),
            base.limits(),
            base.budgetId(),
            base.userId(),
            base.teamId(),
            base.organizationId(),
            "{}",
            List.of("eng"),
            Optional.empty(),
            false,
            f.now(),
            f.now());
    f.put(k);
    Principal p = f.principal(k);
    Decision.Admitted a =
        f.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.empty(), List.of("ops")).orThrow();
    assertThat(a.tags()).containsExactly("eng", "ops");
    f.settle(p, "gpt-4o", OptionalLong.of(usd("1")), Optional.empty(), a.tags(), PRICED);
    assertThat(spend(Level.TAG, "ops")).isEqualTo(usd("1"));
    GatewayException e =
        denial(f.admit(p, "gpt-4o", "gpt-4o", PRICED, Optional.empty(), List.of()));
    assertThat(e.code()).isEqualTo("tag_budget_exceeded");
    assertThat(e.getMessage()).contains("tag 'eng'");
  }

  @Test
  void admit_globalBudgetReached_deniesEveryone() {
    BudgetSettings s =
        new BudgetSettings(
            OptionalLong.of(usd("3")),
            Optional.of(dev.tollgate.governance.BudgetDuration.parse("30d")),
            OptionalLong.empty(),
            Optional.empty(),
            UnknownPricePolicy.ENFORCE,
            java.time.ZoneOffset.UTC,
            Estimate.DEFAULT_OUTPUT_TOKENS);
    Fixture g = new Fixture(s, "2025-03-12T10:00:00Z");
    g.settle(Fixture.master(), "3");
    GatewayException e = denial(g.admit(Fixture.master(), "gpt-4o", PRICED));
    assertThat(e.code()).isEqualTo("global_budget_exceeded");
    assertThat(e.getMessage()).contains("litellm_settings.max_budget");
  }

  @Test
  void admit_sharedBudgetOnKey_appliesItsLimitsToTheKeysOwnSpend() {
    f.put(f.budget("b1", max("1")));
    VirtualKey base = f.key("k1", Limits.NONE);
    VirtualKey a = withBudget(base, "b1");
    VirtualKey b = withBudget(f.key("k2", Limits.NONE), "b1");
    f.put(a, b);
    f.settle(f.principal(a), "1");
    assertThat(denial(f.admit(f.principal(a), "gpt-4o", PRICED)).code())
        .isEqualTo("key_budget_exceeded");
    admitted(f.admit(f.principal(b), "gpt-4o", PRICED));
  }

  private VirtualKey withBudget(VirtualKey k, String budgetId) {
    return new VirtualKey(
        k.id(),
        k.tokenHash(),
        k.keyName(),
        k.keyAlias(),
        k.models(),
        Limits.NONE,
        Optional.of(budgetId),
        k.userId(),
        k.teamId(),
        k.organizationId(),
        "{}",
        k.tags(),
        k.expires(),
        false,
        k.createdAt(),
        k.updatedAt());
  }

  // --- price states -----------------------------------------------------------------------------

  @Test
  void admit_freeDeployment_exemptEvenWhenExhaustedAndByAlias() {
    VirtualKey k = f.key("k1", max("0"));
    f.put(k);
    Principal p = f.principal(k);
    admitted(f.admit(p, "gpt-4o", Price.FREE));
    admitted(f.admit(p, "my-alias", "llama", Price.FREE, Optional.empty(), List.of()));
    assertThat(denial(f.admit(p, "gpt-4o", PRICED)).status()).isEqualTo(429);
  }

  @Test
  void entityBudgets_manyKeys_sameLinesAsOneByOne_inTheGivenOrder() {
    VirtualKey a = f.key("k1", max("1"));
    VirtualKey b = f.key("k2", max("2", "1d"));
    f.put(a);
    f.put(b);
    f.settle(f.principal(a), "0.25");
    f.settle(f.principal(b), "0.5");

    List<List<BudgetLine>> both = f.enforcer.entityBudgets(Level.KEY, List.of("k2", "k1", "none"));

    assertThat(both).hasSize(3);
    assertThat(both.get(0)).isEqualTo(f.enforcer.entityBudgets(Level.KEY, "k2"));
    assertThat(both.get(1)).isEqualTo(f.enforcer.entityBudgets(Level.KEY, "k1"));
    assertThat(both.get(0).get(0).spendNanos()).isEqualTo(Fixture.usd("0.5"));
    assertThat(both.get(1).get(0).spendNanos()).isEqualTo(Fixture.usd("0.25"));
    assertThat(both.get(2).get(0).spendNanos()).isZero();
    assertThat(f.enforcer.entityBudgets(Level.KEY, List.of())).isEmpty();
  }

  @Test
  void settle_freeRecord_chargesNothing() {
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    f.settle(
        f.principal(k), "llama", OptionalLong.empty(), Optional.empty(), List.of(), Price.FREE);
    assertThat(spend(Level.KEY, "k1")).isZero();
    assertThat(f.enforcer.entityBudgets(Level.KEY, "k1").get(0).unpricedRequests()).isZero();
  }

  @Test
  void admit_unknownPriceWithExhaustedBudget_deniedNeverExempt() {
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    Principal p = f.principal(k);
    admitted(f.admit(p, "mystery", Price.UNKNOWN));
    f.settle(p, "1");
    assertThat(denial(f.admit(p, "mystery", Price.UNKNOWN)).status()).isEqualTo(429);
  }

  @Test
  void settle_unknownCost_countsUnpricedRequestsAndTokensNotZeroSpend() {
    f.put(f.tag("eng", Limits.NONE));
    VirtualKey k = f.key("k1", max("1"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "mystery", OptionalLong.empty(), Optional.of("c1"), List.of("eng"), Price.UNKNOWN);
    f.settle(p, "mystery", OptionalLong.empty(), Optional.of("c1"), List.of("eng"), Price.UNKNOWN);
    for (BudgetLine l :
        List.of(
            f.enforcer.entityBudgets(Level.KEY, "k1").get(0),
            f.enforcer.entityBudgets(Level.CUSTOMER, "c1").get(0),
            f.enforcer.entityBudgets(Level.TAG, "eng").get(0),
            f.enforcer.globalBudget())) {
      assertThat(l.spendNanos()).as(l.label()).isZero();
      assertThat(l.unpricedRequests()).as(l.label()).isEqualTo(2);
      assertThat(l.unpricedTokens()).as(l.label()).isEqualTo(240);
    }
  }

  @Test
  void admit_unknownPriceUnderDenyPolicy_refusedToCallersWithABudgetOnly() {
    Fixture g =
        new Fixture(
            BudgetSettings.defaults().withUnknownPricePolicy(UnknownPricePolicy.DENY),
            "2025-03-12T10:00:00Z");
    VirtualKey budgeted = g.key("k1", max("100"));
    VirtualKey free = g.key("k2", Limits.NONE);
    g.put(budgeted, free);
    GatewayException e = denial(g.admit(g.principal(budgeted), "mystery", Price.UNKNOWN));
    assertThat(e.status()).isEqualTo(403);
    assertThat(e.type()).isEqualTo("unknown_price_denied");
    assertThat(e.getMessage()).contains("mystery").contains("unknown_price_policy is deny");
    admitted(g.admit(g.principal(free), "mystery", Price.UNKNOWN));
    admitted(g.admit(g.principal(budgeted), "gpt-4o", PRICED));
  }

  // --- windows and resets -----------------------------------------------------------------------

  @Test
  void admit_dailyWindow_resetsExactlyAtMidnight() {
    VirtualKey k = f.key("k1", max("1", "1d"));
    f.put(k);
    Principal p = f.principal(k);
    f.clock.set(Instant.parse("2025-03-12T23:59:59.999Z"));
    f.settle(p, "1");
    assertThat(denial(f.admit(p, "gpt-4o", PRICED)).getMessage())
        .contains("resets at 2025-03-13T00:00:00Z");
    f.clock.set(Instant.parse("2025-03-13T00:00:00Z"));
    admitted(f.admit(p, "gpt-4o", PRICED));
    BudgetLine l = f.enforcer.entityBudgets(Level.KEY, "k1").get(0);
    assertThat(l.spendNanos()).isZero();
    assertThat(l.windowStart()).isEqualTo(Instant.parse("2025-03-13T00:00:00Z"));
    assertThat(l.resetAt()).contains(Instant.parse("2025-03-14T00:00:00Z"));
  }

  @Test
  void settle_everyEntityTypeResetsAtItsBoundary() {
    f.put(f.user("u1", max("10", "1h")));
    f.put(f.org("o1", max("10", "1h")));
    f.put(f.budget("b1", max("10", "1h")));
    f.put(
        f.team(
            "t1",
            max("10", "1h"),
            OptionalLong.empty(),
            List.of(
                new TeamMember(
                    "u1", TeamMember.Role.USER, OptionalLong.empty(), Optional.of("b1")))));
    f.put(f.tag("g", max("10", "1h")), f.customer("c", max("10", "1h"), false));
    VirtualKey k = f.key("k", max("10", "1h"), Optional.of("u1"), Optional.of("t1"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "gpt-4o", OptionalLong.of(usd("2")), Optional.of("c"), List.of("g"), PRICED);
    assertThat(spend(Level.TEAM, "t1")).isEqualTo(usd("2"));
    f.clock.set(Instant.parse("2025-03-12T11:00:00Z"));
    for (Level l : List.of(Level.KEY, Level.TEAM, Level.CUSTOMER, Level.TAG)) {
      String id =
          switch (l) {
            case KEY -> "k";
            case TEAM -> "t1";
            case CUSTOMER -> "c";
            default -> "g";
          };
      assertThat(spend(l, id)).as(l.name()).isZero();
    }
    assertThat(f.enforcer.memberBudget("t1", "u1").spendNanos()).isZero();
  }

  @Test
  void settle_addingADurationToALifetimeBudget_startsAFreshWindowNow() {
    VirtualKey k = f.key("k1", max("10"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "4");
    f.clock.advance(Duration.ofMinutes(7));
    Instant changed = f.now();
    f.put(f.key("k1", max("10", "1d")));
    BudgetLine l = f.enforcer.entityBudgets(Level.KEY, "k1").get(0);
    assertThat(l.spendNanos()).isZero();
    assertThat(l.windowStart()).isEqualTo(changed);
    assertThat(l.resetAt()).contains(Instant.parse("2025-03-13T00:00:00Z"));
    f.settle(p, "1");
    assertThat(spend(Level.KEY, "k1")).isEqualTo(usd("1"));
  }

  @Test
  void reset_manual_takesEffectAtOnceAndKeepsTheWindowEnd() {
    VirtualKey k = f.key("k1", max("1", "1d"));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "1");
    denial(f.admit(p, "gpt-4o", PRICED));
    f.enforcer.reset(Level.KEY, "k1");
    admitted(f.admit(p, "gpt-4o", PRICED));
    BudgetLine l = f.enforcer.entityBudgets(Level.KEY, "k1").get(0);
    assertThat(l.windowStart()).isEqualTo(f.now());
    assertThat(l.resetAt()).contains(Instant.parse("2025-03-13T00:00:00Z"));
  }

  // --- soft budgets -----------------------------------------------------------------------------

  @Test
  void settle_softBudgetCrossed_alertsExactlyOncePerWindow() {
    VirtualKey k = f.key("k1", max("10", "1d").withSoftBudget(OptionalLong.of(usd("2"))));
    f.put(k);
    Principal p = f.principal(k);
    f.settle(p, "1");
    assertThat(f.alerts).isEmpty();
    f.settle(p, "1");
    f.settle(p, "1");
    f.settle(p, "5");
    assertThat(f.alerts).hasSize(1);
    BudgetAlert a = f.alerts.get(0);
    assertThat(a.event()).isEqualTo("soft_budget_crossed");
    assertThat(a.level()).isEqualTo(Level.KEY);
    assertThat(a.spendNanos()).isEqualTo(usd("2"));
    assertThat(a.keyAlias()).contains("alias-k1");
    admitted(f.admit(p, "gpt-4o", PRICED)); // soft budgets never block
    f.clock.set(Instant.parse("2025-03-13T00:00:00Z"));
    f.settle(p, "3");
    assertThat(f.alerts).hasSize(2);
  }

  @Test
  void webhookPayload_softBudgetAlert_hasLiteLlmFields() {
    BudgetAlert a =
        new BudgetAlert(
            BudgetAlert.SOFT_BUDGET_CROSSED,
            Level.TEAM,
            "t1",
            "team 't1'",
            usd("2.5"),
            OptionalLong.of(usd("2")),
            OptionalLong.of(usd("10")),
            Optional.empty(),
            "abc",
            Optional.empty(),
            Optional.of("u1"),
            Optional.of("t1"),
            Optional.empty());
    var json = WebhookAlertSink.payload(a);
    assertThat(json.get("spend").decimalValue()).isEqualByComparingTo(new BigDecimal("2.5"));
    assertThat(json.get("max_budget").decimalValue()).isEqualByComparingTo("10");
    assertThat(json.get("event").asText()).isEqualTo("soft_budget_crossed");
    assertThat(json.get("event_group").asText()).isEqualTo("team");
    assertThat(json.get("token").asText()).isEqualTo("abc");
    assertThat(json.get("team_id").asText()).isEqualTo("t1");
  }

  // --- regeneration and persistence -------------------------------------------------------------

  @Test
  void settle_recordUnderASecretReplacedByRegeneration_chargesTheSameKey() {
    VirtualKey k = f.key("k1", max("10"));
    f.put(k);
    Principal old = f.principal(k);
    f.settle(old, "1");
    f.put(k.withSecret("hash-new", "sk-...new", f.now()));
    f.settle(old, "2"); // an in-flight request that started before the regeneration
    assertThat(spend(Level.KEY, "k1")).isEqualTo(usd("3"));
    assertThat(f.gov.snapshot().keyByHash("hash-k1")).isEmpty();
  }

  @Test
  void settleCharges_teamKeyRecord_namesEveryChargedCounterInTheWindowOfSettlement() {
    f.put(f.team("t1", max("50", "1d"), OptionalLong.empty(), List.of()));
    VirtualKey k = f.key("k1", max("10", "1d"), Optional.empty(), Optional.of("t1"));
    f.put(k);
    f.clock.set(Instant.parse("2025-03-12T10:00:00Z"));
    f.settle(f.principal(k), "4");
    Charges c = f.lastCharges;
    assertThat(c.settledAtMillis()).isEqualTo(f.clock.millis());
    assertThat(c.counters())
        .extracting(Charge::key)
        .contains(
            CounterKey.of(Level.KEY, "k1"),
            CounterKey.of(Level.TEAM, "t1"),
            CounterKey.of(Level.GLOBAL, CounterKey.GLOBAL_ID));
    Charge key = c.counters().get(0);
    assertThat(key.windowStart()).isEqualTo(Instant.parse("2025-03-12T00:00:00Z").toEpochMilli());
    assertThat(key.windowEnd()).isEqualTo(Instant.parse("2025-03-13T00:00:00Z").toEpochMilli());
    Charge global =
        c.counters().stream()
            .filter(x -> x.key().level() == Level.GLOBAL)
            .findFirst()
            .orElseThrow();
    assertThat(global.windowEnd()).isEqualTo(CounterState.NO_END);
    assertThat(global.duration()).isEmpty();
  }

  @Test
  void settleCharges_freeRecord_chargesNothing() {
    VirtualKey k = f.key("k1", max("10"));
    f.put(k);
    f.settle(
        f.principal(k),
        "gpt-4o",
        OptionalLong.of(0),
        Optional.empty(),
        List.of(),
        dev.tollgate.pricing.Price.FREE);
    assertThat(f.lastCharges.isEmpty()).isTrue();
  }

  @Test
  void settleCharges_healthCheckRecord_chargesNoBudgetNotEvenTheGlobalOne() {
    SpendRecord r =
        new SpendRecord(
            "hc-1",
            f.clock.millis(),
            SpendRecord.HEALTH_CHECK_KEY_HASH,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            List.of(SpendRecord.HEALTH_CHECK_KEY_HASH),
            "gpt-4o",
            Optional.of("dep-1"),
            Optional.of("openai/gpt-4o"),
            "priced",
            "catalog",
            100,
            20,
            0,
            0,
            0,
            OptionalLong.of(usd("1")),
            UsageSource.PROVIDER,
            200,
            Optional.empty(),
            5,
            false);
    assertThat(r.system()).isTrue();
    assertThat(f.enforcer.settleCharges(r).isEmpty()).isTrue();
    assertThat(f.enforcer.globalBudget().spendNanos()).isZero();
    assertThat(f.enforcer.globalBudget().unpricedRequests()).isZero();
  }

  @Test
  void restore_storedWindow_isWhereCountingResumes() {
    VirtualKey k = f.key("k1", max("10", "1d"));
    f.put(k);
    Enforcer restarted =
        new Enforcer(
            f.gov, BudgetSettings.defaults(), f.clock, AlertSink.NONE, n -> Optional.empty());
    long start = Instant.parse("2025-03-12T00:00:00Z").toEpochMilli();
    long end = Instant.parse("2025-03-13T00:00:00Z").toEpochMilli();
    restarted.restore(
        List.of(
            new CounterState(
                CounterKey.of(Level.KEY, "k1"),
                Optional.of(dev.tollgate.governance.BudgetDuration.parse("1d")),
                start,
                end,
                usd("4"),
                0,
                0,
                false)));
    BudgetLine l = restarted.entityBudgets(Level.KEY, "k1").get(0);
    assertThat(l.spendNanos()).isEqualTo(usd("4"));
    assertThat(l.windowStart()).isEqualTo(Instant.ofEpochMilli(start));
    f.clock.set(Instant.ofEpochMilli(end));
    assertThat(restarted.entityBudgets(Level.KEY, "k1").get(0).spendNanos()).isZero();
  }

  @Test
  void reset_withAStore_restartsTheStoredCounterAtTheReset() {
    VirtualKey k = f.key("k1", max("10"));
    f.put(k);
    InMemoryCounterStore store = new InMemoryCounterStore();
    f.enforcer.useStore(store);
    f.settle(f.principal(k), "4");
    f.enforcer.reset(Level.KEY, "k1");
    assertThat(store.loadCounters())
        .filteredOn(s -> s.key().equals(CounterKey.of(Level.KEY, "k1")))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.sinceMillis()).isEqualTo(f.clock.millis());
              assertThat(s.spendNanos()).isZero();
            });
  }

  @Test
  void keyChain_teamKey_listsEveryBudgetThatApplies() {
    f.put(f.user("u1", max("5")), f.org("o1", max("100")), f.tag("eng", max("7")));
    var t = f.team("t1", max("50", "1mo"), OptionalLong.of(usd("3")), List.of());
    f.put(
        new dev.tollgate.governance.Team(
            t.id(),
            t.alias(),
            Optional.of("o1"),
            List.of(),
            t.limits(),
            t.teamMemberBudgetNanos(),
            t.teamMemberBudgetDuration(),
            List.of(),
            "{}",
            false,
            t.createdAt(),
            t.updatedAt()));
    VirtualKey base = f.key("k1", max("1", "1d"), Optional.of("u1"), Optional.of("t1"));
    VirtualKey k =
        new VirtualKey(
            base.id(),
            base.tokenHash(),
            base.keyName(),
            base.keyAlias(),
            base.models(),
            max("1", "1d")
                .withModelMaxBudget(
                    Fixture.models("gpt-4o", "0.5", Optional.of("1d")).modelMaxBudget()),
            Optional.empty(),
            base.userId(),
            base.teamId(),
            Optional.empty(),
            "{}",
            List.of("eng"),
            Optional.empty(),
            false,
            f.now(),
            f.now());
    f.put(k);
    List<BudgetLine> chain = f.enforcer.keyChain("k1");
    assertThat(chain)
        .extracting(BudgetLine::level)
        .containsExactly(
            Level.KEY,
            Level.KEY_MODEL,
            Level.TEAM,
            Level.TEAM_MEMBER,
            Level.ORGANIZATION,
            Level.TAG,
            Level.GLOBAL);
    BudgetLine team = chain.get(2);
    assertThat(team.maxBudgetNanos()).hasValue(usd("50"));
    assertThat(team.resetAt()).contains(Instant.parse("2025-04-01T00:00:00Z"));
    assertThat(chain.get(3).maxBudgetNanos()).hasValue(usd("3"));
  }
}
