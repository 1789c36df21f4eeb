-- The access log's lookups: by time (retention and time ranges), by key
-- and by patient, each newest first.
CREATE INDEX access_records_at ON access_records (at);
CREATE INDEX access_records_key ON access_records (key_name, id);
CREATE INDEX access_records_patient ON access_records (patient, id) WHERE patient IS NOT NULL;
