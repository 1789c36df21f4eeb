-- PostgreSQL gains statistics on the +col expressions of the filters here;
-- SQLite keeps none, and +col is what keeps its planner on the leading index.
SELECT 1;
