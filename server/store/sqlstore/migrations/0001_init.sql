-- The part of the first schema that is the same on every database; it runs
-- after the database's own part (0001_init.DIALECT.sql).

-- The highest sequence ever assigned. One row: every Append reads it first,
-- under the write lock (PostgreSQL: FOR UPDATE), which serializes appends
-- across processes so that sequence order is commit order. It never goes
-- down, so sequences are never reused after a prune.
CREATE TABLE log_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    head bigint  NOT NULL
);
INSERT INTO log_head (id, head) VALUES (1, 0);

-- Following one patient or one connection: selective lookups, read in
-- sequence order. Partial, since most events carry only some of them.
CREATE INDEX events_external_id ON events (external_id, sequence) WHERE external_id IS NOT NULL;
CREATE INDEX events_oneup_user_id ON events (oneup_user_id, sequence) WHERE oneup_user_id IS NOT NULL;
CREATE INDEX events_fhir_patient_reference ON events (fhir_patient_reference, sequence)
    WHERE fhir_patient_reference IS NOT NULL;
CREATE INDEX events_org_connection_id ON events (org_connection_id, sequence) WHERE org_connection_id IS NOT NULL;
