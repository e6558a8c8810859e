-- Passwords, credential pairs, commands and URLs per session, keyed as the rollups key them, so every value a top
-- list shows opens a session search (hashes: through file_sessions). Sessions stored before this table existed
-- are not indexed here.
CREATE TABLE IF NOT EXISTS session_values (
    dim TEXT NOT NULL, value TEXT NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (dim, value, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_values_session ON session_values (session_id);
