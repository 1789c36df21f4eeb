package sqlite

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/connevents/connevents/server/store"
)

// openTemp opens a new database in the test's temporary directory and
// closes it when the test ends.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(tb.Context(), filepath.Join(tb.TempDir(), "events.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}
