package dev.tollgate.store;

import dev.tollgate.routing.ModelStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@link ModelStore} on the {@code models} table. Blocking; thread-safe (one connection a call).
 */
final class JdbcModelStore implements ModelStore {
  private final DataSource pool;

  JdbcModelStore(DataSource pool) {
    this.pool = pool;
  }

  @Override
  public List<StoredModel> loadAll() {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT id, json, updated_at FROM models ORDER BY id");
        ResultSet rs = ps.executeQuery()) {
      List<StoredModel> models = new ArrayList<>();
      while (rs.next()) {
        models.add(new StoredModel(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
      return List.copyOf(models);
    } catch (SQLException e) {
      throw new StoreException("cannot load the stored models: " + e.getMessage(), e);
    }
  }

  @Override
  public void upsert(StoredModel model) {
    Objects.requireNonNull(model, "model");
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO models (id, json, updated_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET json = excluded.json,"
                    + " updated_at = excluded.updated_at")) {
      ps.setString(1, model.id());
      ps.setString(2, model.json());
      ps.setLong(3, model.updatedAtMillis());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot store model " + model.id() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String id) {
    Objects.requireNonNull(id, "id");
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM models WHERE id = ?")) {
      ps.setString(1, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot delete model " + id + ": " + e.getMessage(), e);
    }
  }
}
