package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres"
	"github.com/connevents/connevents/server/store/sqlite"
)

// DefaultPostgres is the PostgreSQL server the query and replica rows use.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// errSkip marks a row that cannot run here (no PostgreSQL, no FUSE).
type errSkip struct{ reason string }

func (e errSkip) Error() string { return e.reason }

func errorsIsSkip(err error) bool {
	var s errSkip
	return errors.As(err, &s)
}

// queryStore opens a store of size events of real-looking traffic on
// backend: SQLite cached like the Get/List store, PostgreSQL in a new
// schema of random name, dropped by done.
func (b *Bench) queryStore(ctx context.Context, backend string, size int) (store.Store, func(), error) {
	if backend == "SQLite" {
		path, err := b.sqliteStorePath(size)
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		if err := b.fill(ctx, st, size); err == nil {
			err = b.warmFiles(path, path+"-wal")
		}
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	pgURL, drop, err := b.postgresSchema(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.Open(ctx, pgURL)
	if err != nil {
		drop()
		return nil, nil, err
	}
	if err := b.fill(ctx, st, size); err == nil {
		err = b.warmSchema(ctx, pgURL)
	}
	if err != nil {
		st.Close()
		drop()
		return nil, nil, err
	}
	return st, func() { st.Close(); drop() }, nil
}

// warmFiles reads SQLite files into the operating system's page cache.
// The query and read rows time a store whose pages are in memory, as a
// served database's are: this machine's disk reads about 30 MB/s, so a page
// not yet read costs milliseconds, and a store just built is mostly not in
// the page cache (the kernel kept 55 MB of a 1 GB file just written).
// Timed cold, a filter's p99 would be set by which random patient's index
// pages happened to be read before, not by its plan.
func (b *Bench) warmFiles(paths ...string) error {
	b.progress.say("reading the store into the page cache")
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// warmSchema reads every table and index of the URL's schema into the
// operating system's page cache with pg_prewarm (a contrib extension
// shipped with PostgreSQL); where it cannot be created the store is timed
// as it is, and the progress line says so.
func (b *Bench) warmSchema(ctx context.Context, pgURL string) error {
	b.progress.say("reading the schema into the page cache (pg_prewarm)")
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA public"); err != nil {
		b.progress.say("pg_prewarm unavailable, timing the schema cold: " + err.Error())
		return nil
	}
	_, err = conn.Exec(ctx, `SELECT public.pg_prewarm(c.oid, 'read') FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i')`)
	return err
}

// sqliteStorePath is where the SQLite store of size events lives.
func (b *Bench) sqliteStorePath(size int) (string, error) {
	dir := b.cfg.CacheDir
	if dir == "" {
		dir = b.tmp
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("connevents-bench-%d-v%d.db", size, readStoreVersion)), nil
}

// postgresSchema creates a schema of random name on b.cfg.Postgres and
// returns a URL whose search_path selects it, and a func that drops it.
func (b *Bench) postgresSchema(ctx context.Context) (string, func(), error) {
	if b.cfg.Postgres == "" {
		return "", nil, errSkip{"no PostgreSQL (--postgres)"}
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, b.cfg.Postgres)
	if err != nil {
		return "", nil, errSkip{"PostgreSQL unreachable: " + err.Error()}
	}
	name := "connevents_bench_" + strings.ToLower(rand.Text())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = conn.Exec(dctx, "DROP SCHEMA "+name+" CASCADE")
		_ = conn.Close(dctx)
	}
	u, err := url.Parse(b.cfg.Postgres)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// fill appends real-looking traffic until the store holds size events.
func (b *Bench) fill(ctx context.Context, st store.Store, size int) error {
	bounds, err := st.Bounds(ctx)
	if err != nil {
		return err
	}
	if bounds.Head >= int64(size) {
		return nil
	}
	t, err := newTraffic(size, uint64(size))
	if err != nil {
		return err
	}
	t.made = int(bounds.Head)
	var count atomic.Int64
	count.Store(bounds.Head)
	stop := b.progress.start(fmt.Sprintf("building a store of %d events", size), &count)
	defer stop()
	for count.Load() < int64(size) {
		n := min(1000, size-int(count.Load()))
		if _, err := st.Append(ctx, t.batch(n)); err != nil {
			return err
		}
		count.Add(int64(n))
	}
	// A service's tables have planner statistics (PostgreSQL's autovacuum
	// analyzes them); a table just filled has none until autovacuum comes
	// by, mid-run, and its plans until then are not a service's.
	if a, ok := st.(interface{ Analyze(context.Context) error }); ok {
		return a.Analyze(ctx)
	}
	return nil
}
