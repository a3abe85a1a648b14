package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

/** One write in a mutation: an entity created or replaced, or one removed. Immutable. */
public sealed interface EntityChange permits EntityChange.Upsert, EntityChange.Delete {

  EntityKind kind();

  String id();

  /** Creates or replaces the entity with the same kind and id. */
  record Upsert(Entity entity) implements EntityChange {
    public Upsert {
      requireNonNull(entity, "entity");
    }

    @Override
    public EntityKind kind() {
      return entity.kind();
    }

    @Override
    public String id() {
      return entity.id();
    }
  }

  /** Removes the entity of this kind and id. */
  record Delete(EntityKind kind, String id) implements EntityChange {
    public Delete {
      requireNonNull(kind, "kind");
      requireNonNull(id, "id");
    }
  }

  static EntityChange upsert(Entity e) {
    return new Upsert(e);
  }

  static EntityChange delete(Entity e) {
    return new Delete(e.kind(), e.id());
  }
}
