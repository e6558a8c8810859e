-- Apiary store schema, PostgreSQL. Times are UTC microseconds since the epoch; IPs are 16 bytes (IPv4 mapped).
-- Text keys compare bytewise (COLLATE "C"), as SQLite's BINARY does: same order on both, and no locale cost.
-- Event ids are the UUID's 16 bytes (UUIDv7: time-ordered, so inserts append to the key's B-tree).
CREATE TABLE IF NOT EXISTS events (
    id BYTEA PRIMARY KEY, ts BIGINT NOT NULL, received BIGINT NOT NULL, sensor TEXT NOT NULL,
    honeypot TEXT NOT NULL, session_id TEXT COLLATE "C" NOT NULL, kind TEXT NOT NULL, proto TEXT NOT NULL,
    src_ip BYTEA NOT NULL, dst_port BIGINT NOT NULL, channel TEXT NOT NULL, ident TEXT NOT NULL,
    geo TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_session ON events (session_id, ts);
CREATE INDEX IF NOT EXISTS events_src ON events (src_ip, ts);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT COLLATE "C" PRIMARY KEY, sensor TEXT NOT NULL, honeypot TEXT NOT NULL, proto TEXT NOT NULL, src_ip BYTEA NOT NULL,
    src_port BIGINT NOT NULL, dst_ip TEXT, dst_port BIGINT NOT NULL, start_ts BIGINT NOT NULL, end_ts BIGINT,
    country TEXT, asn BIGINT, geo TEXT NOT NULL, client_version TEXT, hassh TEXT,
    auth_attempts BIGINT NOT NULL, login_user TEXT, login_pass TEXT, commands BIGINT NOT NULL,
    downloads BIGINT NOT NULL, duration_ms BIGINT, bytes_in BIGINT, bytes_out BIGINT, end_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions (start_ts, id);
CREATE INDEX IF NOT EXISTS sessions_src ON sessions (src_ip, start_ts);
CREATE TABLE IF NOT EXISTS session_users (
    username TEXT COLLATE "C" NOT NULL, session_id TEXT COLLATE "C" NOT NULL, PRIMARY KEY (username, session_id)
);
CREATE INDEX IF NOT EXISTS session_users_session ON session_users (session_id);
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY, sha256 TEXT, sha1 TEXT, md5 TEXT, size BIGINT, mime TEXT, first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL, count BIGINT NOT NULL, stored BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE INDEX IF NOT EXISTS files_sha1 ON files (sha1);
CREATE INDEX IF NOT EXISTS files_md5 ON files (md5);
CREATE INDEX IF NOT EXISTS files_seen ON files (last_seen, key);
CREATE TABLE IF NOT EXISTS file_urls (key TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (key, url));
CREATE TABLE IF NOT EXISTS idents (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, secret TEXT NOT NULL, publish TEXT NOT NULL, subscribe TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, read_only BIGINT NOT NULL, created BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ip_meta (
    ip BYTEA PRIMARY KEY, os TEXT, link TEXT, uptime TEXT, distance BIGINT, app TEXT, updated BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ip_meta_updated ON ip_meta (updated, ip);
CREATE TABLE IF NOT EXISTS sensors (
    id TEXT PRIMARY KEY, ident TEXT, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, events BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sensor_honeypots (sensor TEXT NOT NULL, honeypot TEXT NOT NULL, PRIMARY KEY (sensor, honeypot));
CREATE TABLE IF NOT EXISTS rollups (
    dim TEXT COLLATE "C" NOT NULL, hour BIGINT NOT NULL, key TEXT COLLATE "C" NOT NULL, count BIGINT NOT NULL,
    PRIMARY KEY (dim, hour, key)
);
CREATE TABLE IF NOT EXISTS series (
    minute BIGINT NOT NULL, proto TEXT COLLATE "C" NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (minute, proto)
);
CREATE TABLE IF NOT EXISTS totals (
    hour BIGINT PRIMARY KEY, events BIGINT NOT NULL, sessions BIGINT NOT NULL, logins BIGINT NOT NULL,
    downloads BIGINT NOT NULL
);
-- Attacker detail, kept per address and UTC day (so retention drops whole days, as with the rollups).
CREATE TABLE IF NOT EXISTS attackers (
    ip BYTEA NOT NULL, day BIGINT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
    events BIGINT NOT NULL, sessions BIGINT NOT NULL, geo TEXT NOT NULL, PRIMARY KEY (ip, day)
);
CREATE INDEX IF NOT EXISTS attackers_day ON attackers (day);
CREATE TABLE IF NOT EXISTS attacker_keys (
    day BIGINT NOT NULL, ip BYTEA NOT NULL, dim TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, ip, dim, key)
);
