package sqlstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PGX returns the DB of a pgx pool. pgx prepares and caches statements on
// its own, so Prepare does nothing; ExecBatch sends one pgx.Batch.
func PGX(pool *pgxpool.Pool) DB { return &pgxDB{pgxQuerier{r: pool}, pool} }

// PGXReads returns a DB of the same pool for reads, whose statements are
// planned with their arguments on every call. A cached prepared statement
// gets PostgreSQL's generic plan after five calls, planned for an average
// argument: for a filter by a rare event type that is a walk of the whole
// log in sequence order, expecting the common type's matches (30 ms at
// 100,000 events, growing with the log, against 1 ms planned for the
// value). Planning each read costs a few tens of µs; the writer's
// statements, the same shape every time, keep their cached plans. A pool
// whose URL chose another execution mode (default_query_exec_mode, for a
// pooler or a proxy) or no description cache keeps that choice for reads
// too.
func PGXReads(pool *pgxpool.Pool) DB {
	conn := pool.Config().ConnConfig
	if conn.DefaultQueryExecMode != pgx.QueryExecModeCacheStatement || conn.DescriptionCacheCapacity == 0 {
		return PGX(pool)
	}
	return &pgxDB{pgxQuerier{r: pool, mode: []any{pgx.QueryExecModeCacheDescribe}}, pool}
}

// pgxRunner is what a pgx pool and a pgx transaction share.
type pgxRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgxQuerier runs statements on r; mode, when set, is the pgx query
// execution mode passed before every statement's arguments.
type pgxQuerier struct {
	r    pgxRunner
	mode []any
}

func (q pgxQuerier) with(args []any) []any {
	if q.mode == nil {
		return args
	}
	return append(q.mode[:len(q.mode):len(q.mode)], args...)
}

func (q pgxQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.r.Exec(ctx, query, q.with(args)...)
	return tag.RowsAffected(), err
}

func (q pgxQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.Query(ctx, query, q.with(args)...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// QueryRow's Scan reports pgx.ErrNoRows, which matches sql.ErrNoRows.
func (q pgxQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return q.r.QueryRow(ctx, query, q.with(args)...)
}

// pgxDB is a pool's DB; its transactions run statements in its mode.
type pgxDB struct {
	pgxQuerier
	pool *pgxpool.Pool
}

func (d *pgxDB) InTx(ctx context.Context, f func(Tx) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		return f(pgxTx{pgxQuerier{r: tx, mode: d.mode}, tx})
	})
}

func (d *pgxDB) Prepare(context.Context, ...string) error { return nil }

func (d *pgxDB) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

func (d *pgxDB) Close() error {
	d.pool.Close()
	return nil
}

type pgxTx struct {
	pgxQuerier
	tx pgx.Tx
}

func (t pgxTx) ExecBatch(ctx context.Context, stmts []Stmt) error {
	var b pgx.Batch
	for _, s := range stmts {
		b.Queue(s.SQL, s.Args...)
	}
	return t.tx.SendBatch(ctx, &b).Close()
}
