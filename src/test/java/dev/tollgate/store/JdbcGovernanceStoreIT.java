package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.GovernanceStore;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.VirtualKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcGovernanceStoreIT {

  private static List<Entity> everything() {
    List<Entity> all = new ArrayList<>(GovernanceFixtures.full());
    all.addAll(GovernanceFixtures.minimal());
    return all;
  }

  private static List<EntityChange> upserts(List<Entity> entities) {
    return entities.stream().map(EntityChange::upsert).toList();
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void loadAll_afterCloseAndReopen_returnsEveryEntityExactly(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      assertThat(db.governance().loadAll()).isEmpty();
      db.governance().apply(upserts(everything()));
    }
    try (Database db = t.open()) {
      assertThat(db.governance().loadAll()).containsExactlyInAnyOrderElementsOf(everything());
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_upsertOfExistingEntity_replacesEveryFieldIncludingMembers(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    Team team = (Team) GovernanceFixtures.full().get(2);
    Team changed =
        team.withMembers(
            List.of(
                new TeamMember(
                    "user-9", TeamMember.Role.USER, OptionalLong.of(5), Optional.empty())),
            GovernanceFixtures.T1.plusSeconds(1));
    try (Database db = t.open()) {
      db.governance().apply(List.of(EntityChange.upsert(team)));
      db.governance().apply(List.of(EntityChange.upsert(changed)));
    }
    try (Database db = t.open()) {
      assertThat(db.governance().loadAll()).containsExactly(changed);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_delete_removesOnlyThatKindAndId(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    List<Entity> all = everything();
    try (Database db = t.open()) {
      db.governance().apply(upserts(all));
      db.governance()
          .apply(
              List.of(
                  EntityChange.delete(all.get(0)),
                  new EntityChange.Delete(EntityKind.USER, "missing"),
                  // a customer with a team's id: a different entity, untouched
                  new EntityChange.Delete(EntityKind.CUSTOMER, "team-1")));
    }
    try (Database db = t.open()) {
      assertThat(db.governance().loadAll())
          .containsExactlyInAnyOrderElementsOf(all.subList(1, all.size()));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_sameIdInTwoKinds_keepsBoth(StoreKind kind) {
    Entity user = GovernanceFixtures.full().get(1);
    Entity customer =
        new dev.tollgate.governance.Customer(
            user.id(),
            Optional.empty(),
            false,
            dev.tollgate.governance.Limits.NONE,
            Optional.empty(),
            GovernanceFixtures.T0,
            GovernanceFixtures.T0);
    try (Database db = kind.fresh().open()) {
      db.governance().apply(List.of(EntityChange.upsert(user), EntityChange.upsert(customer)));

      assertThat(db.governance().loadAll()).containsExactlyInAnyOrder(user, customer);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_changesInOrder_deleteThenRecreateAndCreateThenDelete(StoreKind kind) {
    Entity a = GovernanceFixtures.full().get(3);
    Entity b = GovernanceFixtures.minimal().get(3);
    try (Database db = kind.fresh().open()) {
      db.governance().apply(List.of(EntityChange.upsert(a)));

      db.governance()
          .apply(
              List.of(
                  EntityChange.delete(a),
                  EntityChange.upsert(a),
                  EntityChange.upsert(b),
                  EntityChange.delete(b)));

      assertThat(db.governance().loadAll()).containsExactly(a);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_batchWithAnUnstorableChange_writesNothing(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    List<Entity> before = GovernanceFixtures.minimal();
    VirtualKey key = (VirtualKey) GovernanceFixtures.full().get(0);
    VirtualKey rawSecret =
        key.withSecret("sk-abcdefghijklmnopqrstuvwxyz012345", "sk-...2345", key.updatedAt());
    try (Database db = t.open()) {
      GovernanceStore store = db.governance();
      store.apply(upserts(before));

      // upserts, a replacement and a delete run before the refused key, then all roll back
      List<EntityChange> batch = new ArrayList<>(upserts(GovernanceFixtures.full()));
      batch.add(EntityChange.delete(before.get(1)));
      batch.add(EntityChange.upsert(rawSecret));
      assertThatThrownBy(() -> store.apply(batch))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("only key hashes are stored")
          .hasMessageNotContaining("sk-abcdefghijklmnopqrstuvwxyz012345");

      assertThat(store.loadAll()).containsExactlyInAnyOrderElementsOf(before);
      // the connection went back to the pool usable, and in autocommit
      store.apply(List.of(EntityChange.upsert(key)));
    }
    try (Database db = t.open()) {
      List<Entity> after = new ArrayList<>(before);
      after.add(key);
      assertThat(db.governance().loadAll()).containsExactlyInAnyOrderElementsOf(after);
      assertThat(storedJson(db)).noneMatch(j -> j.contains("sk-abcdefghijklmnopqrstuvwxyz"));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void apply_storesOnlyTheKeyHash(StoreKind kind) {
    VirtualKey key = (VirtualKey) GovernanceFixtures.full().get(0);
    try (Database db = kind.fresh().open()) {
      db.governance().apply(List.of(EntityChange.upsert(key)));

      assertThat(storedJson(db))
          .singleElement()
          .satisfies(j -> assertThat(j).contains(key.tokenHash()).doesNotContain("sk-full\""));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void loadAll_unreadableRow_failsNamingTheRow(StoreKind kind) throws Exception {
    try (Database db = kind.fresh().open()) {
      try (Connection c = db.pool().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO governance_entities (kind, id, json, updated_at)"
                      + " VALUES ('team', 't', '{\"id\":\"t\"}', 0)")) {
        ps.executeUpdate();
      }

      assertThatThrownBy(() -> db.governance().loadAll())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("(team, t)")
          .hasMessageContaining(": expected a value");
    }
  }

  private static List<String> storedJson(Database db) {
    try (Connection c = db.pool().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT json FROM governance_entities");
        ResultSet rs = ps.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
