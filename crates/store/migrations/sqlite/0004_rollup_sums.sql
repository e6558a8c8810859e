-- Each dimension's rollup counts summed per hour. Counts only grow, so an unchanged sum means an unchanged hour:
-- top-N keeps each hour's and day's leaders in memory and checks them against these sums (see `top.rs`).
CREATE TABLE IF NOT EXISTS rollup_sums (
    dim TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (dim, hour)
) WITHOUT ROWID;
INSERT INTO rollup_sums (dim, hour, count) SELECT dim, hour, SUM(count) FROM rollups GROUP BY dim, hour
    ON CONFLICT (dim, hour) DO NOTHING;
