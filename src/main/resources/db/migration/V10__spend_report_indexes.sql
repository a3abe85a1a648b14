-- The admin UI's slow reads over a large spend log (bench/README.md, issue 17).
--
-- The spend log filtered by team and model: one index finds the rows, counts them and gives them
-- newest first, where the single-column indexes left a scan of every row of the team or model.
CREATE INDEX spend_logs_team_model_started_at ON spend_logs (team_id, model_group, started_at);

-- The overview's totals and per-day charts sum a bounded window of started_at grouped by model
-- group or team. With every column they read in the index, the window is one range of the index
-- and no table row is visited. The cost is a wider index for the spend writer to keep, which
-- writes in batches off the request path.
CREATE INDEX spend_logs_report ON spend_logs (
  started_at, model_group, team_id, cost_nanos, usage_source, cache_hit, cache_saved_nanos,
  input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens
);
