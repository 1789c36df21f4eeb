-- The access log: one row per read of personal data (server/access). Rows
-- are only ever inserted, and deleted by retention; the trigger refuses
-- every UPDATE. Times are unix nanoseconds.
CREATE TABLE access_records (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    key_name TEXT    NOT NULL,
    role     TEXT    NOT NULL,
    method   TEXT    NOT NULL,
    route    TEXT    NOT NULL,
    phase    INTEGER NOT NULL,
    request  TEXT    NOT NULL,
    patient  TEXT,
    items    INTEGER NOT NULL,
    peer     TEXT    NOT NULL,
    outcome  TEXT    NOT NULL
);
CREATE TRIGGER access_records_append_only BEFORE UPDATE ON access_records
BEGIN
    SELECT RAISE(ABORT, 'access records are append-only');
END;
