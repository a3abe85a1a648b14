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
  private final List<AuditEvent> audited = new ArrayList<>();

  @Override
  public synchronized List<Entity> loadAll() {
    return List.copyOf(entities.values());
  }

  @Override
  public synchronized void apply(List<EntityChange> changes, List<AuditEvent> audit) {
    for (EntityChange c : changes) {
      switch (c) {
        case EntityChange.Upsert u -> entities.put(key(u.kind(), u.id()), u.entity());
        case EntityChange.Delete d -> entities.remove(key(d.kind(), d.id()));
      }
    }
    audited.addAll(audit);
  }

  /** The audit events written with the changes, in order, for tests. */
  public synchronized List<AuditEvent> audited() {
    return List.copyOf(audited);
  }

  /** What is stored now, for tests. */
  public synchronized List<Entity> stored() {
    return new ArrayList<>(entities.values());
  }

  private static String key(EntityKind kind, String id) {
    return kind.name() + "\u0000" + id;
  }
}
