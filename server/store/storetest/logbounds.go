package storetest

import (
	"errors"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

func assertBounds(t *testing.T, what string, s store.Store, want store.Bounds) {
	t.Helper()
	if got := mustBounds(t, s); got != want {
		t.Errorf("Bounds %s = %+v, want %+v", what, got, want)
	}
}

func mustPrune(t *testing.T, s store.Store, before time.Time, want int64) {
	t.Helper()
	n, err := s.Prune(t.Context(), before)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != want {
		t.Errorf("Prune(%v) deleted %d, want %d", before, n, want)
	}
}

func testBounds(t *testing.T, newStore NewStore) {
	s := newStore(t)
	base := baseTime()
	assertBounds(t, "of an empty log", s, store.Bounds{Oldest: 1, Head: 0})
	appendMinimal(t, s, 5, base)
	assertBounds(t, "after 5 appends", s, store.Bounds{Oldest: 1, Head: 5})
	mustPrune(t, s, base.Add(2*time.Second), 2)
	assertBounds(t, "after pruning 2", s, store.Bounds{Oldest: 3, Head: 5})
	mustPrune(t, s, base.Add(time.Hour), 3)
	assertBounds(t, "after pruning all", s, store.Bounds{Oldest: 6, Head: 5})
	appendMinimal(t, s, 1, base)
	assertBounds(t, "after appending again", s, store.Bounds{Oldest: 6, Head: 6})
}

func testSequenceBefore(t *testing.T, newStore NewStore) {
	s := newStore(t)
	base := baseTime()
	checkSequenceBefore(t, s, "empty log", base, 0)
	appendMinimal(t, s, 5, base) // received at base+0s..4s: sequences 1..5
	cases := []struct {
		name string
		at   time.Time
		want int64
	}{
		{"before all", base.Add(-time.Second), 0},
		{"at the first", base, 0},
		{"1ns after the first", base.Add(time.Nanosecond), 1},
		{"at the second", base.Add(time.Second), 1},
		{"between", base.Add(2500 * time.Millisecond), 3},
		{"at the last", base.Add(4 * time.Second), 4},
		{"after all", base.Add(time.Hour), 5},
	}
	for _, c := range cases {
		checkSequenceBefore(t, s, c.name, c.at, c.want)
	}
	mustPrune(t, s, base.Add(2*time.Second), 2)
	checkSequenceBefore(t, s, "pruned part", base, 2)
	checkSequenceBefore(t, s, "after prune", base.Add(3*time.Second), 3)
	mustPrune(t, s, base.Add(time.Hour), 3)
	checkSequenceBefore(t, s, "all pruned", base.Add(time.Hour), 5)
}

// Under concurrent ingest received_at need not rise with sequence: an event
// received earlier may commit later. SequenceBefore must still never skip
// an event received at or after t.
func testSequenceBeforeOutOfOrder(t *testing.T, newStore NewStore) {
	s := newStore(t)
	base := baseTime()
	appendMinimal(t, s, 3, base.Add(time.Second))          // 1..3 received at base+1s..3s
	appendMinimal(t, s, 1, base.Add(500*time.Millisecond)) // 4 received at base+0.5s
	checkSequenceBefore(t, s, "a later sequence received earlier", base.Add(time.Second), 0)
	checkSequenceBefore(t, s, "only the late one after t", base.Add(250*time.Millisecond), 0)
	checkSequenceBefore(t, s, "after all", base.Add(time.Hour), 4)
}

func checkSequenceBefore(t *testing.T, s store.Store, what string, at time.Time, want int64) {
	t.Helper()
	got, err := s.SequenceBefore(t.Context(), at)
	if err != nil {
		t.Fatalf("SequenceBefore (%s): %v", what, err)
	}
	if got != want {
		t.Errorf("SequenceBefore (%s) = %d, want %d", what, got, want)
	}
}

func testPrune(t *testing.T, newStore NewStore) {
	s := newStore(t)
	base := baseTime()
	evs := appendMinimal(t, s, 6, base)
	mustPrune(t, s, base, 0)
	assertBounds(t, "after pruning nothing", s, store.Bounds{Oldest: 1, Head: 6})
	mustPrune(t, s, base.Add(3*time.Second), 3)
	for i, ev := range evs {
		_, err := s.Get(t.Context(), ev.GetId(), false)
		if pruned := i < 3; pruned != errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(event %d) after prune: %v (pruned=%v)", i, err, pruned)
		}
	}
	assertSeqs(t, "List after prune", seqsOf(mustList(t, s, store.Query{Order: store.Ascending, Limit: 10})), []int64{4, 5, 6})
	mustPrune(t, s, base.Add(3*time.Second), 0)
	mustPrune(t, s, base.Add(time.Hour), 3)
	assertBounds(t, "after pruning all", s, store.Bounds{Oldest: 7, Head: 6})
	again := mustAppend(t, s, stored(evs[0], 0, true))[0]
	if again.Duplicate || again.Event.GetSequence() != 7 {
		t.Errorf("re-appending a pruned event: duplicate=%v sequence=%d, want new with 7",
			again.Duplicate, again.Event.GetSequence())
	}
	assertBounds(t, "after re-appending", s, store.Bounds{Oldest: 7, Head: 7})
}

