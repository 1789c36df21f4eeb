package postgres

import (
	"context"
	"errors"
	"fmt"

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

// errNoSchema: no schema named in search_path exists, so the migrations
// have nowhere to create the tables (PostgreSQL's own message, "no schema
// has been selected to create in", does not say why).
var errNoSchema = errors.New("postgres: no schema of the URL's search_path exists: create it first (CREATE SCHEMA name)")

// schemaExists checks that the connection's search_path names a schema
// that exists.
func schemaExists(ctx context.Context, pool *pgxpool.Pool) error {
	var schema *string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("postgres: open: %w", sqlstore.PostgreSQL.Scrub(err))
	}
	if schema == nil {
		return errNoSchema
	}
	return nil
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
