-- Raw events are stored in groups: the events of one session (or, without a session, of one source) that one batch
-- brought, in one row, one line per event ("<received µs> <event JSON>", in time order). A group is one row and
-- three index entries where an event row was five B-tree entries of its own; every read (session timeline, feed,
-- retention) works on groups and unpacks their lines. Event ids live on in `event_ids`, which keeps inserts
-- idempotent.
CREATE TABLE IF NOT EXISTS event_groups (
    gid BIGSERIAL PRIMARY KEY, ts_min BIGINT NOT NULL, ts_max BIGINT NOT NULL, session_id TEXT COLLATE "C" NOT NULL,
    src_ip BYTEA NOT NULL, channel TEXT NOT NULL, ident TEXT NOT NULL, geo TEXT NOT NULL, kind TEXT NOT NULL,
    n BIGINT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event_ids (id BYTEA PRIMARY KEY);
INSERT INTO event_groups (ts_min, ts_max, session_id, src_ip, channel, ident, geo, kind, n, body)
SELECT ts, ts, session_id, src_ip, channel, ident, geo, kind, 1, received::text || ' ' || body FROM events ORDER BY ts, id;
INSERT INTO event_ids (id) SELECT id FROM events ON CONFLICT DO NOTHING;
DROP TABLE IF EXISTS events;
CREATE INDEX IF NOT EXISTS event_groups_session ON event_groups (session_id, ts_min);
-- The feed walks groups by (ts_max, gid): both in the index, so one address's newest groups are an index range
-- (SQLite's indexes end with the rowid, which is gid, by themselves).
CREATE INDEX IF NOT EXISTS event_groups_src ON event_groups (src_ip, ts_max, gid);
CREATE INDEX IF NOT EXISTS event_groups_ts ON event_groups (ts_max, gid);
