package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// SQL returns the DB of a database/sql pool. Prepare prepares statements on
// the pool once; transactions then bind them to their connection instead of
// parsing the SQL again.
func SQL(db *sql.DB) DB {
	d := &sqlDB{db: db, prepared: map[string]*sql.Stmt{}}
	d.sqlQuerier = sqlQuerier{r: db, prepared: d.prepared}
	return d
}

// sqlRunner is what a *sql.DB, a *sql.Tx and a prepared statement (through
// stmtRunner) share.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlQuerier struct {
	r        sqlRunner
	tx       *sql.Tx // nil outside a transaction
	prepared map[string]*sql.Stmt
}

// on returns the runner for query: its prepared statement if there is one.
func (q sqlQuerier) on(ctx context.Context, query string) sqlRunner {
	st, ok := q.prepared[query]
	if !ok {
		return q.r
	}
	if q.tx != nil {
		st = q.tx.StmtContext(ctx, st) // closed with the transaction
	}
	return stmtRunner{st}
}

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.on(ctx, query).ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.on(ctx, query).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return q.on(ctx, query).QueryRowContext(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// stmtRunner runs a prepared statement; the query text is already in it.
type stmtRunner struct{ st *sql.Stmt }

func (s stmtRunner) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtRunner) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtRunner) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

type sqlDB struct {
	sqlQuerier
	db       *sql.DB
	prepared map[string]*sql.Stmt // filled by Prepare before any concurrent use
}

func (d *sqlDB) InTx(ctx context.Context, f func(Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := f(sqlTx{sqlQuerier{r: tx, tx: tx, prepared: d.prepared}}); err != nil {
		return err
	}
	return tx.Commit()
}

func (d *sqlDB) Prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		st, err := d.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		d.prepared[q] = st
	}
	return nil
}

func (d *sqlDB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

func (d *sqlDB) Close() error {
	errs := make([]error, 0, len(d.prepared)+1)
	for _, st := range d.prepared {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, d.db.Close())...)
}

type sqlTx struct{ sqlQuerier }

// ExecBatch runs the statements one after the other.
func (t sqlTx) ExecBatch(ctx context.Context, stmts []Stmt) error {
	for _, s := range stmts {
		if _, err := t.Exec(ctx, s.SQL, s.Args...); err != nil {
			return err
		}
	}
	return nil
}
