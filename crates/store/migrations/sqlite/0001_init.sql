-- Apiary store schema, SQLite. Times are UTC microseconds since the epoch; IPs are 16 bytes (IPv4 mapped).
-- Event ids are the UUID's 16 bytes (UUIDv7: time-ordered, so inserts append to the key's B-tree).
CREATE TABLE IF NOT EXISTS events (
    id BLOB PRIMARY KEY, ts INTEGER NOT NULL, received INTEGER NOT NULL, sensor TEXT NOT NULL,
    honeypot TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL, proto TEXT NOT NULL,
    src_ip BLOB NOT NULL, dst_port INTEGER NOT NULL, channel TEXT NOT NULL, ident TEXT NOT NULL,
    geo TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_session ON events (session_id, ts);
CREATE INDEX IF NOT EXISTS events_src ON events (src_ip, ts);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, sensor TEXT NOT NULL, honeypot TEXT NOT NULL, proto TEXT NOT NULL, src_ip BLOB NOT NULL,
    src_port INTEGER NOT NULL, dst_ip TEXT, dst_port INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER,
    country TEXT, asn INTEGER, geo TEXT NOT NULL, client_version TEXT, hassh TEXT,
    auth_attempts INTEGER NOT NULL, login_user TEXT, login_pass TEXT, commands INTEGER NOT NULL,
    downloads INTEGER NOT NULL, duration_ms INTEGER, bytes_in INTEGER, bytes_out INTEGER, end_reason TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_start ON sessions (start_ts, id);
CREATE INDEX IF NOT EXISTS sessions_src ON sessions (src_ip, start_ts);
CREATE TABLE IF NOT EXISTS session_users (
    username TEXT NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (username, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_users_session ON session_users (session_id);
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY, sha256 TEXT, sha1 TEXT, md5 TEXT, size INTEGER, mime TEXT, first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL, count INTEGER NOT NULL, stored INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE INDEX IF NOT EXISTS files_sha1 ON files (sha1);
CREATE INDEX IF NOT EXISTS files_md5 ON files (md5);
CREATE INDEX IF NOT EXISTS files_seen ON files (last_seen, key);
CREATE TABLE IF NOT EXISTS file_urls (key TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (key, url)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idents (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, secret TEXT NOT NULL, publish TEXT NOT NULL, subscribe TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, read_only INTEGER NOT NULL, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ip_meta (
    ip BLOB PRIMARY KEY, os TEXT, link TEXT, uptime TEXT, distance INTEGER, app TEXT, updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ip_meta_updated ON ip_meta (updated, ip);
CREATE TABLE IF NOT EXISTS sensors (
    id TEXT PRIMARY KEY, ident TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sensor_honeypots (sensor TEXT NOT NULL, honeypot TEXT NOT NULL, PRIMARY KEY (sensor, honeypot));
CREATE TABLE IF NOT EXISTS rollups (
    dim TEXT NOT NULL, hour INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (dim, hour, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series (
    minute INTEGER NOT NULL, proto TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (minute, proto)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals (
    hour INTEGER PRIMARY KEY, events INTEGER NOT NULL, sessions INTEGER NOT NULL, logins INTEGER NOT NULL,
    downloads INTEGER NOT NULL
);
-- Attacker detail, kept per address and UTC day (so retention drops whole days, as with the rollups).
CREATE TABLE IF NOT EXISTS attackers (
    ip BLOB NOT NULL, day INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    events INTEGER NOT NULL, sessions INTEGER NOT NULL, geo TEXT NOT NULL, PRIMARY KEY (ip, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attackers_day ON attackers (day);
CREATE TABLE IF NOT EXISTS attacker_keys (
    day INTEGER NOT NULL, ip BLOB NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, ip, dim, key)
) WITHOUT ROWID;
