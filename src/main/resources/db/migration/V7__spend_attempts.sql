-- The attempts a request made when it made more than one (retries, deployments passed over on their
-- own budget or rate limit, fallbacks), in order, the last being the one that ended it: a compact
-- JSON array of {"model_group", "model_id", "status", "error_class"}, error_class being LiteLLM's
-- exception name (RateLimitError, Timeout, ...) and absent when the attempt served the request.
-- NULL when the request made at most one attempt, which the row's own deployment_id and status
-- describe. Rows written before this migration keep NULL, whatever attempts they made. Portable: a
-- nullable ADD COLUMN without a default, which neither database rewrites the table for.
ALTER TABLE spend_logs ADD COLUMN attempts TEXT;
