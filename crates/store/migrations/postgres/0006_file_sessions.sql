-- Which sessions dropped (downloaded or uploaded) each file: one row per (file, session), at the session's first
-- mention of it, so a redelivered or repeated event adds nothing. `key` is `files.key`; `session_id` is
-- `sessions.id` (`sensor/session`); retention deletes rows with their file or their session.
CREATE TABLE IF NOT EXISTS file_sessions (
    key TEXT NOT NULL, session_id TEXT COLLATE "C" NOT NULL, ts BIGINT NOT NULL, src_ip BYTEA NOT NULL,
    sensor TEXT NOT NULL, PRIMARY KEY (key, session_id)
);
-- A file's sessions, newest first (keyset paging on (ts, session_id)).
CREATE INDEX IF NOT EXISTS file_sessions_key_ts ON file_sessions (key, ts, session_id);
-- Retention by session.
CREATE INDEX IF NOT EXISTS file_sessions_session ON file_sessions (session_id);
-- Backfill from the stored download and upload events of sessions whose file is still kept (the key is the
-- first of SHA-256, MD5, SHA-1 in the event, lowercased, as the writer makes it). The events are picked by kind
-- first (MATERIALIZED), so only their bodies are parsed, once, as `json` (not `jsonb`, which refuses a `\u0000`
-- that an attacker's URL or file name may hold).
WITH d AS MATERIALIZED (
    SELECT session_id, ts, src_ip, sensor, body FROM events
    WHERE kind IN ('file.download', 'file.upload') AND session_id <> '' AND body LIKE '{%'
), k AS (
    SELECT DISTINCT ON (key, session_id) key, session_id, ts, src_ip, sensor
    FROM (
        SELECT lower(COALESCE(b ->> 'sha256', b ->> 'md5', b ->> 'sha1')) AS key,
               session_id, ts, src_ip, sensor
        FROM (SELECT *, body::json AS b FROM d) AS j
    ) AS e
    WHERE key IS NOT NULL
    ORDER BY key, session_id, ts
)
INSERT INTO file_sessions (key, session_id, ts, src_ip, sensor)
SELECT k.key, k.session_id, k.ts, k.src_ip, k.sensor FROM k JOIN files f ON f.key = k.key
ON CONFLICT (key, session_id) DO NOTHING;
