package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Dialect is what differs between the SQL databases the Store runs on.
type Dialect struct {
	// Name prefixes every error ("sqlite: append: ...") and selects the
	// dialect's own migration files (migrations/NNNN_name.NAME.sql).
	Name string
	// Numbered placeholders: ? becomes $1, $2, ... in every statement.
	Numbered bool
	// RowLock ends a SELECT that must lock its rows until commit; empty
	// where a write transaction already excludes every other writer.
	RowLock string
	// Rows is how a batch statement receives its rows.
	Rows RowsShape
	// MigrateLock, when set, runs first in the migration transaction to
	// serialize it with other processes.
	MigrateLock string
	// MigrationsTable creates the schema_migrations table if missing.
	MigrationsTable string
	// RecordMigration records an applied migration (version, name).
	RecordMigration string
	// Scrub, when set, rewrites a driver error so that it quotes no row
	// values.
	Scrub func(error) error
	// Analyze, when set, refreshes the planner's statistics; rebuilds (and
	// prunes of more than one chunk) run it first, so that their
	// per-journey lookups use the indexes even on a table just filled
	// (before autovacuum analyzed it).
	Analyze string
	// Vacuum, when set, does what autovacuum does for a running service
	// (statistics, and the visibility map that lets index-only reads skip
	// the table); benchmarks run it after a bulk fill.
	Vacuum string
	// Explain prefixes a query to get its plan, which comes in rows of
	// ExplainColumns columns, the last one describing the step.
	Explain        string
	ExplainColumns int
	// NotifyCommit, when set, runs in every append transaction to tell
	// other processes, at commit, that the log moved (a hint: they still
	// poll the head).
	NotifyCommit string
	// Bytewise follows a text expression to compare it byte by byte, as
	// Go compares strings ("" where that is the default).
	Bytewise string
}

// CommitChannel is the PostgreSQL notification channel of NotifyCommit; the
// payload is the schema of the store that committed.
const CommitChannel = "connevents_commits"

// SQLite: BEGIN IMMEDIATE (the writer's _txlock) excludes other writers,
// rows go in multi-row VALUES of up to 64 rows (15 parameters a row stays
// far below SQLite's limit), and driver errors name tables and
// constraints, never values.
var SQLite = Dialect{
	Name: "sqlite",
	Rows: Values{Max: 64},
	MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
	RecordMigration: `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, CAST(unixepoch('subsec') * 1000000000 AS INTEGER))`,
	Explain:        "EXPLAIN QUERY PLAN ",
	ExplainColumns: 4,
}

// PostgreSQL: an append locks the log_head row, migrations take an advisory
// lock per schema, rows go in arrays (one statement whatever their number),
// and server errors lose the parts that may quote values.
var PostgreSQL = Dialect{
	Name:        "postgres",
	Numbered:    true,
	RowLock:     " FOR UPDATE",
	Rows:        Unnest{},
	MigrateLock: `SELECT pg_advisory_xact_lock(hashtext('connevents.migrate.' || current_schema()))`,
	MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
	RecordMigration: `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`,
	Scrub:           scrubPG,
	Analyze:         `ANALYZE events, journeys, journey_terms, funnel_discovery`,
	Vacuum:          `VACUUM (ANALYZE) events, journeys, journey_terms, funnel_discovery`,
	Explain:         "EXPLAIN ",
	ExplainColumns:  1,
	NotifyCommit:    `SELECT pg_notify('` + CommitChannel + `', current_schema())`,
	Bytewise:        ` COLLATE "C"`,
}

// sql returns query with the dialect's placeholders.
func (d Dialect) sql(query string) string {
	if !d.Numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if p, ok := strings.CutSuffix(part, "?"); ok {
			n++
			part = p + "$" + strconv.Itoa(n)
		}
		b.WriteString(part)
	}
	return b.String()
}

// ServerError is an error reported by the PostgreSQL server, without the
// parts (detail, hint, where) that may quote row values.
type ServerError struct {
	Code       string // SQLSTATE
	Message    string
	Constraint string
}

func (e *ServerError) Error() string {
	if e.Constraint != "" {
		return fmt.Sprintf("%s (SQLSTATE %s, constraint %s)", e.Message, e.Code, e.Constraint)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.Message, e.Code)
}

// SQLState returns the SQLSTATE code.
func (e *ServerError) SQLState() string { return e.Code }

func scrubPG(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &ServerError{Code: pgErr.Code, Message: pgErr.Message, Constraint: pgErr.ConstraintName}
	}
	return err
}
