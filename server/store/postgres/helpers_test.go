package postgres

import (
	"testing"

	"github.com/connevents/connevents/server/store/postgres/pgtest"
)

// openTemp opens a store in a new schema of its own (pgtest.Schema), dropped
// when the test ends, so tests are isolated and may run in parallel.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	s := openURL(tb, pgtest.Schema(tb))
	if s == nil {
		tb.FailNow()
	}
	return s
}
