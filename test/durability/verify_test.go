package durability

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // the integrity check opens the file directly

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
)

// verifyDatabase checks the database after the last kill: integrity, no
// holes in the sequences, each key once, every acknowledged event as
// acknowledged.
func verifyDatabase(t *testing.T, dbPath string, led *ledger) {
	t.Helper()
	checkIntegrity(t, dbPath)
	st, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := readAll(t, st)
	led.mu.Lock()
	defer led.mu.Unlock()
	for key, a := range led.acks {
		got, ok := stored[key]
		switch {
		case !ok:
			t.Errorf("acknowledged event %s (sequence %d) is missing", key, a.sequence)
		case got != a:
			t.Errorf("event %s: acknowledged %+v, stored %+v", key, a, got)
		}
	}
}

func checkIntegrity(t *testing.T, dbPath string) {
	t.Helper()
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity check: %s", res)
	}
}

// readAll reads the whole log in sequence order, checking that sequences
// run from 1 to the head without a hole and that no key repeats.
func readAll(t *testing.T, st store.Store) map[string]ack {
	t.Helper()
	out := map[string]ack{}
	var last int64
	for {
		page, err := st.List(t.Context(), store.Query{Order: store.Ascending, After: last, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if ev.GetSequence() != last+1 {
				t.Fatalf("sequence %d follows %d: a hole", ev.GetSequence(), last)
			}
			last = ev.GetSequence()
			key := sourceName(ev.GetSource()) + "/" + ev.GetSourceEventId()
			if _, dup := out[key]; dup {
				t.Errorf("event %s is stored twice", key)
			}
			out[key] = ack{eventID: ev.GetId(), sequence: ev.GetSequence()}
		}
	}
	b, err := st.Bounds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.Head != last {
		t.Errorf("head %d, last stored sequence %d", b.Head, last)
	}
	return out
}

func sourceName(s conneventsv1.Source) string {
	if s == conneventsv1.Source_SOURCE_FASTEN {
		return "fasten"
	}
	return "oneup"
}
