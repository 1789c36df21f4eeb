package storetest

import (
	"testing"
	"time"

	"github.com/connevents/connevents/server/store"
)

// RunShared checks what the contract promises across processes: two stores
// on one database agree on the database id, the checkpoints and the head;
// concurrent appends of one key through both store it once; and concurrent
// appends through both get unique sequences that readers of either see in
// order. openPair opens two stores on one fresh database, as two processes
// or replicas of the service would, and closes them when t ends.
func RunShared(t *testing.T, openPair func(t *testing.T) (store.Store, store.Store)) {
	t.Helper()
	cases := []struct {
		name string
		run  func(*testing.T, store.Store, store.Store)
	}{
		{"SameDatabase", testSameDatabase},
		{"Duplicates", func(t *testing.T, a, b store.Store) { appendSameKey(t, a, b) }},
		{"Appends", func(t *testing.T, a, b store.Store) { appendAndFollow(t, a, b) }},
		{"PruneThenAppend", testPruneThenAppendElsewhere},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, b := openPair(t)
			c.run(t, a, b)
		})
	}
}

func testSameDatabase(t *testing.T, a, b store.Store) {
	if a.DatabaseID() == "" || a.DatabaseID() != b.DatabaseID() {
		t.Errorf("database ids %q and %q: want equal and non-empty", a.DatabaseID(), b.DatabaseID())
	}
	if err := a.PutCheckpoint(t.Context(), "k", "v1"); err != nil {
		t.Fatalf("PutCheckpoint: %v", err)
	}
	if got, err := b.GetCheckpoint(t.Context(), "k"); err != nil || got != "v1" {
		t.Errorf("GetCheckpoint through the other store = %q, %v; want v1", got, err)
	}
	ev := mustAppend(t, a, fullEvent())[0].Event
	assertEvent(t, "Get through the other store", mustGet(t, b, ev.GetId(), true), ev)
	assertBounds(t, "through the other store", b, store.Bounds{Oldest: 1, Head: 1})
}

// testPruneThenAppendElsewhere: a store that did not prune still never
// reuses a pruned sequence.
func testPruneThenAppendElsewhere(t *testing.T, a, b store.Store) {
	base := baseTime()
	appendMinimal(t, a, 3, base)
	mustPrune(t, a, base.Add(time.Hour), 3)
	got := appendMinimal(t, b, 1, base)
	if got[0].GetSequence() != 4 {
		t.Errorf("sequence after prune through the other store = %d, want 4", got[0].GetSequence())
	}
	assertBounds(t, "after prune and append", a, store.Bounds{Oldest: 4, Head: 4})
}
