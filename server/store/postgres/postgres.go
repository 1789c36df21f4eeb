package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	*sqlstore.Store
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL; a search_path
// parameter selects the schema) and brings its schema up to date, with the
// store options opts.
func Open(ctx context.Context, url string, opts ...sqlstore.Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error would quote the URL, and with it maybe a password.
		return nil, errors.New("postgres: cannot parse the database URL")
	}
	serialPlans(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := schemaExists(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s, err := sqlstore.Open(ctx, sqlstore.Config{
		Dialect: sqlstore.PostgreSQL, Write: sqlstore.PGX(pool), Read: sqlstore.PGXReads(pool),
		Options: sqlstore.NewOptions(opts...),
	})
	if err != nil {
		return nil, err
	}
	return &Store{Store: s, pool: pool}, nil
}

// errNoSchema: the first schema of search_path does not exist, so the
// migrations would create the tables elsewhere (in the next schema of the
// path) or nowhere (PostgreSQL's "no schema has been selected to create
// in", which does not say why).
var errNoSchema = errors.New("postgres: the first schema of the URL's search_path does not exist: create it first (CREATE SCHEMA name)")

// errNoSchemaUsable: a schema of search_path exists but the user may not
// use it.
var errNoSchemaUsable = errors.New("postgres: the user may use no schema of the URL's search_path (GRANT USAGE, CREATE ON SCHEMA name TO user)")

// schemaExists checks that the first schema search_path names (other than
// the default "$user") exists and that the connection can use a schema of
// the path.
func schemaExists(ctx context.Context, pool *pgxpool.Pool) error {
	var path string
	var current *string
	if err := pool.QueryRow(ctx, "SELECT current_setting('search_path'), current_schema()").Scan(&path, &current); err != nil {
		return fmt.Errorf("postgres: open: %w", sqlstore.PostgreSQL.Scrub(err))
	}
	if name, ok := firstSchema(path); ok {
		var exists bool
		if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: open: %w", sqlstore.PostgreSQL.Scrub(err))
		}
		if !exists {
			return errNoSchema
		}
	}
	if current == nil {
		return errNoSchemaUsable
	}
	return nil
}

// firstSchema returns the first schema of a search_path setting, unquoted;
// false for none, or for "$user" (the default path: the server picks).
func firstSchema(path string) (string, bool) {
	first, _, _ := strings.Cut(path, ",")
	first = strings.TrimSpace(first)
	if first == "" || first == `"$user"` || first == "$user" {
		return "", false
	}
	if unq, ok := strings.CutPrefix(first, `"`); ok {
		return strings.ReplaceAll(strings.TrimSuffix(unq, `"`), `""`, `"`), true
	}
	return strings.ToLower(first), true
}

// noParallel is the connection parameter that keeps PostgreSQL from
// planning parallel workers.
const noParallel = "max_parallel_workers_per_gather"

// serialPlans turns parallel query off on the pool's connections unless the
// URL sets it. Every statement of the store reads one index range, or a
// page and its rows; PostgreSQL cannot estimate how few events the
// stragglers' partial index holds (its predicate compares two columns), and
// when it thinks many it launches workers whose start costs 40–60 ms for a
// read that finds nothing (docs/benchmarks.md, eighth session).
func serialPlans(cfg *pgxpool.Config) {
	if _, set := cfg.ConnConfig.RuntimeParams[noParallel]; !set {
		cfg.ConnConfig.RuntimeParams[noParallel] = "0"
	}
}
