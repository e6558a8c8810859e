-- Usernames and values per session, keyed by when the session held them (`ts`: the session's first event in the
-- batch that stored the row, microseconds) before the session's id. Keyed by id, each new row went to a random
-- place among its value's rows (session ids are random, or one counter per sensor): a batch of 16,384 events
-- dirtied ~3,000 pages of these two tables, 46 % of all it wrote. Keyed by time, a value's new rows go to its end:
-- about one page per value a batch holds. A value seen again by a later batch of the same session may get a
-- second row (a search asks "which sessions", so it finds the session once). Rows stored before this migration
-- take their session's start.
CREATE TABLE session_users_by_time (
    username TEXT NOT NULL, ts INTEGER NOT NULL DEFAULT 0, session_id TEXT NOT NULL,
    PRIMARY KEY (username, ts, session_id)
) WITHOUT ROWID;
INSERT INTO session_users_by_time (username, ts, session_id)
SELECT u.username, COALESCE(s.start_ts, 0), u.session_id FROM session_users u LEFT JOIN sessions s ON s.id = u.session_id;
DROP TABLE session_users;
ALTER TABLE session_users_by_time RENAME TO session_users;
CREATE INDEX session_users_session ON session_users (session_id);

CREATE TABLE session_values_by_time (
    dim TEXT NOT NULL, value TEXT NOT NULL, ts INTEGER NOT NULL DEFAULT 0, session_id TEXT NOT NULL,
    PRIMARY KEY (dim, value, ts, session_id)
) WITHOUT ROWID;
INSERT INTO session_values_by_time (dim, value, ts, session_id)
SELECT v.dim, v.value, COALESCE(s.start_ts, 0), v.session_id FROM session_values v LEFT JOIN sessions s ON s.id = v.session_id;
DROP TABLE session_values;
ALTER TABLE session_values_by_time RENAME TO session_values;
CREATE INDEX session_values_session ON session_values (session_id);
