-- Requests the response cache answered: cache_hit is true for them, and cache_saved_nanos is what
-- the cached answer's usage costs at the price of the deployment the request was admitted on (what
-- the call would have cost), NULL when that price is unknown or the request was not a hit. A hit
-- uses nothing: its cost_nanos is 0 (NULL at an unknown price, as for any request that used
-- nothing there). Rows written before this migration are not hits.
ALTER TABLE spend_logs ADD COLUMN cache_hit BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE spend_logs ADD COLUMN cache_saved_nanos BIGINT;
