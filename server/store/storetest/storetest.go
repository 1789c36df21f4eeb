package storetest

import (
	"errors"
	"testing"

	"github.com/connevents/connevents/server/store"
)

// NewStore returns a fresh, empty store that is closed when tb ends (a
// second Close returning store.ErrClosed must be tolerated).
type NewStore func(tb testing.TB) store.Store

// RunAll runs the whole conformance suite against stores made by newStore.
func RunAll(t *testing.T, newStore NewStore) {
	t.Helper()
	cases := []struct {
		name string
		run  func(*testing.T, NewStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"ReturnsCopies", testReturnsCopies},
		{"EmptyBatch", testEmptyBatch},
		{"Idempotency", testIdempotency},
		{"ConcurrentDuplicates", testConcurrentDuplicates},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Order", testOrder},
		{"Paging", testPaging},
		{"PagingWindows", testPagingWindows},
		{"Filter", testFilter},
		{"FilterPaging", testFilterPaging},
		{"OccurredLate", testOccurredLate},
		{"ExtremeTimes", testExtremeTimes},
		{"BadLimit", testBadLimit},
		{"GetUnknown", testGetUnknown},
		{"InvalidEvent", testInvalidEvent},
		{"Bounds", testBounds},
		{"SequenceBefore", testSequenceBefore},
		{"SequenceBeforeOutOfOrder", testSequenceBeforeOutOfOrder},
		{"Prune", testPrune},
		{"PruneMany", testPruneMany},
		{"PruneOutOfOrder", testPruneOutOfOrder},
		{"PruneOutOfOrderMany", testPruneOutOfOrderMany},
		{"Checkpoints", testCheckpoints},
		{"DatabaseID", testDatabaseID},
		{"Closed", testClosed},
		{"DeadLetters", testDeadLetters},
		{"LongestKeys", testLongestKeys},
	}
	cases = append(cases, journeyCases...)
	cases = append(cases, accessCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore)
		})
	}
}

// Opened is for a backend's tests: it returns s, the result of an Open that
// returned err, and closes s when tb ends. On error it reports it and
// returns s as it is (nil).
func Opened[S store.Store](tb testing.TB, s S, err error) S {
	tb.Helper()
	if err != nil {
		tb.Errorf("Open: %v", err)
		return s
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}
