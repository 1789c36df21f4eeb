package ingest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ev(id string) *conneventsv1.ConnectionEvent {
	return &conneventsv1.ConnectionEvent{Source: conneventsv1.Source_SOURCE_FASTEN, SourceEventId: id, SourceEventType: "t"}
}

type notified struct {
	mu   sync.Mutex
	seqs []int64
}

func (n *notified) Committed(evs []*conneventsv1.ConnectionEvent) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range evs {
		n.seqs = append(n.seqs, e.GetSequence())
	}
}

// Concurrent callers each get their own results, in their order; the
// notifier sees every new event once, in sequence order; duplicates are
// reported, not stored.
func TestConcurrentIngest(t *testing.T) {
	n := &notified{}
	in := New(newStore(t), WithNotifier(n))
	defer in.Close()
	var wg sync.WaitGroup
	for c := 0; c < 20; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := []*conneventsv1.ConnectionEvent{ev(fmt.Sprint("a", c)), ev("shared"), ev(fmt.Sprint("b", c))}
			got, err := in.Ingest(context.Background(), batch)
			if err != nil {
				t.Error(err)
				return
			}
			if got[0].Event.GetSourceEventId() != fmt.Sprint("a", c) || got[2].Event.GetSourceEventId() != fmt.Sprint("b", c) {
				t.Errorf("caller %d got another caller's results", c)
			}
		}()
	}
	wg.Wait()
	in.Close() // the committer publishes after answering: wait for it
	if len(n.seqs) != 41 {
		t.Fatalf("notified %d new events, want 41 (40 distinct + 1 shared)", len(n.seqs))
	}
	for i, s := range n.seqs {
		if s != int64(i+1) {
			t.Fatalf("notifications out of sequence order: %v", n.seqs)
		}
	}
}

func TestStamps(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	in := New(newStore(t), WithClock(func() time.Time { return now }))
	defer in.Close()
	given := ev("with-time")
	given.OccurredAt = timestamppb.New(now.Add(-time.Hour))
	got, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ev("no-time"), given})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Event.GetId() == "" || !got[0].Event.GetReceivedAt().AsTime().Equal(now) || !got[0].Event.GetOccurredAt().AsTime().Equal(now) {
		t.Errorf("an event without a time: %v", got[0].Event)
	}
	if !got[1].Event.GetOccurredAt().AsTime().Equal(now.Add(-time.Hour)) {
		t.Errorf("a given occurred_at was replaced: %v", got[1].Event.GetOccurredAt())
	}
}

// A request whose event cannot be stored fails alone, even when it shares a
// transaction with others.
func TestBadEventFailsOnlyItsRequest(t *testing.T) {
	in := New(newStore(t))
	defer in.Close()
	good := &request{events: []*conneventsv1.ConnectionEvent{ev("good")}, reply: make(chan reply, 1)}
	bad := ev("bad")
	bad.SourceEventType = "\xff\xfe not UTF-8"
	badReq := &request{events: []*conneventsv1.ConnectionEvent{bad}, reply: make(chan reply, 1)}
	if err := in.stamp(good.events); err != nil {
		t.Fatal(err)
	}
	bad.Id = "bad-id" // stamp refuses it (Storable): this is the store's own check
	in.commit([]*request{good, badReq})
	if r := <-good.reply; r.err != nil || r.appended[0].Duplicate {
		t.Fatalf("the good request: %+v", r)
	}
	if r := <-badReq.reply; !errors.Is(r.err, store.ErrInvalidEvent) {
		t.Fatalf("the bad request: %v, want ErrInvalidEvent", r.err)
	}
}

func TestClosed(t *testing.T) {
	in := New(newStore(t))
	in.Close()
	if _, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ev("late")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

func TestStoreFailureReachesEveryCaller(t *testing.T) {
	st := newStore(t)
	in := New(st)
	defer in.Close()
	st.Close()
	if _, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ev("x")}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("with a closed store: %v", err)
	}
}
