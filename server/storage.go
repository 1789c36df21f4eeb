package server

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/server/store/sqlstore"
)

// openStore picks the backend from the --database URL: `sqlite:PATH` (the
// embedded default) or `postgres://…` / `postgresql://…`, and opens it with
// opts.
func openStore(ctx context.Context, url string, opts ...sqlstore.Option) (store.Store, string, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		st, err := sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite:"), opts...)
		if err != nil {
			return nil, "", fmt.Errorf("opening the store %s: %w", url, err)
		}
		return st, "sqlite", nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		st, err := postgres.Open(ctx, url, opts...)
		if err != nil {
			return nil, "", fmt.Errorf("opening the store %s: %w", redactURL(url), err)
		}
		return st, "postgres", nil
	}
	return nil, "", errors.New("--database must be sqlite:PATH or postgres://…")
}

// redactURL is a database URL fit for a message: its password, in the
// user info or a password parameter, is replaced by xxxxx.
func redactURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "postgres://… (unparseable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
