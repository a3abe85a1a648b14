-- Where each spend row's token counts came from: 'provider' (the provider reported usage),
-- 'estimated' (it did not, and the gateway counted the request and what it relayed) or 'none'
-- (nothing was used). Reports show estimated spend apart from reported spend. usage_reported stays
-- for readers of the old column; it is true exactly when usage_source is 'provider'.
ALTER TABLE spend_logs ADD COLUMN usage_source TEXT NOT NULL DEFAULT 'none';

UPDATE spend_logs SET usage_source = 'provider' WHERE usage_reported;

CREATE INDEX spend_logs_usage_source_started_at ON spend_logs (usage_source, started_at);
