-- Usernames and values per session without a unique key on PostgreSQL: their inserts were the ingest's costliest
-- statements (12.5 and 10 µs per row under the ingest benchmark), most of it `ON CONFLICT`'s speculative insertion
-- (probe, insert, confirm). A repeated row is harmless: searches ask which sessions hold a value (`IN` / `EXISTS`),
-- and migration 0014 already lets a value a later batch repeats have a second row. The lookups keep the same
-- columns in the same order, in a plain index. SQLite keeps its keys (its tables are clustered on them).
ALTER TABLE session_users DROP CONSTRAINT session_users_pkey;
CREATE INDEX session_users_by_name ON session_users (username, ts, session_id);
ALTER TABLE session_values DROP CONSTRAINT session_values_pkey;
CREATE INDEX session_values_by_value ON session_values (dim, value, ts, session_id);
