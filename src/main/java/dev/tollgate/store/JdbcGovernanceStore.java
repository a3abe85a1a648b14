package dev.tollgate.store;

import dev.tollgate.governance.AuditEvent;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.GovernanceStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@link GovernanceStore} on the {@code governance_entities} table, one row of {@link
 * GovernanceJson} per entity. Blocking; thread-safe (one connection a call).
 */
final class JdbcGovernanceStore implements GovernanceStore {
  private static final String UPSERT =
      "INSERT INTO governance_entities (kind, id, json, updated_at) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json,"
          + " updated_at = excluded.updated_at";
  private static final String DELETE = "DELETE FROM governance_entities WHERE kind = ? AND id = ?";

  private final DataSource pool;
  private final Clock clock;

  JdbcGovernanceStore(DataSource pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails, or a row cannot be read back (naming it): an
   *     entity is never skipped, since a missing key or budget would change who may spend what
   */
  @Override
  public List<Entity> loadAll() {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT kind, id, json FROM governance_entities ORDER BY kind, id");
        ResultSet rs = ps.executeQuery()) {
      List<Entity> out = new ArrayList<>();
      while (rs.next()) {
        out.add(read(rs.getString(1), rs.getString(2), rs.getString(3)));
      }
      return List.copyOf(out);
    } catch (SQLException e) {
      throw new StoreException("cannot load the governance entities: " + SpendSql.describe(e), e);
    }
  }

  private static Entity read(String kindColumn, String id, String json) {
    try {
      EntityKind kind = GovernanceJson.kindOf(kindColumn);
      Entity e = GovernanceJson.decode(kind, json);
      if (!e.id().equals(id)) {
        throw new IllegalArgumentException("the JSON names id '" + e.id() + "'");
      }
      return e;
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          "governance_entities row ("
              + kindColumn
              + ", "
              + id
              + ") is unreadable: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException if the database fails or a change cannot be stored (a key holding a raw
   *     secret); nothing of the batch is then written
   */
  @Override
  public void apply(List<EntityChange> changes, List<AuditEvent> audit) {
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(audit, "audit");
    if (changes.isEmpty()) {
      return;
    }
    long now = clock.millis();
    try (Connection c = pool.getConnection()) {
      Transactions.run(
          c,
          tx -> {
            try (PreparedStatement upsert = tx.prepareStatement(UPSERT);
                PreparedStatement delete = tx.prepareStatement(DELETE)) {
              // in order: a batch may delete and re-create, or create and delete, one entity
              for (EntityChange change : changes) {
                switch (change) {
                  case EntityChange.Upsert u -> {
                    upsert.setString(1, GovernanceJson.kindColumn(u.kind()));
                    upsert.setString(2, u.id());
                    upsert.setString(3, GovernanceJson.encode(u.entity()));
                    upsert.setLong(4, now);
                    upsert.executeUpdate();
                  }
                  case EntityChange.Delete d -> {
                    delete.setString(1, GovernanceJson.kindColumn(d.kind()));
                    delete.setString(2, d.id());
                    delete.executeUpdate();
                  }
                }
              }
            }
            JdbcAuditLog.insert(tx, audit, now);
          });
    } catch (SQLException e) {
      throw new StoreException(
          "cannot store " + changes.size() + " governance changes: " + SpendSql.describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          "cannot store " + changes.size() + " governance changes: " + e.getMessage(), e);
    }
  }
}
