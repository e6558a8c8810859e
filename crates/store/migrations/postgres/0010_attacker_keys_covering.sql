-- The attacker detail sums `count` over an address's keys for each of its days. Rows of one (day, address) are
-- inserted over the whole day, so they lie on as many heap pages as there are rows (3,000 pages for a heavy
-- address on a 10 M-session store). With `count` in the key's index the read is an index-only scan of a few pages
-- (once VACUUM has marked the pages all-visible; `Store::analyze` vacuums). SQLite's table is already clustered
-- on this key (WITHOUT ROWID), so it needs no change.
ALTER TABLE attacker_keys
    DROP CONSTRAINT attacker_keys_pkey,
    ADD CONSTRAINT attacker_keys_pkey PRIMARY KEY (day, ip, dim, key) INCLUDE (count);
