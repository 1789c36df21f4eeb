package postgres

import (
	"strings"
	"sync"
	"testing"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/server/store/sqlstore"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestShared runs the two-process suite on two pools on one schema.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		url := pgtest.Schema(t)
		return openURL(t, url), openURL(t, url)
	})
}

// TestConcurrentOpen: replicas starting together on an empty schema migrate
// it once and agree on its id; reopening applies nothing again.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.Schema(t)
	stores := make([]*Store, 4)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i] = openURL(t, url) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, s := range stores[1:] {
		if s.DatabaseID() != stores[0].DatabaseID() {
			t.Fatalf("stores disagree on the database id")
		}
	}
	r := openURL(t, url)
	var versions, highest int // one row per migration
	if err := r.pool.QueryRow(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&versions, &highest); err != nil || versions != highest || versions < 3 {
		t.Errorf("schema_migrations has %d rows up to version %d (%v), want one per version", versions, highest, err)
	}
}

func TestOpenBadURL(t *testing.T) {
	s, err := Open(t.Context(), "postgres://user:secret@%zz")
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded on a bad URL")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error quotes the password: %s", got)
	}
}

func openURL(tb testing.TB, url string, opts ...sqlstore.Option) *Store {
	tb.Helper()
	s, err := Open(tb.Context(), url, opts...)
	return storetest.Opened(tb, s, err)
}

// TestRebuildRepairs: a rebuild repairs journeys damaged behind the store's
// back and sets the journeys of events stored before them.
func TestRebuildRepairs(t *testing.T) {
	s := openTemp(t)
	storetest.RunCorruption(t, s, func(t *testing.T, sql string) {
		if _, err := s.pool.Exec(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	})
}

// TestEarlierJourneyState: a journeys table as migration 7 left it (state
// as text, a JSON state) goes through migration 8 (state becomes bytea),
// and its journey still reads and takes the next event.
func TestEarlierJourneyState(t *testing.T) {
	url := pgtest.Schema(t)
	s := openURL(t, url)
	storetest.RunEarlierJourneyState(t, s, func(t *testing.T, id, state string) store.Store {
		for _, q := range []string{
			"DROP INDEX journeys_stage", "DROP INDEX journeys_api_mode", "DROP INDEX journeys_source",
			"ALTER TABLE journeys ALTER COLUMN state TYPE text USING encode(state, 'escape')",
			"UPDATE journeys SET state = $1 WHERE id = $2",
			"DELETE FROM schema_migrations WHERE version >= 8",
		} {
			var args []any
			if strings.Contains(q, "$1") {
				args = []any{state, id}
			}
			if _, err := s.pool.Exec(t.Context(), q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return openURL(t, url)
	})
}
