-- The audit log of management changes (litellm_settings.store_audit_logs), after LiteLLM's
-- LiteLLM_AuditLogs: who (changed_by, the user; changed_by_api_key, the SHA-256 of the calling
-- key), what (route, table_name as LiteLLM names its tables, object_id), the entity before and after
-- as JSON with secrets removed, and when (epoch milliseconds). Governance rows are written in the
-- transaction that makes the change. Ids are time-ordered, so (updated_at, id) sorts by time.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  updated_at BIGINT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_by_api_key TEXT NOT NULL,
  route TEXT NOT NULL,
  action TEXT NOT NULL,
  table_name TEXT NOT NULL,
  object_id TEXT NOT NULL,
  before_value TEXT,
  updated_values TEXT
);
CREATE INDEX audit_log_time ON audit_log (updated_at);
CREATE INDEX audit_log_object ON audit_log (table_name, object_id);
