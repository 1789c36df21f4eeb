-- Every selective ConnectionFilter field is served by an index ordered like
-- a ListConnections page (last activity, then id), so that a filter that
-- matches few journeys reads only those, whatever the number of journeys
-- (issue 14). Statuses have journeys_status; patients and health systems
-- journey_terms; these serve stages and API modes.
CREATE INDEX journeys_stage ON journeys (stage, last_event_at, id);
CREATE INDEX journeys_api_mode ON journeys (api_mode, last_event_at, id);
