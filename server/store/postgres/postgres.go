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
	s, err := sqlstore.Open(ctx, sqlstore.Config{
		Dialect: sqlstore.PostgreSQL, Write: sqlstore.PGX(pool), Read: sqlstore.PGXReads(pool),
		Options: sqlstore.NewOptions(opts...),
	})
	if err != nil {
		return nil, err
	}
	return &Store{Store: s, pool: pool}, nil
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