// testPruneMany prunes more events than a backend is likely to delete in
// one go.
func testPruneMany(t *testing.T, newStore NewStore) {
	const total, pruned = 3456, 3000
	s := newStore(t)
	base := baseTime()
	for start := 0; start < total; start += 1000 {
		batch := make([]*conneventsv1.ConnectionEvent, min(1000, total-start))
		for i := range batch {
			batch[i] = minimalEvent(conneventsv1.Source_SOURCE_FASTEN, base.Add(time.Duration(start+i)*time.Millisecond))
		}
		mustAppend(t, s, batch...)
	}
	mustPrune(t, s, base.Add(pruned*time.Millisecond), pruned)
	assertBounds(t, "after a large prune", s, store.Bounds{Oldest: pruned + 1, Head: total})
	checkSequenceBefore(t, s, "after a large prune", base, pruned)
}

// testPruneOutOfOrder: under concurrent ingest received_at need not rise
// with sequence. Prune must still delete only a prefix of the log, so that
// Bounds.Oldest flags every cursor into the pruned part: deleting a later
// event received earlier would leave a hole subscribers silently skip.
func testPruneOutOfOrder(t *testing.T, newStore NewStore) {
	s := newStore(t)
	base := baseTime()
	evs := appendMinimal(t, s, 3, base.Add(time.Second))                         // 1..3 received at base+1s..3s
	evs = append(evs, appendMinimal(t, s, 1, base.Add(500*time.Millisecond))...) // 4 received at base+0.5s
	all := func(what string, want ...int64) {
		t.Helper()
		assertSeqs(t, what, seqsOf(mustList(t, s, store.Query{Order: store.Ascending, Limit: 10})), want)
	}

	mustPrune(t, s, base.Add(time.Second), 0) // 1 was received at t: nothing before it goes
	assertBounds(t, "after pruning before the first", s, store.Bounds{Oldest: 1, Head: 4})
	all("List after pruning before the first", 1, 2, 3, 4)

	mustPrune(t, s, base.Add(2*time.Second), 1) // only 1, not 4
	assertBounds(t, "after pruning the prefix", s, store.Bounds{Oldest: 2, Head: 4})
	all("List after pruning the prefix", 2, 3, 4)
	assertEvent(t, "Get of a later event received earlier", mustGet(t, s, evs[3].GetId(), false), evs[3])
	checkSequenceBefore(t, s, "after pruning the prefix", base.Add(2*time.Second), 1)
	mustPrune(t, s, base.Add(2*time.Second), 0)

	mustPrune(t, s, base.Add(3500*time.Millisecond), 3) // none received at or after t: all go
	assertBounds(t, "after pruning all", s, store.Bounds{Oldest: 5, Head: 4})
	all("List after pruning all")
}

// testPruneOutOfOrderMany: the cut falls inside a chunk, past the first,
// with events after it received long before t.
func testPruneOutOfOrderMany(t *testing.T, newStore NewStore) {
	const total, cut = 2345, 1234 // sequence cut is the first received at or after t
	s := newStore(t)
	base := baseTime()
	at := func(seq int) time.Time {
		if seq == cut {
			return base.Add(time.Hour)
		}
		return base.Add(time.Duration(seq) * time.Millisecond)
	}
	for start := 1; start <= total; start += 1000 {
		batch := make([]*conneventsv1.ConnectionEvent, min(1000, total-start+1))
		for i := range batch {
			batch[i] = minimalEvent(conneventsv1.Source_SOURCE_FASTEN, at(start+i))
		}
		mustAppend(t, s, batch...)
	}
	mustPrune(t, s, base.Add(time.Hour), cut-1)
	assertBounds(t, "after pruning up to the cut", s, store.Bounds{Oldest: cut, Head: total})
	got := mustList(t, s, store.Query{Order: store.Ascending, Limit: total})
	if len(got) != total-cut+1 {
		t.Fatalf("List after pruning up to the cut: %d events, want %d", len(got), total-cut+1)
	}
	for i, ev := range got {
		if ev.GetSequence() != int64(cut+i) {
			t.Fatalf("List after pruning up to the cut: event %d has sequence %d, want %d", i, ev.GetSequence(), cut+i)
		}
	}
}
