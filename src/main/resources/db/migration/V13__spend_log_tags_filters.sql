-- The spend log filtered by a tag and by a key, user, team or model (bench/README.md, issue 17).
--
-- Each tag row carries the columns the other filters test, copied from its spend_logs row (rows
-- are never changed once written), and the tag index covers them: a tag's rows are counted and
-- filtered in one index range, where each of them was a lookup of its spend_logs row (50,000 of
-- them for one tag of 1,000,000 rows took about half a second). Only the page's rows are joined.
ALTER TABLE spend_log_tags ADD COLUMN key_hash TEXT;
ALTER TABLE spend_log_tags ADD COLUMN user_id TEXT;
ALTER TABLE spend_log_tags ADD COLUMN team_id TEXT;
ALTER TABLE spend_log_tags ADD COLUMN model_group TEXT;

UPDATE spend_log_tags
SET (key_hash, user_id, team_id, model_group) = (
  SELECT s.key_hash, s.user_id, s.team_id, s.model_group
  FROM spend_logs s
  WHERE s.request_id = spend_log_tags.request_id);

DROP INDEX spend_log_tags_tag_started_at;

CREATE INDEX spend_log_tags_tag_started_at
  ON spend_log_tags (tag, started_at, request_id, key_hash, user_id, team_id, model_group);
