package storetest

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// keyedEvents returns named events: A, A2 and A3 share one (source,
// source_event_id) key but differ in id and content; AOneup has A's vendor id
// from the other source; B, C and D are unrelated.
func keyedEvents() map[string]*conneventsv1.ConnectionEvent {
	a := fullEvent()
	variant := func(typ string) *conneventsv1.ConnectionEvent {
		c := proto.Clone(a).(*conneventsv1.ConnectionEvent)
		c.Id, c.SourceEventType, c.Raw = newID(), typ, []byte(typ)
		return c
	}
	oneup := variant("other-source")
	oneup.Source = conneventsv1.Source_SOURCE_ONEUP
	return map[string]*conneventsv1.ConnectionEvent{
		"A": a, "A2": variant("second-delivery"), "A3": variant("third-delivery"),
		"AOneup": oneup, "B": fullEvent(), "C": fullEvent(), "D": fullEvent(),
	}
}

type idemItem struct {
	name  string // event appended
	dupOf string // event it duplicates; "" for a new event
}

func testIdempotency(t *testing.T, newStore NewStore) {
	cases := []struct {
		name   string
		before []string // appended first, one call each
		batch  []idemItem
	}{
		{"across calls", []string{"A"}, []idemItem{{"A2", "A"}}},
		{"twice across calls", []string{"A", "B"}, []idemItem{{"A3", "A"}, {"A2", "A"}}},
		{"within one batch", nil, []idemItem{{"A", ""}, {"B", ""}, {"A2", "A"}, {"A3", "A"}}},
		{"duplicates take no sequence", []string{"B"}, []idemItem{{"C", ""}, {"B", "B"}, {"D", ""}}},
		{"stored and in batch", []string{"A"}, []idemItem{{"C", ""}, {"A2", "A"}, {"D", ""}, {"A3", "A"}}},
		{"same vendor id, other source", []string{"A"}, []idemItem{{"AOneup", ""}, {"A2", "A"}}},
		{"whole batch duplicate", []string{"A", "B"}, []idemItem{{"B", "B"}, {"A", "A"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runIdemCase(t, newStore(t), c.before, c.batch)
		})
	}
}

func runIdemCase(t *testing.T, s store.Store, before []string, batch []idemItem) {
	t.Helper()
	evs := keyedEvents()
	seqOf := map[string]int64{}
	for _, name := range before {
		seqOf[name] = mustAppend(t, s, evs[name])[0].Event.GetSequence()
	}
	head := mustBounds(t, s).Head
	input := make([]*conneventsv1.ConnectionEvent, len(batch))
	for i, it := range batch {
		input[i] = evs[it.name]
	}
	got := mustAppend(t, s, input...)
	next := head + 1
	for i, it := range batch {
		if it.dupOf == "" {
			checkNew(t, i, got[i], evs[it.name], next)
			seqOf[it.name] = next
			next++
			continue
		}
		checkDup(t, i, got[i], evs[it.dupOf], seqOf[it.dupOf])
		if it.name != it.dupOf {
			assertNotFound(t, s, evs[it.name].GetId())
		}
	}
	if b := mustBounds(t, s); b.Head != next-1 {
		t.Errorf("Head after batch = %d, want %d", b.Head, next-1)
	}
}

func checkNew(t *testing.T, i int, got store.Appended, in *conneventsv1.ConnectionEvent, seq int64) {
	t.Helper()
	if got.Duplicate {
		t.Errorf("result %d: Duplicate = true, want a new event", i)
	}
	assertEvent(t, "new event", got.Event, stored(in, seq, true))
}

func checkDup(t *testing.T, i int, got store.Appended, original *conneventsv1.ConnectionEvent, seq int64) {
	t.Helper()
	if !got.Duplicate {
		t.Errorf("result %d: Duplicate = false, want a duplicate", i)
	}
	assertEvent(t, "duplicate returns the stored event", got.Event, stored(original, seq, false))
}

func assertNotFound(t *testing.T, s store.Store, id string) {
	t.Helper()
	if _, err := s.Get(t.Context(), id, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(duplicate's id) error = %v, want ErrNotFound", err)
	}
}
