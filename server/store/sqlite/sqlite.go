package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/connevents/connevents/server/store"
)

// busyTimeoutMS is how long a connection waits for another's lock (another
// process's writer, or a checkpoint) before failing with SQLITE_BUSY.
const busyTimeoutMS = "10000"

// Store is a store.Store on one SQLite database file.
type Store struct {
	write  *sql.DB // one connection: every write, serialized
	read   *sql.DB // query_only connections
	stmts  *statements
	dbID   string
	closed atomic.Bool
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path and brings
// its schema up to date. path is a file name, not a URI; ":memory:" is not
// supported since the reader and writer connections must share the file.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, errors.New("sqlite: path must be a plain file name")
	}
	s := &Store{}
	if err := s.open(ctx, path); err != nil {
		s.closeDBs()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, path string) error {
	var err error
	if s.write, err = openDB(path, writerParams(), 1); err != nil {
		return err
	}
	if s.dbID, err = migrate(ctx, s.write); err != nil {
		return err
	}
	if s.read, err = openDB(path, readerParams(), max(4, runtime.NumCPU())); err != nil {
		return err
	}
	if err = s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open reader: %w", err)
	}
	s.stmts, err = prepare(ctx, s.write, lookupKeys, insertEvents, insertRaw)
	return err
}

func writerParams() url.Values {
	return url.Values{
		"_pragma": {
			"busy_timeout(" + busyTimeoutMS + ")", "journal_mode(WAL)", "synchronous(FULL)",
			"foreign_keys(1)", "temp_store(MEMORY)",
		},
		"_txlock": {"immediate"},
	}
}

func readerParams() url.Values {
	return url.Values{
		"_pragma": {"busy_timeout(" + busyTimeoutMS + ")", "query_only(1)", "temp_store(MEMORY)"},
	}
}

func openDB(path string, params url.Values, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// DatabaseID returns the random id created with the database.
func (s *Store) DatabaseID() string { return s.dbID }

// Ping reports whether both the reader pool and the writer can serve.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.read.PingContext(ctx); err != nil {
		return s.wrap("ping", err)
	}
	return s.wrap("ping", s.write.PingContext(ctx))
}

// Close releases the store; further calls return store.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return store.ErrClosed
	}
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.stmts != nil {
		errs = append(errs, s.stmts.close())
	}
	for _, db := range []*sql.DB{s.read, s.write} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// wrap adds the operation to a driver error. Driver errors name tables and
// constraints, never values.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
