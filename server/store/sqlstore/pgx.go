package sqlstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PGX returns the DB of a pgx pool. pgx prepares and caches statements on
// its own, so Prepare does nothing; ExecBatch sends one pgx.Batch.
func PGX(pool *pgxpool.Pool) DB { return &pgxDB{pgxQuerier{pool}, pool} }

// pgxRunner is what a pgx pool and a pgx transaction share.
type pgxRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgxQuerier struct{ r pgxRunner }

func (q pgxQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.r.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (q pgxQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// QueryRow's Scan reports pgx.ErrNoRows, which matches sql.ErrNoRows.
func (q pgxQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return q.r.QueryRow(ctx, query, args...)
}

type pgxDB struct {
	pgxQuerier
	pool *pgxpool.Pool
}

func (d *pgxDB) InTx(ctx context.Context, f func(Tx) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		return f(pgxTx{pgxQuerier{tx}, tx})
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
