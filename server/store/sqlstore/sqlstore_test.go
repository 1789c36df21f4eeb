package sqlstore

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/store/internal/eventsql"
)

func TestNumberedPlaceholders(t *testing.T) {
	cases := map[string]string{
		"SELECT 1":                       "SELECT 1",
		"a = ? AND b IN (?, ?)":          "a = $1 AND b IN ($2, $3)",
		"unnest(?::bigint[], ?::text[])": "unnest($1::bigint[], $2::text[])",
	}
	for in, want := range cases {
		if got := PostgreSQL.sql(in); got != want {
			t.Errorf("PostgreSQL.sql(%q) = %q, want %q", in, got, want)
		}
		if got := SQLite.sql(in); got != in {
			t.Errorf("SQLite.sql(%q) = %q, want it unchanged", in, got)
		}
	}
}

// TestValuesSplit: rows go in power-of-two statements of at most Max rows,
// row by row, and each statement is one of those Open prepares.
func TestValuesSplit(t *testing.T) {
	b := insertInto("t", "a", "b")
	stmts := SQLite.stmts(b, 5, []int64{1, 2, 3, 4, 5}, []*string{nil, nil, nil, nil, ptr("x")})
	prepared := map[string]bool{}
	for _, q := range SQLite.Rows.prepared(b) {
		prepared[q] = true
	}
	var sizes []int
	for _, s := range stmts {
		sizes = append(sizes, len(s.Args)/2)
		if !prepared[s.SQL] {
			t.Errorf("statement %q is not prepared", s.SQL)
		}
	}
	if !reflect.DeepEqual(sizes, []int{4, 1}) {
		t.Errorf("statement sizes %v, want [4 1]", sizes)
	}
	if got := stmts[1]; got.SQL != "INSERT INTO t (a, b) VALUES (?, ?)" || got.Args[0] != int64(5) || *got.Args[1].(*string) != "x" {
		t.Errorf("last statement %q %v", got.SQL, got.Args)
	}
	if n := len(SQLite.stmts(b, 200, make([]int64, 200), make([]int64, 200))); n != 4 {
		t.Errorf("200 rows in %d statements, want 4 (64+64+64+8)", n)
	}
}

func TestUnnest(t *testing.T) {
	b := withRows("k", []string{"a", "b"}, "SELECT * FROM k")
	stmts := PostgreSQL.stmts(b, 3, []int32{1, 2, 3}, [][]byte{{1}, {2}, {3}})
	if len(stmts) != 1 {
		t.Fatalf("%d statements, want 1", len(stmts))
	}
	want := "WITH k (a, b) AS (SELECT * FROM unnest($1::integer[], $2::bytea[])) SELECT * FROM k"
	if stmts[0].SQL != want || len(stmts[0].Args) != 2 {
		t.Errorf("statement %q with %d args, want %q with 2", stmts[0].SQL, len(stmts[0].Args), want)
	}
	if stmts := PostgreSQL.stmts(b, 0, []int32{}, [][]byte{}); len(stmts) != 0 {
		t.Errorf("no rows gave %d statements", len(stmts))
	}
}

func ptr[T any](v T) *T { return &v }

// TestStragglerIndexMatchesQueries: the planners use events_late only for
// queries whose condition reads as its predicate, and the window of the
// queries (eventsql.StragglerNanos) is the one the index was built with.
func TestStragglerIndexMatchesQueries(t *testing.T) {
	predicate := strings.ReplaceAll(eventsql.StragglerSQL, "e.", "")
	if !strings.HasSuffix(predicate, " - "+strconv.FormatInt(eventsql.StragglerNanos, 10)) {
		t.Fatalf("StragglerSQL %q is not StragglerNanos (%d) behind the running maximum", eventsql.StragglerSQL, eventsql.StragglerNanos)
	}
	for _, name := range []string{"0010_stragglers.sqlite.sql", "0010_stragglers.postgres.sql"} {
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "WHERE "+predicate+";") {
			t.Errorf("%s: events_late's predicate is not %q", name, predicate)
		}
	}
}
