package storetest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// testConcurrentDuplicates: many goroutines append the same key at once;
// exactly one event is stored and everyone gets it back.
func testConcurrentDuplicates(t *testing.T, newStore NewStore) {
	s := newStore(t)
	appendSameKey(t, s)
}

// appendSameKey appends 50 events with one key at once, spread over the
// stores, and checks exactly one is stored.
func appendSameKey(t *testing.T, stores ...store.Store) {
	t.Helper()
	const goroutines = 50
	base := fullEvent()
	results := make([]store.Appended, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines {
		ev := proto.Clone(base).(*conneventsv1.ConnectionEvent)
		ev.Id = newID()
		wg.Go(func() {
			<-start
			got, err := stores[i%len(stores)].Append(t.Context(), []*conneventsv1.ConnectionEvent{ev})
			if err != nil || len(got) != 1 {
				t.Errorf("goroutine %d: Append = %d results, %v", i, len(got), err)
				return
			}
			results[i] = got[0]
		})
	}
	close(start)
	wg.Wait()
	checkOneWinner(t, results)
	for _, s := range stores {
		all := mustList(t, s, store.Query{Limit: 100})
		if len(all) != 1 {
			t.Fatalf("stored %d events, want 1", len(all))
		}
		if b := mustBounds(t, s); b.Head != all[0].GetSequence() {
			t.Errorf("Head = %d, want %d", b.Head, all[0].GetSequence())
		}
	}
}

func checkOneWinner(t *testing.T, results []store.Appended) {
	t.Helper()
	winners := 0
	for i, r := range results {
		if !r.Duplicate {
			winners++
		}
		if r.Event.GetId() != results[0].Event.GetId() || r.Event.GetSequence() != results[0].Event.GetSequence() {
			t.Errorf("result %d: event %d, want the same as result 0 (%d)", i,
				r.Event.GetSequence(), results[0].Event.GetSequence())
		}
	}
	if winners != 1 {
		t.Errorf("%d appends stored a new event, want exactly 1", winners)
	}
}

// testConcurrentAppends: concurrent writers get unique consecutive
// sequences, and readers following the log never see a sequence before all
// lower ones are visible.
func testConcurrentAppends(t *testing.T, newStore NewStore) {
	appendAndFollow(t, newStore(t))
}

// appendAndFollow runs writers and two readers per store at once and checks
// what both sides saw.
func appendAndFollow(t *testing.T, stores ...store.Store) {
	t.Helper()
	const writers, batches = 8, 20
	var done atomic.Bool
	var readers sync.WaitGroup
	counts := make([]int, 2*len(stores))
	for r := range counts {
		readers.Go(func() { counts[r] = followLog(t, stores[r%len(stores)], &done) })
	}
	seqs := appendConcurrently(t, stores, writers, batches)
	done.Store(true)
	readers.Wait()
	slices.Sort(seqs)
	assertSeqs(t, "all appended", seqs, seqRange(1, int64(len(seqs))))
	for r, n := range counts {
		if n != len(seqs) {
			t.Errorf("reader %d saw %d events, want %d", r, n, len(seqs))
		}
	}
}

// appendConcurrently runs writers goroutines, spread over the stores, that
// each append batches of 1..4 new events, and returns every sequence
// assigned.
func appendConcurrently(t *testing.T, stores []store.Store, writers, batches int) []int64 {
	t.Helper()
	var mu sync.Mutex
	var all []int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				got := appendBatch(t, stores[w%len(stores)], (w+b)%4+1)
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all
}

// appendBatch appends n new events in one call, checks their sequences are
// consecutive and returns them. Safe to call from any goroutine.
func appendBatch(t *testing.T, s store.Store, n int) []int64 {
	batch := make([]*conneventsv1.ConnectionEvent, n)
	for i := range batch {
		batch[i] = minimalEvent(conneventsv1.Source_SOURCE_FASTEN, baseTime())
	}
	got, err := s.Append(t.Context(), batch)
	if err != nil || len(got) != n {
		t.Errorf("Append = %d results, %v", len(got), err)
		return nil
	}
	seqs := make([]int64, n)
	for i, a := range got {
		seqs[i] = a.Event.GetSequence()
		if a.Duplicate || (i > 0 && seqs[i] != seqs[i-1]+1) {
			t.Errorf("batch sequences %v (duplicate=%v): want new and consecutive", seqs[:i+1], a.Duplicate)
		}
	}
	return seqs
}

// followLog reads the log ascending, as a subscription does, until done is
// set and the log is drained; every event read must be the one right after
// the previous. It returns how many events it read.
func followLog(t *testing.T, s store.Store, done *atomic.Bool) int {
	var last int64
	n := 0
	for {
		finished := done.Load()
		page, err := s.List(t.Context(), store.Query{Order: store.Ascending, After: last, Limit: 7})
		if err != nil {
			t.Errorf("List: %v", err)
			return n
		}
		for _, ev := range page {
			if ev.GetSequence() != last+1 {
				t.Errorf("reader saw sequence %d right after %d", ev.GetSequence(), last)
				return n
			}
			last = ev.GetSequence()
			n++
		}
		if finished && len(page) == 0 {
			return n
		}
	}
}
