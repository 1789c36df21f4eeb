-- The filters write every enum and time column but the one whose index
-- should lead the plan as +col (eventsql), which keeps SQLite's planner on
-- the leading index. To PostgreSQL +col is an expression without
-- statistics, estimated at 0.5 % of the rows whatever its value: a rare
-- event type of the Fasten half of the log (sources=FASTEN +
-- types=CONNECTION_FAILED) looked like 17 rows, so PostgreSQL read and
-- sorted every event of the type (4,086 at 1,000,000 events, 73-109 ms)
-- instead of walking the type's index down to a page (1.8 ms). Statistics
-- on the enum expressions give them their real frequencies (time bounds
-- have plans of their own, eventsql). PostgreSQL 14 and later; older
-- servers keep the estimates they had. The ANALYZE fills them at once
-- (a sample of each table: seconds at 1,000,000 events).
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        CREATE STATISTICS IF NOT EXISTS events_source_plus ON (+source) FROM events;
        CREATE STATISTICS IF NOT EXISTS events_type_plus ON (+type) FROM events;
        CREATE STATISTICS IF NOT EXISTS events_stage_plus ON (+stage) FROM events;
        CREATE STATISTICS IF NOT EXISTS events_outcome_plus ON (+outcome) FROM events;
        CREATE STATISTICS IF NOT EXISTS events_api_mode_plus ON (+api_mode) FROM events;
        CREATE STATISTICS IF NOT EXISTS journeys_source_plus ON (+source) FROM journeys;
        CREATE STATISTICS IF NOT EXISTS journeys_status_plus ON (+status) FROM journeys;
        CREATE STATISTICS IF NOT EXISTS journeys_stage_plus ON (+stage) FROM journeys;
        CREATE STATISTICS IF NOT EXISTS journeys_api_mode_plus ON (+api_mode) FROM journeys;
    END IF;
END
$$;
ANALYZE events;
ANALYZE journeys;
