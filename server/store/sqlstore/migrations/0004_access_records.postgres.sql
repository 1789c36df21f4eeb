-- The access log: one row per read of personal data (server/access). Rows
-- are only ever inserted, and deleted by retention; the trigger refuses
-- every UPDATE. Times are unix nanoseconds.
CREATE TABLE access_records (
    id       bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       bigint  NOT NULL,
    key_name text    NOT NULL,
    role     text    NOT NULL,
    method   text    NOT NULL,
    route    text    NOT NULL,
    phase    integer NOT NULL,
    request  text    NOT NULL,
    patient  text,
    items    bigint  NOT NULL,
    peer     text    NOT NULL,
    outcome  text    NOT NULL
);
CREATE FUNCTION access_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access records are append-only';
END
$$;
CREATE TRIGGER access_records_append_only BEFORE UPDATE ON access_records
    FOR EACH ROW EXECUTE FUNCTION access_records_append_only();
