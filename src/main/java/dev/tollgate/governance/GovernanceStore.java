package dev.tollgate.governance;

import java.util.List;

/**
 * Where keys, users, teams, organizations, customers, tags and shared budgets are kept. Every
 * method blocks: call it from a worker thread, never from an event loop. {@link Governance}
 * serialises its calls, so an implementation sees one mutation at a time.
 */
public interface GovernanceStore {

  /** Every stored entity; called once, at start. */
  List<Entity> loadAll();

  /**
   * Writes {@code changes} in one transaction: all of them or, if this throws, none. The entities
   * are complete (an upsert replaces every field, team members included).
   */
  default void apply(List<EntityChange> changes) {
    apply(changes, List.of());
  }

  /**
   * As {@link #apply(List)}, writing {@code audit} to the audit log in the same transaction, so
   * that a change is recorded if and only if it is made.
   */
  void apply(List<EntityChange> changes, List<AuditEvent> audit);
}
