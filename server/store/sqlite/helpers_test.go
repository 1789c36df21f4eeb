package sqlite

import (
	"path/filepath"
	"testing"
)

// openTemp opens a new database in the test's temporary directory and
// closes it when the test ends.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	s := openPath(tb, filepath.Join(tb.TempDir(), "events.db"))
	if s == nil {
		tb.FailNow()
	}
	return s
}
