package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
)

// busyTimeoutMS is how long a connection waits for another's lock (another
// process's writer, or a checkpoint) before failing with SQLITE_BUSY.
const busyTimeoutMS = "10000"

// Store is a store.Store on one SQLite database file.
type Store struct {
	*sqlstore.Store
	write *sql.DB // one connection: every write, serialized
	read  *sql.DB // query_only connections
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
	return &Store{Store: s, write: write, read: read}, nil
}

// writerParams: WAL with synchronous=FULL (durable on power loss), and
// BEGIN IMMEDIATE, which takes the write lock, for every transaction.
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
