package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/connevents/connevents/server/store"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// appending admits one Append of this process at a time, so appends
	// queue here rather than each holding a pooled connection while they
	// wait for the log_head lock (which would starve readers).
	appending chan struct{}
	dbID      string
	closed    atomic.Bool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL; a search_path
// parameter selects the schema) and brings its schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error would quote the URL, and with it maybe a password.
		return nil, errors.New("postgres: cannot parse the database URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool, appending: make(chan struct{}, 1)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, s.wrap("connect", err)
	}
	if s.dbID, err = migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, s.wrap("migrate", err)
	}
	return s, nil
}

// DatabaseID returns the random id created with the database.
func (s *Store) DatabaseID() string { return s.dbID }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.wrap("ping", s.pool.Ping(ctx))
}

// Close releases the pool; further calls return store.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return store.ErrClosed
	}
	s.pool.Close()
	return nil
}

func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// wrap adds the operation to a driver error. A server error keeps only its
// code, message and constraint: its detail may quote row values.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		err = &ServerError{Code: pgErr.Code, Message: pgErr.Message, Constraint: pgErr.ConstraintName}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
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
