package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
)

// RunShared checks what the contract promises across processes: two stores
// on one database agree on the database id, the checkpoints, the head and
// the journeys (ids included), and mark a stalled journey once;
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
		{"SameJourneys", testSameJourneys},
		{"AlternatingJourneyWrites", testAlternatingJourneyWrites},
		{"MarkStalledOnce", testMarkStalledOnce},
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

// testSameJourneys: events of one connection appended through either store
// land in one journey, with one id, that both see alike.
func testSameJourneys(t *testing.T, a, b store.Store) {
	g := newJourneyGen(20, baseTime())
	x := mustAppend(t, a, g.event(0), g.event(1))
	y := mustAppend(t, b, g.event(0), g.event(1))
	for i := range 2 {
		if x[i].Event.GetConnectionId() != y[i].Event.GetConnectionId() {
			t.Errorf("connection %d has ids %q and %q through the two stores", i, x[i].Event.GetConnectionId(), y[i].Event.GetConnectionId())
		}
	}
	ja, jb := allJourneys(t, a), allJourneys(t, b)
	if len(ja) != 2 || len(jb) != 2 {
		t.Fatalf("%d and %d journeys, want 2", len(ja), len(jb))
	}
	for i := range ja {
		if !proto.Equal(ja[i], jb[i]) || ja[i].GetEventCount() != 2 {
			t.Errorf("journeys differ between the stores:\n%v\n%v", ja[i], jb[i])
		}
	}
	assertJourneysMatchLog(t, "two stores", a, time.Now())
}

// testAlternatingJourneyWrites: two stores appending to the same journeys
// in turn each fold into what the other wrote (neither folds into a state
// it remembers from its own last write).
func testAlternatingJourneyWrites(t *testing.T, a, b store.Store) {
	g := newJourneyGen(21, baseTime())
	stores := []store.Store{a, b}
	for i := range 12 {
		mustAppend(t, stores[i%2], g.event(0), g.event(1), g.event(2))
	}
	for _, j := range allJourneys(t, a) {
		if j.GetEventCount() != 12 {
			t.Errorf("journey %s counts %d events, want 12", j.GetId(), j.GetEventCount())
		}
	}
	assertJourneysMatchLog(t, "two stores in turn", b, time.Now())
}

// testMarkStalledOnce: MarkStalled run through both stores at once changes
// each journey once.
func testMarkStalledOnce(t *testing.T, a, b store.Store) {
	now := time.Now()
	for i := range 20 {
		mustAppend(t, a, authorizedAt(fmt.Sprintf("org-%d", i), now.Add(-time.Hour)))
	}
	head := mustChangeBounds(t, a).Head
	at := now.Add(journey.DefaultThresholds().Authorized)
	var wg sync.WaitGroup
	var total atomic.Int64
	for _, s := range []store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.MarkStalled(t.Context(), at)
			if err != nil {
				t.Errorf("MarkStalled: %v", err)
			}
			total.Add(n)
		}()
	}
	wg.Wait()
	if total.Load() != 20 {
		t.Errorf("MarkStalled changed %d journeys in all, want 20", total.Load())
	}
	if c := mustChanges(t, b, store.ChangeQuery{After: head, Limit: 100}); len(c) != 20 {
		t.Errorf("%d stall changes, want 20", len(c))
	}
}
