package storetest

import (
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// testRoundTrip: every field survives Append, Get and List; raw only when
// asked for.
func testRoundTrip(t *testing.T, newStore NewStore) {
	s := newStore(t)
	full, minimal := fullEvent(), minimalEvent(conneventsv1.Source_SOURCE_ONEUP, baseTime())
	got := mustAppend(t, s, full, minimal)
	seq := got[0].Event.GetSequence()
	if seq <= 0 || got[1].Event.GetSequence() != seq+1 {
		t.Fatalf("sequences %d, %d: want positive and consecutive", seq, got[1].Event.GetSequence())
	}
	for i, a := range got {
		if a.Duplicate {
			t.Errorf("result %d: Duplicate = true for a new event", i)
		}
	}
	assertEvent(t, "Append result (full)", got[0].Event, stored(full, seq, true))
	assertEvent(t, "Append result (minimal)", got[1].Event, stored(minimal, seq+1, true))

	inputs := []*conneventsv1.ConnectionEvent{full, minimal}
	for _, withRaw := range []bool{false, true} {
		for i, in := range inputs {
			want := stored(in, seq+int64(i), withRaw)
			assertEvent(t, "Get", mustGet(t, s, in.GetId(), withRaw), want)
		}
		list := mustList(t, s, store.Query{Order: store.Ascending, Limit: 10, WithRaw: withRaw})
		if len(list) != 2 {
			t.Fatalf("List returned %d events, want 2", len(list))
		}
		for i, in := range inputs {
			assertEvent(t, "List", list[i], stored(in, seq+int64(i), withRaw))
		}
	}
}

// testReturnsCopies: changing a returned event changes nothing stored.
func testReturnsCopies(t *testing.T, newStore NewStore) {
	s := newStore(t)
	ev := fullEvent()
	a := mustAppend(t, s, ev)[0].Event
	want := stored(ev, a.GetSequence(), true)
	a.Patient.ExternalId = "changed"
	got := mustGet(t, s, ev.GetId(), true)
	got.Raw[0] = 'X'
	got.Export.ResourcesByType["Patient"] = 99
	listed := mustList(t, s, store.Query{Limit: 1, WithRaw: true})
	listed[0].Connection.OrgConnectionId = "changed"
	assertEvent(t, "Get after changing returned copies", mustGet(t, s, ev.GetId(), true), want)
}

// testEmptyBatch: appending nothing succeeds and stores nothing.
func testEmptyBatch(t *testing.T, newStore NewStore) {
	s := newStore(t)
	got, err := s.Append(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Append(nil) = %d results, %v; want 0, nil", len(got), err)
	}
	if b := mustBounds(t, s); b != (store.Bounds{Oldest: 1, Head: 0}) {
		t.Errorf("Bounds after empty append = %+v, want {1 0}", b)
	}
}
