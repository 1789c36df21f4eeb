package storetest

import (
	"testing"

	"github.com/connevents/connevents/server/store"
)

// NewStore returns a fresh, empty store that is closed when t ends (a second
// Close returning store.ErrClosed must be tolerated).
type NewStore func(t *testing.T) store.Store

// RunAll runs the whole conformance suite against stores made by newStore.
func RunAll(t *testing.T, newStore func(t *testing.T) store.Store) {
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore)
		})
	}
}
