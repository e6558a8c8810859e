-- Session recordings (asciicast v2) sent by sensors on `apiary.ttylog`; the bytes are a blob under files/ by SHA-256.
-- `session_id` is the sessions table's id (`sensor/session`); `name` is the sensor's relative file name.
CREATE TABLE IF NOT EXISTS recordings (
    session_id TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, size BIGINT NOT NULL,
    truncated BIGINT NOT NULL, received BIGINT NOT NULL, PRIMARY KEY (session_id, name)
);
CREATE INDEX IF NOT EXISTS recordings_sha256 ON recordings (sha256);
CREATE INDEX IF NOT EXISTS recordings_received ON recordings (received);
