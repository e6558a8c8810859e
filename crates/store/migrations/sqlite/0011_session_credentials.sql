-- Session search by password and by credential pair from one row per credential: the value becomes the password's
-- JSON (`null` for none), a tab, then the username's JSON, so a password search is a prefix range over it and the
-- separate password rows go (they were a third of this table's rows; see `rollup::session_credential`).
UPDATE session_values
SET value = json_quote(json_extract(value, '$[1]')) || char(9) || json_quote(json_extract(value, '$[0]'))
WHERE dim = 'credential' AND json_valid(value) AND json_type(value) = 'array';
DELETE FROM session_values WHERE dim = 'password';
