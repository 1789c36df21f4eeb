// Package pgtest gives tests a PostgreSQL database of their own: a new,
// empty schema on the test server, dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerURL is the test server: $CONNEVENTS_TEST_POSTGRES or the local
// default (trust authentication, database test).
func ServerURL() string {
	if raw := os.Getenv("CONNEVENTS_TEST_POSTGRES"); raw != "" {
		return raw
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Schema returns the URL of a new, empty schema on the test server (its
// search_path set), dropped when the test ends, after the stores opened on
// it are closed (cleanups run last-in first-out). It skips the test when
// the server cannot be reached, or fails it when CI=true.
func Schema(t testing.TB) string {
	t.Helper()
	raw := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		msg := "PostgreSQL test server unreachable (set CONNEVENTS_TEST_POSTGRES): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	name := "connevents_test_" + strings.ToLower(rand.Text())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		_ = conn.Close(context.Background())
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		_ = conn.Close(ctx)
	})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal("CONNEVENTS_TEST_POSTGRES is not a URL")
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
