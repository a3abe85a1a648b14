package dev.tollgate.governance;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The audit log of management changes ({@code litellm_settings.store_audit_logs}). Governance
 * changes are written by {@link GovernanceStore#apply(List, List)} in the transaction that makes
 * them; other changes (models, spend resets) through {@link #append}. Every method blocks: call it
 * from a worker thread.
 */
public interface AuditLog {

  /** Writes {@code events}, stamped with an id and the store's time, in one transaction. */
  void append(List<AuditEvent> events);

  /** The records matching {@code q}, newest first, one page of them. */
  Page page(Query q);

  /** One record by its id. */
  Optional<AuditRecord> find(String id);

  /** A stored {@link AuditEvent}. Immutable. */
  record AuditRecord(String id, long updatedAtMillis, AuditEvent event) {
    public AuditRecord {
      requireNonNull(id, "id");
      requireNonNull(event, "event");
    }
  }

  /**
   * A filter and a page; every present field must match exactly.
   *
   * @param page from 1
   */
  record Query(
      Optional<String> changedBy,
      Optional<String> changedByApiKey,
      Optional<String> action,
      Optional<String> table,
      Optional<String> objectId,
      OptionalLong fromMillis,
      OptionalLong toMillis,
      int page,
      int pageSize) {}

  /** One page, and how many records match in all. */
  record Page(List<AuditRecord> records, long total) {
    public Page {
      records = List.copyOf(records);
    }
  }
}
