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
