package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// maxCachedStmts bounds the statements a pool prepares on first use. Past
// it a new query shape is parsed on every call, as before; nothing is ever
// evicted, so a statement is never closed under a caller.
const maxCachedStmts = 512

// SQL returns the DB of a database/sql pool. Prepare prepares statements on
// the pool once; transactions then bind them to their connection instead of
// parsing the SQL again.
func SQL(db *sql.DB) DB {
	d := &sqlDB{db: db, prepared: map[string]*sql.Stmt{}, cache: &stmtCache{db: db}}
	d.sqlQuerier = sqlQuerier{r: db, prepared: d.prepared, cache: d.cache}
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
	cache    *stmtCache // nil in a transaction
}

// on returns the runner for query: its prepared statement if there is one.
// Outside a transaction, a query prepared at Open or seen before runs
// without being parsed again (parsing is most of a point read's cost on
// SQLite).
func (q sqlQuerier) on(ctx context.Context, query string) sqlRunner {
	st, ok := q.prepared[query]
	if !ok && q.cache != nil {
		st, ok = q.cache.get(ctx, query)
	}
	if !ok {
		return q.r
	}
	if q.tx != nil {
		st = q.tx.StmtContext(ctx, st) // closed with the transaction
	}
	return stmtRunner{st}
}

// stmtCache prepares each query once on the pool, up to maxCachedStmts.
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map // query → *sql.Stmt
	n     atomic.Int64
}

// get returns query's statement, preparing it on first use; false when the
// cache is full or the query does not prepare (the caller then runs it
// unprepared and sees the error there).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, bool) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), true
	}
	if c.n.Load() >= maxCachedStmts {
		return nil, false
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, false
	}
	if prev, loaded := c.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another caller prepared it first; ours was never shared
		return prev.(*sql.Stmt), true
	}
	c.n.Add(1)
	return st, true
}

// close closes every cached statement.
func (c *stmtCache) close() []error {
	var errs []error
	c.stmts.Range(func(_, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		return true
	})
	return errs
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
	cache    *stmtCache
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
	errs = append(errs, d.cache.close()...)
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
