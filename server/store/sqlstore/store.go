package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
)

// Config is what a backend hands over to Open.
type Config struct {
	Dialect Dialect
	// Write runs every write transaction (appends, checkpoints, prunes,
	// migrations).
	Write DB
	// Read runs reads outside transactions; it may be Write.
	Read DB
	// Options are the store's settings, from NewOptions. (Zero thresholds
	// disable stalling.)
	Options Options
}

// Store is a store.Store on a SQL database.
type Store struct {
	d           Dialect
	write, read DB
	// appending admits one Append of this process at a time, so appends
	// queue here rather than each holding a pooled connection while they
	// wait for the write lock (which would starve readers).
	appending chan struct{}
	dbID      string
	namer     *journey.Namer
	states    *stateCache
	opts      Options
	closed    atomic.Bool
}

var _ store.Store = (*Store)(nil)

// Open brings the database's schema up to date and returns the Store on it.
// On error it closes the databases.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{d: cfg.Dialect, write: cfg.Write, read: cfg.Read, opts: cfg.Options, appending: make(chan struct{}, 1),
		states: newStateCache()}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if err := s.open(ctx); err != nil {
		_ = s.closeDBs()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := s.write.Ping(ctx); err != nil {
		return s.wrap("connect", err)
	}
	if err := s.migrate(ctx); err != nil {
		return s.wrap("migrate", err)
	}
	if err := s.read.Ping(ctx); err != nil {
		return s.wrap("connect", err)
	}
	var prepared []string
	for _, b := range batchStmts {
		for _, q := range s.d.Rows.prepared(b) {
			prepared = append(prepared, s.d.sql(q))
		}
	}
	return s.wrap("prepare", s.write.Prepare(ctx, prepared...))
}

// DatabaseID returns the random id created with the database.
func (s *Store) DatabaseID() string { return s.dbID }

// Ping reports whether the database answers, to reads and to writes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.read != s.write {
		if err := s.read.Ping(ctx); err != nil {
			return s.wrap("ping", err)
		}
	}
	return s.wrap("ping", s.write.Ping(ctx))
}

// Close releases the databases; further calls return store.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return store.ErrClosed
	}
	if err := s.closeDBs(); err != nil {
		return fmt.Errorf("%s: close: %w", s.d.Name, err)
	}
	return nil
}

func (s *Store) closeDBs() error {
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// wrap adds the backend and the operation to a driver error, scrubbed of
// row values.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	if s.d.Scrub != nil {
		err = s.d.Scrub(err)
	}
	return fmt.Errorf("%s: %s: %w", s.d.Name, op, err)
}
