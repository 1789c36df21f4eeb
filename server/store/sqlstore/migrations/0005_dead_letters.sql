-- Dead letters: authentic deliveries and items that could not be
-- normalized, kept byte for byte until an operator retries or discards
-- them. Not part of the log. id is a UUIDv7, so it sorts by time; times are
-- unix nanoseconds; digest is the hex SHA-256 of raw, so that the same bytes
-- from the same source (a poll re-reading its overlap) are kept once. The types are the same on every database (SQLite reads
-- bytea as a column of no affinity, which keeps blobs as they are).
CREATE TABLE dead_letters (
    id          text    PRIMARY KEY,
    source      integer NOT NULL,
    reason      text    NOT NULL,
    message     text    NOT NULL,
    received_at bigint  NOT NULL,
    retries     integer NOT NULL,
    digest      text    NOT NULL,
    raw         bytea   NOT NULL,
    UNIQUE (digest, source)
);

CREATE INDEX dead_letters_source ON dead_letters (source, id);
