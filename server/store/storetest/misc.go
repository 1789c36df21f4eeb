package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

func testGetUnknown(t *testing.T, newStore NewStore) {
	s := newStore(t)
	mustAppend(t, s, fullEvent())
	for _, id := range []string{newID(), "", "not-a-uuid"} {
		for _, withRaw := range []bool{false, true} {
			if _, err := s.Get(t.Context(), id, withRaw); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(unknown %q, %v) error = %v, want ErrNotFound", id, withRaw, err)
			}
		}
	}
}

func testInvalidEvent(t *testing.T, newStore NewStore) {
	cases := []struct {
		name  string
		spoil func(*conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent
	}{
		{"nil event", func(*conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent { return nil }},
		{"no id", func(e *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent { e.Id = ""; return e }},
		{"no source", func(e *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent {
			e.Source = conneventsv1.Source_SOURCE_UNSPECIFIED
			return e
		}},
		{"no source event id", func(e *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent { e.SourceEventId = ""; return e }},
	}
	for _, c := range cases {
		for _, badFirst := range []bool{false, true} {
			s := newStore(t)
			good, bad := fullEvent(), c.spoil(fullEvent())
			batch := []*conneventsv1.ConnectionEvent{good, bad}
			if badFirst {
				batch = []*conneventsv1.ConnectionEvent{bad, good}
			}
			if _, err := s.Append(t.Context(), batch); !errors.Is(err, store.ErrInvalidEvent) {
				t.Errorf("%s: Append error = %v, want ErrInvalidEvent", c.name, err)
			}
			assertBounds(t, c.name, s, store.Bounds{Oldest: 1, Head: 0})
			assertNotFound(t, s, good.GetId())
		}
	}
}

func testCheckpoints(t *testing.T, newStore NewStore) {
	s := newStore(t)
	ctx := t.Context()
	if _, err := s.GetCheckpoint(ctx, "oneup/poll"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetCheckpoint(missing) error = %v, want ErrNotFound", err)
	}
	steps := []struct{ key, value string }{
		{"oneup/poll", "2025-01-01T00:00:00Z"},
		{"oneup/poll", "2025-01-02T00:00:00Z|page=3"},
		{"other", ""},
		{"ключ ✓", "väl\nue"},
	}
	want := map[string]string{}
	for _, st := range steps {
		if err := s.PutCheckpoint(ctx, st.key, st.value); err != nil {
			t.Fatalf("PutCheckpoint: %v", err)
		}
		want[st.key] = st.value
		for k, v := range want {
			got, err := s.GetCheckpoint(ctx, k)
			if err != nil || got != v {
				t.Errorf("GetCheckpoint(%q) = %q, %v; want %q", k, got, err, v)
			}
		}
	}
}

func testDatabaseID(t *testing.T, newStore NewStore) {
	s, other := newStore(t), newStore(t)
	id := s.DatabaseID()
	if id == "" {
		t.Fatal("DatabaseID is empty")
	}
	mustAppend(t, s, fullEvent())
	if again := s.DatabaseID(); again != id {
		t.Errorf("DatabaseID changed from %q to %q", id, again)
	}
	if other.DatabaseID() == id {
		t.Errorf("two databases share the id %q", id)
	}
}

func testClosed(t *testing.T, newStore NewStore) {
	s := newStore(t)
	ev := mustAppend(t, s, fullEvent())[0].Event
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"Append", func(ctx context.Context) error {
			_, err := s.Append(ctx, []*conneventsv1.ConnectionEvent{fullEvent()})
			return err
		}},
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, ev.GetId(), true); return err }},
		{"List", func(ctx context.Context) error { _, err := s.List(ctx, store.Query{Limit: 1}); return err }},
		{"Bounds", func(ctx context.Context) error { _, err := s.Bounds(ctx); return err }},
		{"SequenceBefore", func(ctx context.Context) error { _, err := s.SequenceBefore(ctx, time.Now()); return err }},
		{"Prune", func(ctx context.Context) error { _, err := s.Prune(ctx, time.Now()); return err }},
		{"GetCheckpoint", func(ctx context.Context) error { _, err := s.GetCheckpoint(ctx, "k"); return err }},
		{"PutCheckpoint", func(ctx context.Context) error { return s.PutCheckpoint(ctx, "k", "v") }},
		{"Ping", func(ctx context.Context) error { return s.Ping(ctx) }},
		{"Close", func(context.Context) error { return s.Close() }},
	}
	for _, c := range calls {
		if err := c.call(ctx); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: error = %v, want ErrClosed", c.name, err)
		}
	}
}

func testBadLimit(t *testing.T, newStore NewStore) {
	s := newStore(t)
	mustAppend(t, s, fullEvent())
	for _, limit := range []int{0, -1} {
		if got, err := s.List(t.Context(), store.Query{Limit: limit}); err == nil {
			t.Errorf("List(limit %d) = %d events, nil error; want an error", limit, len(got))
		}
	}
}
