package dev.tollgate.governance;

import static dev.tollgate.governance.Entities.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.common.GatewayException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GovernanceTest {
  private final InMemoryGovernanceStore store = new InMemoryGovernanceStore();
  private final Governance gov = Governance.load(store, Set.of("pinned"));

  private static GatewayException thrown(Runnable r) {
    try {
      r.run();
    } catch (GatewayException e) {
      return e;
    }
    throw new AssertionError("expected a GatewayException");
  }

  @Test
  void mutate_byActorWithAuditOn_recordsBeforeAndAfterOncePerEntity() {
    InMemoryGovernanceStore audited = new InMemoryGovernanceStore();
    Governance g =
        Governance.load(audited, Set.of(), () -> {}, Optional.of(e -> e.kind() + ":" + e.id()));
    Actor actor = new Actor("u1", "hash", "POST /organization/new");
    Organization o = Entities.org("o1");
    g.mutate(
        actor,
        s ->
            new Governance.Mutation<>(
                List.of(new EntityChange.Upsert(o), new EntityChange.Upsert(o)), o));
    g.mutate(actor, s -> new Governance.Mutation<>(List.of(EntityChange.delete(o)), o));
    put(g, Entities.org("o2")); // no actor: not a management call, not recorded

    assertThat(audited.audited())
        .containsExactly(
            new AuditEvent(
                actor,
                "created",
                "LiteLLM_OrganizationTable",
                "o1",
                Optional.empty(),
                Optional.of("ORGANIZATION:o1")),
            new AuditEvent(
                actor,
                "deleted",
                "LiteLLM_OrganizationTable",
                "o1",
                Optional.of("ORGANIZATION:o1"),
                Optional.empty()));
  }

  @Test
  void mutate_auditOff_recordsNothing() {
    gov.mutate(
        new Actor("u1", "hash", "POST /organization/new"),
        s ->
            new Governance.Mutation<>(
                List.of(new EntityChange.Upsert(Entities.org("o1"))), "done"));
    assertThat(store.audited()).isEmpty();
    assertThat(gov.snapshot().organizations()).containsKey("o1");
  }

  @Test
  void mutate_storeFails_snapshotUnchanged() {
    GovernanceStore failing =
        new GovernanceStore() {
          @Override
          public List<Entity> loadAll() {
            return List.of();
          }

          @Override
          public void apply(List<EntityChange> changes, List<AuditEvent> audit) {
            throw new IllegalStateException("database down");
          }
        };
    Governance g = Governance.load(failing, Set.of());
    assertThatThrownBy(() -> put(g, Entities.org("o1"))).hasMessage("database down");
    assertThat(g.snapshot().organizations()).isEmpty();
  }

  @Test
  void mutate_keyNamesMissingTeam_404NothingWritten() {
    VirtualKey k =
        Entities.with(
            Entities.key("k1", "sk-a"),
            Optional.empty(),
            Optional.of("nope"),
            List.of(),
            Optional.empty(),
            false);
    GatewayException e = thrown(() -> put(gov, Entities.org("o1"), k));
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.param()).isEqualTo("team_id");
    assertThat(e.getMessage()).contains("team_id 'nope' does not exist");
    assertThat(gov.snapshot().organizations()).isEmpty();
    assertThat(store.stored()).isEmpty();
  }

  @Test
  void mutate_deleteBudgetInUseOrPinned_400NamingTheUsers() {
    put(gov, Entities.budget("b1"), Entities.budget("pinned"));
    put(
        gov,
        new Customer(
            "c1",
            Optional.empty(),
            false,
            Limits.NONE,
            Optional.of("b1"),
            Entities.T0,
            Entities.T0));
    GatewayException e =
        thrown(
            () ->
                gov.mutate(
                    s ->
                        new Governance.Mutation<>(
                            List.of(new EntityChange.Delete(EntityKind.BUDGET, "b1")), true)));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("customer c1");
    GatewayException p =
        thrown(
            () ->
                gov.mutate(
                    s ->
                        new Governance.Mutation<>(
                            List.of(new EntityChange.Delete(EntityKind.BUDGET, "pinned")), true)));
    assertThat(p.getMessage()).contains("max_end_user_budget_id");
  }

  @Test
  void mutate_ownLimitsAndBudgetId_400() {
    put(gov, Entities.budget("b1"));
    Tag t =
        new Tag(
            "eng",
            Optional.empty(),
            List.of(),
            Limits.NONE.withMaxBudget(OptionalLong.of(1)),
            Optional.of("b1"),
            Entities.T0,
            Entities.T0);
    assertThat(thrown(() -> put(gov, t)).param()).isEqualTo("budget_id");
  }

  @Test
  void mutate_duplicateKeyAlias_409() {
    put(gov, Entities.key("k1", "sk-a"));
    VirtualKey other = Entities.key("k2", "sk-b");
    VirtualKey sameAlias =
        new VirtualKey(
            other.id(),
            other.tokenHash(),
            other.keyName(),
            Optional.of("alias-k1"),
            other.models(),
            other.limits(),
            other.budgetId(),
            other.userId(),
            other.teamId(),
            other.organizationId(),
            "{}",
            List.of(),
            Optional.empty(),
            false,
            Entities.T0,
            Entities.T0);
    assertThat(thrown(() -> put(gov, sameAlias)).status()).isEqualTo(409);
  }

  @Test
  void load_storedEntities_restoredIntoSnapshot() {
    put(gov, Entities.org("o1"), Entities.key("k1", "sk-a"));
    Governance restarted = Governance.load(store, Set.of());
    assertThat(restarted.snapshot().organizations()).containsKey("o1");
    assertThat(restarted.snapshot().keyByHash(KeySecrets.hash("sk-a"))).isPresent();
  }

  @Test
  void reload_anotherInstancesWrites_swappedIn() {
    Governance other = Governance.load(store, Set.of());
    put(other, Entities.org("o1"), Entities.key("k1", "sk-a"));
    assertThat(gov.snapshot().keys()).isEmpty();

    gov.reload();

    assertThat(gov.snapshot().organizations()).containsKey("o1");
    assertThat(gov.snapshot().keyByHash(KeySecrets.hash("sk-a"))).isPresent();
  }

  @Test
  void reload_keyRegeneratedElsewhere_oldSecretOnlyChargesSpend() {
    Governance other = Governance.load(store, Set.of());
    VirtualKey k = Entities.key("k1", "sk-old");
    put(gov, k);
    other.reload();
    put(other, k.withSecret(KeySecrets.hash("sk-new"), "sk-...new", Entities.T0));

    gov.reload();

    assertThat(gov.snapshot().keyByHash(KeySecrets.hash("sk-old"))).isEmpty();
    assertThat(gov.snapshot().keyByHash(KeySecrets.hash("sk-new"))).isPresent();
    assertThat(gov.snapshot().keyIdForSpend(KeySecrets.hash("sk-old"))).contains("k1");
  }

  @Test
  void reload_storeFails_snapshotStaysAndTheFailurePropagates() {
    AtomicBoolean down = new AtomicBoolean();
    GovernanceStore flaky =
        new GovernanceStore() {
          @Override
          public List<Entity> loadAll() {
            if (down.get()) {
              throw new IllegalStateException("database down");
            }
            return store.loadAll();
          }

          @Override
          public void apply(List<EntityChange> changes, List<AuditEvent> audit) {
            store.apply(changes);
          }
        };
    Governance g = Governance.load(flaky, Set.of());
    put(g, Entities.org("o1"));
    down.set(true);

    assertThatThrownBy(g::reload).hasMessage("database down");
    assertThat(g.snapshot().organizations()).containsKey("o1");
  }

  @Test
  void mutate_committed_toldAfterEachWriteOnly() {
    AtomicInteger told = new AtomicInteger();
    Governance g =
        Governance.load(
            store,
            Set.of(),
            () -> {
              // the write is visible when the listener hears of it
              assertThat(store.stored()).isNotEmpty();
              told.incrementAndGet();
            },
            Optional.empty());

    put(g, Entities.org("o1"));
    g.mutate(s -> new Governance.Mutation<>(List.of(), true));
    thrown(
        () ->
            put(
                g,
                Entities.with(
                    Entities.key("k1", "sk-a"),
                    Optional.empty(),
                    Optional.of("nope"),
                    List.of(),
                    Optional.empty(),
                    false)));
    g.reload();

    assertThat(told).hasValue(1);
  }

  @Test
  void checkModelAccess_keyTeamAndUserLists_enforcedByNameOrGroup() {
    put(gov, Entities.team("t1", List.of("gpt-4o"), false, Optional.empty()));
    VirtualKey k =
        Entities.with(
            Entities.key("k1", "sk-a"),
            Optional.empty(),
            Optional.of("t1"),
            List.of("all-team-models"),
            Optional.empty(),
            false);
    put(gov, k);
    Principal p =
        new Principal(
            k.tokenHash(),
            false,
            Optional.of("k1"),
            k.keyAlias(),
            Optional.empty(),
            Optional.of("t1"),
            Optional.empty(),
            k.models(),
            List.of());
    gov.checkModelAccess(p, "gpt-4o", "gpt-4o");
    gov.checkModelAccess(p, "fast", "gpt-4o"); // an alias of an allowed group
    GatewayException e = thrown(() -> gov.checkModelAccess(p, "o3", "o3"));
    assertThat(e.status()).isEqualTo(401);
    assertThat(e.type()).isEqualTo("key_model_access_denied");
    assertThat(e.getMessage()).contains("'o3'").contains("gpt-4o");
    gov.checkModelAccess(new Principal("master", true), "anything", "anything");
  }
}
