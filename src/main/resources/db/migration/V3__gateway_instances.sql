-- The gateway instances using this store, each refreshing its row every few seconds, so that
-- instances that enforce budgets on their own counters (no Redis) can tell that others share
-- the store and say so, rather than silently let each spend a whole budget.
CREATE TABLE gateway_instances (
  id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  counters TEXT NOT NULL
);
