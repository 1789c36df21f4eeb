package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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
		if err := b.fill(ctx, st, size); err != nil {
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
	if err := b.fill(ctx, st, size); err != nil {
		st.Close()
		drop()
		return nil, nil, err
	}
	return st, func() { st.Close(); drop() }, nil
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
