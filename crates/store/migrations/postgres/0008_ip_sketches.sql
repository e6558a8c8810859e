-- A HyperLogLog sketch of each hour's source addresses (4 KiB), so distinct attackers over long windows are merged
-- from a few sketches instead of counted over every (hour, address) rollup row (see `distinct.rs`).
CREATE TABLE IF NOT EXISTS ip_sketches (hour BIGINT PRIMARY KEY, sketch BYTEA NOT NULL);
