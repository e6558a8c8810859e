-- Usernames and values per session, keyed by when the session held them (`ts`: the session's first event in the
-- batch that stored the row, microseconds) before the session's id, so a value's new rows go to its end of the
-- index instead of a random place among its rows (see the SQLite migration of the same name for the figures). A
-- value seen again by a later batch of the same session may get a second row. Older rows take their session's
-- start.
ALTER TABLE session_users ADD COLUMN ts BIGINT NOT NULL DEFAULT 0;
UPDATE session_users u SET ts = s.start_ts FROM sessions s WHERE s.id = u.session_id;
ALTER TABLE session_users DROP CONSTRAINT session_users_pkey;
ALTER TABLE session_users ADD PRIMARY KEY (username, ts, session_id);

ALTER TABLE session_values ADD COLUMN ts BIGINT NOT NULL DEFAULT 0;
UPDATE session_values v SET ts = s.start_ts FROM sessions s WHERE s.id = v.session_id;
ALTER TABLE session_values DROP CONSTRAINT session_values_pkey;
ALTER TABLE session_values ADD PRIMARY KEY (dim, value, ts, session_id);
