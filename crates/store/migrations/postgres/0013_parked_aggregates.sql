-- Aggregates parked by batches written under sustained ingest (see `write/fold.rs`): each row is one batch's
-- rollups, totals and attacker rows as JSON, written in the batch's own transaction and deleted by the transaction
-- that upserts them, so a crash between the two loses nothing and counts nothing twice.
CREATE TABLE IF NOT EXISTS parked_aggregates (
    id BIGSERIAL PRIMARY KEY, created BIGINT NOT NULL, delta TEXT NOT NULL
);
-- Read back whole and only after a crash: not worth compressing on every write.
ALTER TABLE parked_aggregates ALTER COLUMN delta SET STORAGE EXTERNAL;
