package sqlite

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestShared runs the two-process suite on two stores, each with its own
// writer connection, on one file.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "events.db")
		return openPath(t, path), openPath(t, path)
	})
}

// TestReopen: reopening keeps the id, the events and the head, and does not
// apply migrations again.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s := openPath(t, path)
	id := s.DatabaseID()
	if _, err := s.Append(t.Context(), []*conneventsv1.ConnectionEvent{storetest.SampleEvent(1), storetest.SampleEvent(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := openPath(t, path)
	if r.DatabaseID() != id {
		t.Errorf("DatabaseID after reopen = %q, want %q", r.DatabaseID(), id)
	}
	b, err := r.Bounds(t.Context())
	if err != nil || b != (store.Bounds{Oldest: 3, Head: 2}) {
		t.Errorf("Bounds after reopen = %+v, %v; want {3 2}", b, err)
	}
	var versions, highest int // one row per migration
	if err := r.read.QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&versions, &highest); err != nil || versions != highest || versions < 3 {
		t.Errorf("schema_migrations has %d rows up to version %d (%v), want one per version", versions, highest, err)
	}
}

// TestConcurrentOpen: processes starting together on a new file migrate it
// once and agree on its id.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	stores := make([]*Store, 4)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i] = openPath(t, path) })
	}
	wg.Wait()
	for _, s := range stores[1:] {
		if s == nil || stores[0] == nil || s.DatabaseID() != stores[0].DatabaseID() {
			t.Fatalf("stores disagree on the database id")
		}
	}
}

func TestOpenRejectsURIs(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro", "x#y"} {
		if s, err := Open(t.Context(), path); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func openPath(tb testing.TB, path string, opts ...sqlstore.Option) *Store {
	tb.Helper()
	s, err := Open(tb.Context(), path, opts...)
	return storetest.Opened(tb, s, err)
}

// TestRebuildRepairs: a rebuild repairs journeys damaged behind the store's
// back and sets the journeys of events stored before them.
func TestRebuildRepairs(t *testing.T) {
	s := openTemp(t)
	storetest.RunCorruption(t, s, func(t *testing.T, sql string) {
		if _, err := s.write.ExecContext(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	})
}
