-- The admin UI's logged-out sessions (issue 17). A session is a signed cookie that every instance
-- sharing the master key accepts; logging out records its nonce here until the cookie would have
-- expired anyway, so that every instance sharing the store refuses it from then on. Each UI request
-- looks its nonce up by the primary key; rows past expires_at (epoch milliseconds) are deleted by
-- the next logout.
CREATE TABLE ui_revoked_sessions (
  nonce TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX ui_revoked_sessions_expiry ON ui_revoked_sessions (expires_at);
