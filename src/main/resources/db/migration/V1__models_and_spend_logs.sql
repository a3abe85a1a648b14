-- Tollgate's first schema. Runs unchanged on SQLite and PostgreSQL, so it keeps to the portable
-- rules: ids come from the application (no serial or identity columns), money is BIGINT nano-USD,
-- times are BIGINT epoch milliseconds, JSON is TEXT. Later tables (keys, teams, users,
-- organizations, customers, tags, budgets) arrive in later migrations.

-- Deployments created through the admin API, as the JSON bodies that created them.
CREATE TABLE models (
  id         TEXT   NOT NULL PRIMARY KEY,
  json       TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);

-- One row per LLM request. cost_nanos is NULL when the cost cannot be known (unknown price, or
-- usage never reported): it is never a stand-in zero, and reports count such rows separately.
CREATE TABLE spend_logs (
  request_id            TEXT    NOT NULL PRIMARY KEY,
  started_at            BIGINT  NOT NULL,
  key_hash              TEXT    NOT NULL,
  user_id               TEXT,
  team_id               TEXT,
  organization_id       TEXT,
  customer_id           TEXT,
  tags                  TEXT    NOT NULL,
  model_group           TEXT    NOT NULL,
  deployment_id         TEXT,
  provider_model        TEXT,
  price_state           TEXT    NOT NULL,
  price_source          TEXT    NOT NULL,
  input_tokens          BIGINT  NOT NULL,
  output_tokens         BIGINT  NOT NULL,
  cache_read_tokens     BIGINT  NOT NULL,
  cache_creation_tokens BIGINT  NOT NULL,
  reasoning_tokens      BIGINT  NOT NULL,
  cost_nanos            BIGINT,
  usage_reported        BOOLEAN NOT NULL,
  status                INTEGER NOT NULL,
  error_type            TEXT,
  latency_ms            BIGINT  NOT NULL,
  stream                BOOLEAN NOT NULL,
  CONSTRAINT spend_logs_price_state CHECK (price_state IN ('priced', 'free', 'unknown')),
  CONSTRAINT spend_logs_unknown_has_no_cost CHECK (price_state <> 'unknown' OR cost_nanos IS NULL),
  CONSTRAINT spend_logs_cost_not_negative CHECK (cost_nanos IS NULL OR cost_nanos >= 0),
  CONSTRAINT spend_logs_tokens_not_negative CHECK (
    input_tokens >= 0 AND output_tokens >= 0 AND cache_read_tokens >= 0
    AND cache_creation_tokens >= 0 AND reasoning_tokens >= 0)
);

CREATE INDEX spend_logs_started_at ON spend_logs (started_at);
CREATE INDEX spend_logs_key_started_at ON spend_logs (key_hash, started_at);
CREATE INDEX spend_logs_user_started_at ON spend_logs (user_id, started_at);
CREATE INDEX spend_logs_team_started_at ON spend_logs (team_id, started_at);
CREATE INDEX spend_logs_model_started_at ON spend_logs (model_group, started_at);

-- The tags of spend_logs.tags, one row each, so that filtering and grouping by tag use an index
-- on both databases (their JSON functions differ).
CREATE TABLE spend_log_tags (
  request_id TEXT NOT NULL REFERENCES spend_logs (request_id) ON DELETE CASCADE,
  tag        TEXT NOT NULL,
  PRIMARY KEY (request_id, tag)
);

CREATE INDEX spend_log_tags_tag ON spend_log_tags (tag, request_id);
