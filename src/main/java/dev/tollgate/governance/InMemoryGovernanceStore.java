package dev.tollgate.governance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link GovernanceStore} in memory: for tests, and for a gateway without a database, where
 * entities last until the process ends. Thread-safe.
 */
public final class InMemoryGovernanceStore implements GovernanceStore {
  private final Map<String, Entity> entities = new LinkedHashMap<>();

  @Override
  public synchronized List<Entity> loadAll() {
    return List.copyOf(entities.values());
  }

  @Override
  public synchronized void apply(List<EntityChange> changes) {
    for (EntityChange c : changes) {
      switch (c) {
        case EntityChange.Upsert u -> entities.put(key(u.kind(), u.id()), u.entity());
        case EntityChange.Delete d -> entities.remove(key(d.kind(), d.id()));
      }
    }
  }

  /** What is stored now, for tests. */
  public synchronized List<Entity> stored() {
    return new ArrayList<>(entities.values());
  }

  private static String key(EntityKind kind, String id) {
    return kind.name() + "\u0000" + id;
  }
}
