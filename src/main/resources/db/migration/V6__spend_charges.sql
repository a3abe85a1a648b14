-- Which budget counters each spend_logs row was charged to, and when it was settled: written in
-- the same transaction as the row and as the budget_counters it moved, so that a counter can be
-- checked against (and recomputed from) the spend rows charged to it since it started counting.
-- The primary key serves that sum: one index range per counter, from its since_ms on.
CREATE TABLE spend_charges (
  level      TEXT   NOT NULL,
  entity_id  TEXT   NOT NULL,
  sub        TEXT   NOT NULL,
  settled_at BIGINT NOT NULL,
  request_id TEXT   NOT NULL,
  PRIMARY KEY (level, entity_id, sub, settled_at, request_id)
);
