package sqlstore

import "context"

// Querier runs statements, on a pool or in a transaction.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow's Scan returns an error matching sql.ErrNoRows when there is
	// no row.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Stmt is one statement with its arguments.
type Stmt struct {
	SQL  string
	Args []any
}

// Tx is a write transaction.
type Tx interface {
	Querier
	// ExecBatch runs the statements in order, in as few round trips as the
	// driver allows (one on PostgreSQL).
	ExecBatch(ctx context.Context, stmts []Stmt) error
}

// DB is an open database: a pool of connections.
type DB interface {
	Querier
	// InTx runs f in a write transaction, committed when f returns nil and
	// rolled back otherwise.
	InTx(ctx context.Context, f func(Tx) error) error
	// Prepare prepares statements that transactions will run often, where
	// the driver does not cache prepared statements itself.
	Prepare(ctx context.Context, queries ...string) error
	Ping(ctx context.Context) error
	Close() error
}
