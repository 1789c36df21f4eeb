-- Journey states are stored in protobuf's binary form (journeyv1.StoredState)
-- from this version on; the JSON states of earlier versions stay readable
-- (server/journey: Unmarshal) until their journey next changes.
ALTER TABLE journeys ALTER COLUMN state TYPE bytea USING convert_to(state, 'UTF8');

