-- Session search by password and by credential pair from one row per credential: the value becomes the password's
-- JSON (`null` for none), a tab, then the username's JSON, so a password search is a prefix range over it and the
-- separate password rows go (they were a third of this table's rows; see `rollup::session_credential`).
-- Every credential value was written by serde_json as a two-element array, so the cast cannot fail.
UPDATE session_values
SET value = ((value::jsonb) -> 1)::text || chr(9) || ((value::jsonb) -> 0)::text
WHERE dim = 'credential' AND value LIKE '[%';
DELETE FROM session_values WHERE dim = 'password';
