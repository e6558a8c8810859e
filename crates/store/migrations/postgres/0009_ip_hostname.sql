-- Reverse DNS of source addresses (`[enrich] reverse_dns`): the PTR name if it passed validation (NULL when there
-- is none or it was refused), whether its A/AAAA records lead back to the address (1/0), and when it was checked
-- (UTC microseconds; NULL = never). Written by `hostnames.rs`, never by the p0f upsert.
ALTER TABLE ip_meta ADD COLUMN hostname TEXT;
ALTER TABLE ip_meta ADD COLUMN hostname_confirmed BIGINT;
ALTER TABLE ip_meta ADD COLUMN hostname_checked BIGINT;
