package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.common.Json;
import dev.tollgate.governance.BudgetDuration;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.SharedBudget;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.VirtualKey;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GovernanceJsonTest {

  @Test
  void encode_fullAndMinimalOfEveryType_decodesEqual() {
    List<Entity> all = new java.util.ArrayList<>(GovernanceFixtures.full());
    all.addAll(GovernanceFixtures.minimal());
    assertThat(all.stream().map(Entity::kind).collect(Collectors.toSet()))
        .isEqualTo(EnumSet.allOf(EntityKind.class));

    for (Entity e : all) {
      assertThat(GovernanceJson.decode(e.kind(), GovernanceJson.encode(e))).isEqualTo(e);
    }
  }

  @Test
  void encode_fullKey_writesExactMoneyTextAndMetadataVerbatim() throws Exception {
    VirtualKey k = (VirtualKey) GovernanceFixtures.full().get(0);

    JsonNode n = Json.MAPPER.readTree(GovernanceJson.encode(k));

    assertThat(n.get("limits").get("max_budget_nanos").toString()).isEqualTo("9223372036854775807");
    assertThat(n.get("limits").get("model_max_budget").get("openai/gpt-4o").toString())
        .isEqualTo("{\"budget_limit_nanos\":1500000000,\"time_period\":\"1mo\"}");
    assertThat(n.get("metadata").textValue()).isEqualTo(GovernanceFixtures.METADATA);
    assertThat(n.get("expires").textValue()).isEqualTo("2026-01-01T00:00:00.000000001Z");
    assertThat(n.get("created_at").textValue()).isEqualTo("2025-03-01T12:34:56.123456789Z");
  }

  @Test
  void encode_organizationWithMembers_decodesEqual() {
    dev.tollgate.governance.Organization o =
        new dev.tollgate.governance.Organization(
            "o1",
            java.util.Optional.empty(),
            List.of(),
            dev.tollgate.governance.Limits.NONE,
            java.util.Optional.empty(),
            "{}",
            java.time.Instant.parse("2025-03-01T00:00:00Z"),
            java.time.Instant.parse("2025-03-02T00:00:00Z"),
            List.of(
                new dev.tollgate.governance.OrganizationMember(
                    "u1", dev.tollgate.governance.OrganizationMember.Role.ORG_ADMIN),
                new dev.tollgate.governance.OrganizationMember(
                    "u2", dev.tollgate.governance.OrganizationMember.Role.INTERNAL_USER_VIEWER)));

    assertThat(GovernanceJson.decode(EntityKind.ORGANIZATION, GovernanceJson.encode(o)))
        .isEqualTo(o);
  }

  @Test
  void decode_organizationStoredBeforeMembers_hasNone() {
    String stored =
        "{\"id\":\"o1\",\"models\":[],\"limits\":{\"model_max_budget\":{}},\"metadata\":\"{}\","
            + "\"created_at\":\"2025-03-01T00:00:00Z\",\"updated_at\":\"2025-03-01T00:00:00Z\"}";

    assertThat(
            ((dev.tollgate.governance.Organization)
                    GovernanceJson.decode(EntityKind.ORGANIZATION, stored))
                .members())
        .isEmpty();
  }

  @Test
  void decode_entityStoredBeforeRateLimits_hasNone() {
    String stored =
        "{\"id\":\"b1\",\"limits\":{\"max_budget_nanos\":5,\"model_max_budget\":{}},"
            + "\"created_at\":\"2025-03-01T00:00:00Z\",\"updated_at\":\"2025-03-01T00:00:00Z\"}";

    SharedBudget b = (SharedBudget) GovernanceJson.decode(EntityKind.BUDGET, stored);

    assertThat(b.limits().rate()).isEqualTo(RateLimits.NONE);
    assertThat(b.limits().maxBudgetNanos()).hasValue(5);
  }

  @Test
  void encode_rateLimits_writesCountsInsideLimits() throws Exception {
    VirtualKey k = (VirtualKey) GovernanceFixtures.full().get(0);

    JsonNode l = Json.MAPPER.readTree(GovernanceJson.encode(k)).get("limits");

    assertThat(l.get("rpm_limit").toString()).isEqualTo("0");
    assertThat(l.get("tpm_limit").toString()).isEqualTo("9223372036854775807");
    assertThat(l.get("max_parallel_requests").toString()).isEqualTo("3");
    assertThat(l.get("model_rpm_limit").toString())
        .isEqualTo("{\"claude\":0,\"openai/gpt-4o\":100}");
    assertThat(l.get("model_tpm_limit").toString()).isEqualTo("{\"openai/gpt-4o\":50000}");
  }

  @Test
  void decode_negativeOrFractionalRateLimit_refusedNamingTheField() {
    String prefix = "{\"id\":\"b1\",\"limits\":{\"model_max_budget\":{},";
    String suffix =
        "},\"created_at\":\"2025-03-01T00:00:00Z\",\"updated_at\":\"2025-03-01T00:00:00Z\"}";

    assertThatThrownBy(
            () -> GovernanceJson.decode(EntityKind.BUDGET, prefix + "\"rpm_limit\":-1" + suffix))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rpm_limit");
    assertThatThrownBy(
            () ->
                GovernanceJson.decode(
                    EntityKind.BUDGET, prefix + "\"model_tpm_limit\":{\"m\":1.5}" + suffix))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model_tpm_limit.m");
  }

  @Test
  void encode_minimalEntities_omitsEveryAbsentOptional() throws Exception {
    Set<String> optional =
        Set.of(
            "key_alias",
            "budget_id",
            "user_id",
            "team_id",
            "organization_id",
            "expires",
            "user_email",
            "user_alias",
            "team_alias",
            "team_member_budget_nanos",
            "team_member_budget_duration",
            "organization_alias",
            "alias",
            "description");
    for (Entity e : GovernanceFixtures.minimal()) {
      JsonNode n = Json.MAPPER.readTree(GovernanceJson.encode(e));
      n.fieldNames().forEachRemaining(f -> assertThat(optional).as(f).doesNotContain(f));
      assertThat(n.get("limits").toString()).isEqualTo("{\"model_max_budget\":{}}");
    }
  }

  @Test
  void encode_teamMembers_keepsOrderRolesAndBudgets() throws Exception {
    Team t = (Team) GovernanceFixtures.full().get(2);

    JsonNode members = Json.MAPPER.readTree(GovernanceJson.encode(t)).get("members_with_roles");

    assertThat(members.toString())
        .isEqualTo(
            "[{\"user_id\":\"user-1\",\"role\":\"admin\",\"max_budget_in_team_nanos\":0,"
                + "\"budget_id\":\"budget-1\"},{\"user_id\":\"user-2\",\"role\":\"user\"},"
                + "{\"user_id\":\"user-3\",\"role\":\"user\",\"max_budget_in_team_nanos\":5,"
                + "\"budget_duration\":\"7d\"}]");
  }

  @Test
  void encode_keyWithRawSecretAsToken_isRefused() {
    VirtualKey k = (VirtualKey) GovernanceFixtures.minimal().get(0);
    VirtualKey raw =
        k.withSecret("sk-abcdefghijklmnopqrstuvwxyz012345", "sk-...2345", k.updatedAt());

    assertThatThrownBy(() -> GovernanceJson.encode(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only key hashes are stored")
        .hasMessageNotContaining("sk-abcdefghijklmnopqrstuvwxyz012345");
  }

  @Test
  void decode_badFields_namesTheField() {
    String ok = GovernanceJson.encode(GovernanceFixtures.minimal().get(6));

    assertThatThrownBy(() -> GovernanceJson.decode(EntityKind.BUDGET, "{}"))
        .hasMessage("id: expected a value");
    assertThatThrownBy(
            () ->
                GovernanceJson.decode(
                    EntityKind.BUDGET,
                    ok.replace(
                        "\"model_max_budget\":{}",
                        "\"max_budget_nanos\":1.5,\"model_max_budget\":{}")))
        .hasMessage("max_budget_nanos: expected an integer (nano-USD)");
    assertThatThrownBy(
            () ->
                GovernanceJson.decode(
                    EntityKind.BUDGET,
                    ok.replace(
                        "\"model_max_budget\":{}",
                        "\"max_budget_nanos\":9223372036854775808,\"model_max_budget\":{}")))
        .hasMessage("max_budget_nanos: expected an integer (nano-USD)");
    assertThatThrownBy(
            () -> GovernanceJson.decode(EntityKind.BUDGET, ok.replace("2025-03-01", "yesterday")))
        .hasMessageStartingWith("created_at: expected an ISO-8601 instant");
    assertThatThrownBy(() -> GovernanceJson.decode(EntityKind.BUDGET, "[]"))
        .hasMessage("expected a JSON object");
    assertThatThrownBy(() -> GovernanceJson.decode(EntityKind.BUDGET, "{"))
        .hasMessageStartingWith("not JSON");
  }

  @Test
  void duration_everyUnitAndLargeAmounts_readsBackExactly() {
    for (BudgetDuration.Unit u : BudgetDuration.Unit.values()) {
      for (int amount : new int[] {1, 7, 999_999, Integer.MAX_VALUE}) {
        BudgetDuration d = new BudgetDuration(amount, u);
        assertThat(GovernanceJson.duration("d", d.text())).isEqualTo(d);
      }
    }
    assertThatThrownBy(() -> GovernanceJson.duration("d", "2147483648s"))
        .hasMessageStartingWith("d: expected a duration");
    assertThatThrownBy(() -> GovernanceJson.duration("d", "0d"))
        .hasMessageStartingWith("d: expected a duration");
  }

  @Test
  void kindColumn_everyKind_readsBack() {
    for (EntityKind k : EntityKind.values()) {
      assertThat(GovernanceJson.kindOf(GovernanceJson.kindColumn(k))).isEqualTo(k);
    }
    assertThatThrownBy(() -> GovernanceJson.kindOf("KEY")).hasMessageContaining("unknown");
  }

  @Test
  void decode_limitsOfSharedBudget_areTheStoredOnes() {
    SharedBudget b =
        new SharedBudget(
            "b",
            Limits.NONE.withDuration(Optional.of(BudgetDuration.parse("12mo"))),
            GovernanceFixtures.T0,
            GovernanceFixtures.T1);

    assertThat(GovernanceJson.decode(EntityKind.BUDGET, GovernanceJson.encode(b))).isEqualTo(b);
  }
}
