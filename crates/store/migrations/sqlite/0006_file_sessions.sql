-- Which sessions dropped (downloaded or uploaded) each file: one row per (file, session), at the session's first
-- mention of it, so a redelivered or repeated event adds nothing. `key` is `files.key`; `session_id` is
-- `sessions.id` (`sensor/session`); retention deletes rows with their file or their session.
CREATE TABLE IF NOT EXISTS file_sessions (
    key TEXT NOT NULL, session_id TEXT NOT NULL, ts INTEGER NOT NULL, src_ip BLOB NOT NULL, sensor TEXT NOT NULL,
    PRIMARY KEY (key, session_id)
) WITHOUT ROWID;
-- A file's sessions, newest first (keyset paging on (ts, session_id)).
CREATE INDEX IF NOT EXISTS file_sessions_key_ts ON file_sessions (key, ts, session_id);
-- Retention by session.
CREATE INDEX IF NOT EXISTS file_sessions_session ON file_sessions (session_id);
-- Backfill from the stored download and upload events of sessions whose file is still kept (the key is the
-- first of SHA-256, MD5, SHA-1 in the event, lowercased, as the writer makes it). SQLite takes the other columns
-- of a MIN() group from the row holding the minimum.
INSERT INTO file_sessions (key, session_id, ts, src_ip, sensor)
SELECT d.key, d.session_id, MIN(d.ts), d.src_ip, d.sensor
FROM (
    SELECT lower(COALESCE(json_extract(body, '$.sha256'), json_extract(body, '$.md5'), json_extract(body, '$.sha1')))
               AS key,
           session_id, ts, src_ip, sensor
    FROM events
    WHERE kind IN ('file.download', 'file.upload') AND session_id <> '' AND json_valid(body)
) AS d
JOIN files f ON f.key = d.key
GROUP BY d.key, d.session_id
ON CONFLICT (key, session_id) DO NOTHING;
