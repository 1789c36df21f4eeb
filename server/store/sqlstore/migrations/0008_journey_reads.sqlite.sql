-- Journey states are stored in protobuf's binary form (journeyv1.StoredState)
-- from this version on, as BLOBs in the same column (SQLite keeps each
-- value's own type); the JSON states of earlier versions stay readable
-- (server/journey: Unmarshal) until their journey next changes. Nothing to
-- change here.
SELECT 1;
