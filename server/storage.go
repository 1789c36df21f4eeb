package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres"
	"github.com/connevents/connevents/server/store/sqlite"
)

// openStore picks the backend from the --database URL: `sqlite:PATH` (the
// embedded default) or `postgres://…` / `postgresql://…`.
func openStore(ctx context.Context, url string) (store.Store, string, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		st, err := sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite:"))
		return st, "sqlite", wrapOpen(err)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		st, err := postgres.Open(ctx, url)
		return st, "postgres", wrapOpen(err)
	}
	return nil, "", fmt.Errorf("--database must be sqlite:PATH or postgres://…")
}

func wrapOpen(err error) error {
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	return nil
}
