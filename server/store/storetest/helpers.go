package storetest

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
)

// mustAppend appends events and fails the test on error or on a result of
// the wrong length.
func mustAppend(t *testing.T, s store.Store, events ...*conneventsv1.ConnectionEvent) []store.Appended {
	t.Helper()
	got, err := s.Append(t.Context(), events)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(got) != len(events) {
		t.Fatalf("Append returned %d results for %d events", len(got), len(events))
	}
	return got
}

// appendMinimal appends n minimal events received one second apart from
// start, one per call, and returns them as stored.
func appendMinimal(t *testing.T, s store.Store, n int, start time.Time) []*conneventsv1.ConnectionEvent {
	t.Helper()
	out := make([]*conneventsv1.ConnectionEvent, n)
	for i := range out {
		ev := minimalEvent(conneventsv1.Source_SOURCE_ONEUP, start.Add(time.Duration(i)*time.Second))
		out[i] = mustAppend(t, s, ev)[0].Event
	}
	return out
}

// mustList lists q and fails the test on error.
func mustList(t *testing.T, s store.Store, q store.Query) []*conneventsv1.ConnectionEvent {
	t.Helper()
	got, err := s.List(t.Context(), q)
	if err != nil {
		t.Fatalf("List(%+v): %v", queryShape(q), err)
	}
	if len(got) > q.Limit {
		t.Fatalf("List returned %d events, limit %d", len(got), q.Limit)
	}
	return got
}

// queryShape is q without its filter values, for failure messages.
func queryShape(q store.Query) store.Query {
	q.Filter = nil
	return q
}

func mustBounds(t *testing.T, s store.Store) store.Bounds {
	t.Helper()
	b, err := s.Bounds(t.Context())
	if err != nil {
		t.Fatalf("Bounds: %v", err)
	}
	return b
}

func mustGet(t *testing.T, s store.Store, id string, withRaw bool) *conneventsv1.ConnectionEvent {
	t.Helper()
	ev, err := s.Get(t.Context(), id, withRaw)
	if err != nil {
		t.Fatalf("Get(withRaw=%v): %v", withRaw, err)
	}
	return ev
}

func seqsOf(events []*conneventsv1.ConnectionEvent) []int64 {
	out := make([]int64, len(events))
	for i, ev := range events {
		out[i] = ev.GetSequence()
	}
	return out
}

func assertSeqs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: sequences %v, want %v", what, got, want)
	}
}

// The connection id, which the store derives with its own secret, is held
// to its shape only: a journey id when the event belongs to a journey,
// empty otherwise (testConnectionIDs checks the ids themselves).
func assertEvent(t *testing.T, what string, got, want *conneventsv1.ConnectionEvent) {
	t.Helper()
	_, inJourney := journey.KeyOf(want)
	if id := got.GetConnectionId(); inJourney != journey.ValidID(id) || (!inJourney && id != "") {
		t.Errorf("%s: connection id %q, want a journey id: %v", what, id, inJourney)
	}
	got, want = withoutConnectionID(got), withoutConnectionID(want)
	if !proto.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, prototext.Format(got), prototext.Format(want))
	}
}

// withoutConnectionID returns a copy of ev without its connection id.
func withoutConnectionID(ev *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent {
	if ev == nil {
		return nil
	}
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	c.ConnectionId = ""
	return c
}

// stored returns a copy of ev as the store must return it: with seq set,
// and raw only when withRaw.
func stored(ev *conneventsv1.ConnectionEvent, seq int64, withRaw bool) *conneventsv1.ConnectionEvent {
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	c.Sequence = seq
	if !withRaw {
		c.Raw = nil
	}
	return c
}

// reversed returns a reversed copy of s.
func reversed[T any](s []T) []T {
	c := slices.Clone(s)
	slices.Reverse(c)
	return c
}

// seqRange returns the sequences from..to inclusive, ascending.
func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func protoEqual(a, b proto.Message) bool { return proto.Equal(a, b) }
