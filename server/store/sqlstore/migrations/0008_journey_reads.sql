-- Every selective ConnectionFilter field is served by an index ordered like
-- a ListConnections page (last activity, then id), so that a filter that
-- matches few journeys reads only those, whatever the number of journeys
-- (issue 14): statuses (journeys_status, rebuilt here), stages, API modes
-- and sources (one source may be rare, or absent from a time range);
-- patients and health systems have journey_terms. Each also holds
-- the other enum columns (and journeys_status the stall time, for
-- stalled_for), so that a second field is checked in the index without
-- reading the journey's row (PostgreSQL reads such an index only).
DROP INDEX journeys_status;
CREATE INDEX journeys_status ON journeys (status, last_event_at, id, stage, api_mode, source, stall_at);
CREATE INDEX journeys_stage ON journeys (stage, last_event_at, id, status, api_mode, source);
CREATE INDEX journeys_api_mode ON journeys (api_mode, last_event_at, id, status, stage, source);
CREATE INDEX journeys_source ON journeys (source, last_event_at, id, status, stage, api_mode);
