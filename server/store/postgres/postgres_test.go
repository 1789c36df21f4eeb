package postgres

import (
	"errors"
	"net/url"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/server/store/storetest"
)

func newStore(tb testing.TB) store.Store { return openTemp(tb) }

func TestConformance(t *testing.T) { storetest.RunAll(t, newStore) }

// TestReadsPlannedWithTheirArguments: reads are not cached prepared
// statements, which PostgreSQL would give a generic plan after five calls
// (for a rare event type, a walk of the whole log); the writer's are. On a
// pool of one connection, the connection's pg_prepared_statements shows
// which statements were prepared.
func TestReadsPlannedWithTheirArguments(t *testing.T) {
	s := openURL(t, pgtest.Schema(t)+"&pool_max_conns=1")
	if _, err := s.Append(t.Context(), []*conneventsv1.ConnectionEvent{storetest.SampleEvent(1)}); err != nil {
		t.Fatal(err)
	}
	filter := &conneventsv1.EventFilter{Types: []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED}}
	for range 7 {
		if _, err := s.List(t.Context(), store.Query{Filter: filter, Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	prepared := func(like string) int {
		var n int
		err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE $1", like).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := prepared("%FROM events e%ORDER BY e.sequence%"); n != 0 {
		t.Errorf("%d list statements are cached prepared statements; want none", n)
	}
	if n := prepared("INSERT INTO events%"); n == 0 {
		t.Error("the append's INSERT is not a cached prepared statement; the writer should keep its plans")
	}
}

// TestReadsKeepTheURLsExecutionMode: a URL that chose how pgx runs
// statements (here: no description cache, which the per-call planning of
// reads needs) keeps that choice for reads, which still work.
func TestReadsKeepTheURLsExecutionMode(t *testing.T) {
	for _, params := range []string{"&description_cache_capacity=0", "&default_query_exec_mode=simple_protocol"} {
		s := openURL(t, pgtest.Schema(t)+params)
		if _, err := s.Append(t.Context(), []*conneventsv1.ConnectionEvent{storetest.SampleEvent(1)}); err != nil {
			t.Fatalf("%s: append: %v", params, err)
		}
		page, err := s.List(t.Context(), store.Query{Limit: 10})
		if err != nil || len(page) != 1 {
			t.Fatalf("%s: list: %d events, %v", params, len(page), err)
		}
	}
}

// TestParallelQueryOffUnlessTheURLSetsIt: the store's connections plan no
// parallel workers (a read that finds nothing paid 40–60 ms to start them),
// unless the URL asks for them.
func TestParallelQueryOffUnlessTheURLSetsIt(t *testing.T) {
	for _, tc := range []struct{ params, want string }{
		{"", "0"},
		{"&max_parallel_workers_per_gather=2", "2"},
	} {
		s := openURL(t, pgtest.Schema(t)+tc.params)
		var got string
		if err := s.pool.QueryRow(t.Context(), "SHOW max_parallel_workers_per_gather").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("URL params %q: max_parallel_workers_per_gather = %s, want %s", tc.params, got, tc.want)
		}
	}
}

// TestOpenSaysTheSchemaIsMissing: a search_path naming no existing schema
// is refused at Open with what to do, not PostgreSQL's "no schema has been
// selected to create in" from the first migration.
func TestOpenSaysTheSchemaIsMissing(t *testing.T) {
	u, err := url.Parse(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Schema(t) // skips (or fails under CI) without a server
	q := u.Query()
	// Alone, or before one that exists: the tables would go there.
	for _, path := range []string{"connevents_test_never_created", "connevents_test_never_created,public"} {
		q.Set("search_path", path)
		u.RawQuery = q.Encode()
		s, err := Open(t.Context(), u.String())
		if err == nil {
			s.Close()
			t.Fatalf("Open with search_path %s succeeded", path)
		}
		if !errors.Is(err, errNoSchema) {
			t.Errorf("Open with search_path %s: %v, want %v", path, err, errNoSchema)
		}
	}
}

func TestFirstSchema(t *testing.T) {
	for _, c := range []struct {
		path, want string
		ok         bool
	}{
		{`"$user", public`, "", false},
		{"", "", false},
		{"connevents", "connevents", true},
		{"Connevents, public", "connevents", true},
		{`"My ""Schema""", public`, `My "Schema"`, true},
	} {
		if got, ok := firstSchema(c.path); got != c.want || ok != c.ok {
			t.Errorf("firstSchema(%q) = %q, %v; want %q, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}
