-- Connection journeys (package journey), kept in step with the log by every
-- Append, in its transaction. Times are unix nanoseconds.

-- The journey each event belongs to (NULL: none). Only here, not in the
-- body, so that a rebuild can set it on events stored before it existed.
ALTER TABLE events ADD COLUMN connection_id text;
CREATE INDEX events_connection_id ON events (connection_id, sequence) WHERE connection_id IS NOT NULL;

-- Fasten's external state (Patient.external_state), which the patient
-- filter matches like the other patient identifiers. A journey rebuild sets
-- it on events stored before this migration.
ALTER TABLE events ADD COLUMN external_state text;
CREATE INDEX events_external_state ON events (external_state, sequence) WHERE external_state IS NOT NULL;

-- The highest change_seq ever assigned; moved under the same lock as head.
ALTER TABLE log_head ADD COLUMN change_head bigint NOT NULL DEFAULT 0;

-- Events stored before this migration have no connection_id (nor
-- external_state column) yet: the first journey rebuild sets them (and
-- removes this mark).
INSERT INTO meta (key, value) SELECT 'connection_ids', 'pending' WHERE EXISTS (SELECT 1 FROM events);

-- One row per journey: its folded state (journey.State.Marshal, of fold
-- version fold_version) and the columns that lists, stalls and the funnel
-- select and count by. status is the stored status: the fold's, or STALLED
-- once MarkStalled found stall_at passed. The *_at step columns are when
-- each step was last reached (NULL: never).
CREATE TABLE journeys (
    id                   text    PRIMARY KEY,
    fold_version         integer NOT NULL,
    state                text    NOT NULL,
    source               integer NOT NULL,
    status               integer NOT NULL,
    stage                integer NOT NULL,
    api_mode             integer NOT NULL,
    first_event_at       bigint  NOT NULL,
    last_event_at        bigint  NOT NULL,
    stall_at             bigint,
    sequence             bigint  NOT NULL,
    update_time          bigint  NOT NULL,
    hs_group             text    NOT NULL,
    hs_name              text    NOT NULL,
    platform_type        text    NOT NULL,
    searched_at          bigint,
    selected_at          bigint,
    requested_at         bigint,
    authorized_at        bigint,
    declined_at          bigint,
    connection_failed_at bigint,
    transfer_started_at  bigint,
    completed_at         bigint,
    transfer_failed_at   bigint,
    revoked_at           bigint,
    -- The journey's rows in journey_terms, separated by U+001F, so that a
    -- change of them is seen without reading journey_terms.
    terms                text    NOT NULL
);
-- Lists: by last activity, overall and per status.
CREATE INDEX journeys_last_event ON journeys (last_event_at, id);
CREATE INDEX journeys_status ON journeys (status, last_event_at, id);
-- MarkStalled: the in-progress journeys by stall time.
CREATE INDEX journeys_stall ON journeys (stall_at) WHERE status = 1;
-- The funnel's cohort: journeys by first event, with every column the
-- funnel counts, so that it reads this index only (journey rows are wide).
CREATE INDEX journeys_funnel ON journeys (first_event_at, source, api_mode, status, hs_group, hs_name,
    platform_type, searched_at, selected_at, authorized_at, transfer_started_at, completed_at, declined_at,
    connection_failed_at, transfer_failed_at, revoked_at);


-- The funnel's discovery events (searched, selected, requested a system, with
-- a patient), whether or not they belong to a journey, with their groups.
-- occurred_at falls back to received_at. Goes with its event.
CREATE TABLE funnel_discovery (
    sequence      bigint  PRIMARY KEY REFERENCES events (sequence) ON DELETE CASCADE,
    occurred_at   bigint  NOT NULL,
    source        integer NOT NULL,
    api_mode      integer NOT NULL,
    type          integer NOT NULL, -- the unified EventType
    patient       text    NOT NULL,
    hs_group      text    NOT NULL,
    hs_name       text    NOT NULL,
    platform_type text    NOT NULL
);
-- The funnel reads this index only.
CREATE INDEX funnel_discovery_window ON funnel_discovery (occurred_at, source, api_mode, type, patient,
    hs_group, hs_name, platform_type);
