package postgres

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

const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testURL is the server the tests use: $CONNEVENTS_TEST_POSTGRES or the
// local default.
func testURL() string {
	if u := os.Getenv("CONNEVENTS_TEST_POSTGRES"); u != "" {
		return u
	}
	return defaultTestURL
}

// adminConn connects to the test server, or skips the test (fails it when
// CI=true) if the server cannot be reached.
func adminConn(tb testing.TB) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testURL())
	if err != nil {
		msg := "PostgreSQL test server unreachable (set CONNEVENTS_TEST_POSTGRES): " + err.Error()
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return conn
}

// openTemp opens a store in a new schema of its own, dropped when the test
// ends, so tests are isolated and may run in parallel.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	s := openURL(tb, withSearchPath(tb, testURL(), newSchema(tb)))
	if s == nil {
		tb.FailNow()
	}
	return s
}

// newSchema creates an empty schema with a random name and drops it (after
// the store is closed) when the test ends.
func newSchema(tb testing.TB) string {
	tb.Helper()
	conn := adminConn(tb)
	name := "connevents_test_" + strings.ToLower(rand.Text())
	if _, err := conn.Exec(tb.Context(), "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
		_ = conn.Close(ctx)
	})
	return name
}

func withSearchPath(tb testing.TB, raw, schema string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("CONNEVENTS_TEST_POSTGRES is not a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
