package server

import (
	"context"
	"errors"
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
		if err != nil {
			return nil, "", fmt.Errorf("opening the store: %w", err)
		}
		return st, "sqlite", nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		st, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, "", fmt.Errorf("opening the store: %w", err)
		}
		return st, "postgres", nil
	}
	return nil, "", errors.New("--database must be sqlite:PATH or postgres://…")
}
