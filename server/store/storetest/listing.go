package storetest

import (
	"fmt"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// appendTen appends ten events (in batches of 1, 2, 3 and 4) to a fresh
// store and checks they got sequences 1..10.
func appendTen(t *testing.T, s store.Store) {
	t.Helper()
	var seqs []int64
	for _, n := range []int{1, 2, 3, 4} {
		batch := make([]*conneventsv1.ConnectionEvent, n)
		for i := range batch {
			batch[i] = minimalEvent(conneventsv1.Source_SOURCE_FASTEN, baseTime())
		}
		for _, a := range mustAppend(t, s, batch...) {
			seqs = append(seqs, a.Event.GetSequence())
		}
	}
	assertSeqs(t, "a fresh store's first ten events", seqs, seqRange(1, 10))
	if t.Failed() {
		t.FailNow()
	}
}

func testOrder(t *testing.T, newStore NewStore) {
	s := newStore(t)
	appendTen(t, s)
	cases := []struct {
		name  string
		order store.Order
		want  []int64
	}{
		{"ascending", store.Ascending, seqRange(1, 10)},
		{"descending", store.Descending, reversed(seqRange(1, 10))},
		{"zero value is descending", store.Order(0), reversed(seqRange(1, 10))},
	}
	for _, c := range cases {
		got := mustList(t, s, store.Query{Order: c.order, Limit: 100})
		assertSeqs(t, c.name, seqsOf(got), c.want)
	}
}

// testPaging walks the log page by page with keyset cursors, in both orders
// and for page sizes below, at and above the log's length.
func testPaging(t *testing.T, newStore NewStore) {
	s := newStore(t)
	appendTen(t, s)
	for _, order := range []store.Order{store.Ascending, store.Descending} {
		for _, size := range []int{1, 3, 5, 9, 10, 11} {
			t.Run(fmt.Sprintf("%s/size=%d", orderName(order), size), func(t *testing.T) {
				all := seqRange(1, 10)
				if order == store.Descending {
					all = reversed(all)
				}
				checkPages(t, s, order, size, all)
			})
		}
	}
}

func checkPages(t *testing.T, s store.Store, order store.Order, size int, all []int64) {
	t.Helper()
	q := store.Query{Order: order, Limit: size}
	for start := 0; ; start += size {
		want := all[min(start, len(all)):min(start+size, len(all))]
		page := seqsOf(mustList(t, s, q))
		assertSeqs(t, fmt.Sprintf("page at %d", start), page, want)
		if len(page) == 0 || t.Failed() {
			return
		}
		if order == store.Ascending {
			q.After = page[len(page)-1]
		} else {
			q.Before = page[len(page)-1]
		}
	}
}

// testPagingWindows checks After and Before, alone and together, at the
// edges of the log.
func testPagingWindows(t *testing.T, newStore NewStore) {
	s := newStore(t)
	appendTen(t, s)
	asc, desc := store.Ascending, store.Descending
	cases := []struct {
		name          string
		order         store.Order
		after, before int64
		limit         int
		want          []int64
	}{
		{"first page asc", asc, 0, 0, 3, seqRange(1, 3)},
		{"first page desc", desc, 0, 0, 3, []int64{10, 9, 8}},
		{"limit 1 asc", asc, 0, 0, 1, []int64{1}},
		{"limit 1 desc", desc, 0, 0, 1, []int64{10}},
		{"after head", asc, 10, 0, 5, nil},
		{"after beyond head", asc, 15, 0, 5, nil},
		{"after last but one", asc, 9, 0, 5, []int64{10}},
		{"before first", desc, 0, 1, 5, nil},
		{"before second", desc, 0, 2, 5, []int64{1}},
		{"before beyond head", desc, 0, 15, 3, []int64{10, 9, 8}},
		{"before head+1, all", desc, 0, 11, 100, reversed(seqRange(1, 10))},
		{"window asc", asc, 3, 7, 100, []int64{4, 5, 6}},
		{"window desc", desc, 3, 7, 100, []int64{6, 5, 4}},
		{"window asc limited", asc, 3, 7, 2, []int64{4, 5}},
		{"window desc limited", desc, 3, 7, 2, []int64{6, 5}},
		{"empty window", asc, 3, 4, 5, nil},
		{"inverted window", asc, 5, 5, 5, nil},
		{"after in desc", desc, 7, 0, 100, []int64{10, 9, 8}},
		{"before in asc", asc, 0, 4, 100, []int64{1, 2, 3}},
	}
	for _, c := range cases {
		got := mustList(t, s, store.Query{Order: c.order, After: c.after, Before: c.before, Limit: c.limit})
		assertSeqs(t, c.name, seqsOf(got), c.want)
	}
}

func orderName(o store.Order) string {
	if o == store.Ascending {
		return "asc"
	}
	return "desc"
}
