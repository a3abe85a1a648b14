-- Governance entities and budget counters. Portable as V1: SQLite and PostgreSQL run it unchanged.

-- Keys, users, teams, organizations, customers, tags and shared budgets, one row each, as the JSON
-- written by the store's codec (GovernanceJson). Keys are stored by their SHA-256 only; the codec
-- refuses a key whose token is not a hash. kind is one of the names below.
CREATE TABLE governance_entities (
  kind       TEXT   NOT NULL,
  id         TEXT   NOT NULL,
  json       TEXT   NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (kind, id),
  CONSTRAINT governance_entities_kind CHECK (
    kind IN ('key', 'user', 'team', 'organization', 'customer', 'tag', 'budget'))
);

-- One spend counter per (level, entity_id, sub): what it counted since since_ms, and when its
-- window ends. sub is '' when the level has none (never NULL, so the key works on both databases).
-- A lifetime counter has no duration and ends at 9223372036854775807 (Long.MAX_VALUE).
CREATE TABLE budget_counters (
  level             TEXT    NOT NULL,
  entity_id         TEXT    NOT NULL,
  sub               TEXT    NOT NULL,
  duration          TEXT,
  since_ms          BIGINT  NOT NULL,
  end_ms            BIGINT  NOT NULL,
  spend_nanos       BIGINT  NOT NULL,
  unpriced_requests BIGINT  NOT NULL,
  unpriced_tokens   BIGINT  NOT NULL,
  soft_alerted      BOOLEAN NOT NULL,
  updated_at        BIGINT  NOT NULL,
  PRIMARY KEY (level, entity_id, sub),
  CONSTRAINT budget_counters_counts_not_negative CHECK (
    spend_nanos >= 0 AND unpriced_requests >= 0 AND unpriced_tokens >= 0),
  CONSTRAINT budget_counters_window_ends_iff_duration CHECK (
    (duration IS NULL AND end_ms = 9223372036854775807)
    OR (duration IS NOT NULL AND end_ms <> 9223372036854775807))
);
