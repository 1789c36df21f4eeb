-- SQLite's type and outcome indexes carry the other filter columns from this
-- version on. PostgreSQL tests a plain index scan's other conditions on the
-- row, not on the index entry, so carrying them would not save the reads;
-- its (type, sequence) and (outcome, sequence) indexes stay as they are.
SELECT 1;
