package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
)

// busyTimeout is how long a connection waits for another's lock (another
// process's writer, or a checkpoint) before failing with SQLITE_BUSY;
// busyTimeoutMS is it as the busy_timeout pragma takes it.
const busyTimeout = 10 * time.Second

var busyTimeoutMS = strconv.FormatInt(busyTimeout.Milliseconds(), 10)

// Checkpoints copy the WAL back into the database file. A background
// goroutine runs one every checkpointInterval on its own connection, so
// that the writer, which every commit waits for, does not: SQLite would
// otherwise run them in the committing transaction every 1,000 pages.
// walSafetyNet is the writer's own threshold, reached only if the
// background checkpoints fall behind.
const (
	checkpointInterval = 200 * time.Millisecond
	walSafetyNet       = 20_000 // pages
)

// Store is a store.Store on one SQLite database file.
type Store struct {
	*sqlstore.Store
	write *sql.DB // one connection: every write, serialized
	read  *sql.DB // query_only connections
	ckpt  *sql.DB // one connection: the background checkpoints

	stopCheckpoints func() // stops the checkpoint goroutine and waits for it
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path and brings
// its schema up to date, with the store options opts. path is a file name,
// not a URI; ":memory:" is not supported since the reader and writer
// connections must share the file.
func Open(ctx context.Context, path string, opts ...sqlstore.Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, errors.New("sqlite: path must be a plain file name")
	}
	if err := walMode(ctx, path); err != nil {
		return nil, fmt.Errorf("sqlite: connect: %w", err)
	}
	write, err := openDB(path, writerParams(), 1)
	if err != nil {
		return nil, err
	}
	read, err := openDB(path, readerParams(), max(4, runtime.NumCPU()))
	if err != nil {
		_ = write.Close()
		return nil, err
	}
	s, err := sqlstore.Open(ctx, sqlstore.Config{
		Dialect: sqlstore.SQLite, Write: sqlstore.SQL(write), Read: sqlstore.SQL(read),
		Options: sqlstore.NewOptions(opts...),
	})
	if err != nil {
		return nil, err
	}
	ckpt, err := openDB(path, checkpointerParams(), 1)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	st := &Store{Store: s, write: write, read: read, ckpt: ckpt}
	st.stopCheckpoints = st.startCheckpoints()
	return st, nil
}

// Close stops the checkpoints and closes the database.
func (s *Store) Close() error {
	s.stopCheckpoints()
	return errors.Join(s.Store.Close(), s.ckpt.Close())
}

// startCheckpoints runs a PASSIVE checkpoint every checkpointInterval:
// it copies what no reader still needs and never waits for a lock, so
// neither readers nor the writer wait for it.
func (s *Store) startCheckpoints() (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(checkpointInterval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				// A failed checkpoint is retried on the next tick; the
				// writer's safety net bounds the WAL meanwhile.
				_, _ = s.ckpt.Exec("PRAGMA wal_checkpoint(PASSIVE)")
			}
		}
	}()
	return sync.OnceFunc(func() { close(quit); <-done })
}

// walMode puts the file in WAL mode before the pools open it. Switching a
// new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY
// at once, without waiting out the busy timeout, while another process
// opening the same new file holds a lock; so the switch is retried for as
// long as the busy timeout. Once the file is in WAL mode, the writer's own
// journal_mode(WAL) changes nothing and takes no lock.
func walMode(ctx context.Context, path string) error {
	db, err := openDB(path, url.Values{"_pragma": {"busy_timeout(" + busyTimeoutMS + ")"}}, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	for deadline := time.Now().Add(busyTimeout); ; {
		_, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// writerParams: WAL with synchronous=FULL (durable on power loss), and
// BEGIN IMMEDIATE, which takes the write lock, for every transaction.
func writerParams() url.Values {
	return url.Values{
		"_pragma": {
			"busy_timeout(" + busyTimeoutMS + ")", "journal_mode(WAL)", "synchronous(FULL)",
			"foreign_keys(1)", "temp_store(MEMORY)", fmt.Sprintf("wal_autocheckpoint(%d)", walSafetyNet),
		},
		"_txlock": {"immediate"},
	}
}

// checkpointerParams: synchronous=FULL, so that a checkpoint syncs the
// database file before the WAL is reused.
func checkpointerParams() url.Values {
	return url.Values{"_pragma": {"busy_timeout(" + busyTimeoutMS + ")", "synchronous(FULL)"}}
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
