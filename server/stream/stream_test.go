package stream_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/stream"
)

func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// History and live delivery meet without a gap or a duplicate, even while
// events are committed during the switch.
func TestReplayThenLiveIsGapFree(t *testing.T) {
	e := newEnv(t, stream.Options{RingSize: 64, ReadBatch: 50})
	e.ingestN(t, 300, 7)
	r := e.subscribe(t, fromStart())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.ingestN(t, 700, 3) }()
	got := sequences(r.events(t, 1000))
	wg.Wait()
	if !slices.Equal(got, seqRange(1, 1000)) {
		t.Fatalf("delivered %d events, not exactly sequences 1..1000 in order (first %v)", len(got), got[:min(10, len(got))])
	}
}

// A subscriber that disconnects and resumes from its last cursor over and
// over, while events are ingested, ends up with exactly the log.
func TestResumeManyTimesMatchesLog(t *testing.T) {
	e := newEnv(t, stream.Options{RingSize: 128, ReadBatch: 20})
	const total, resumes = 4000, 1000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < total/4; i++ {
			e.ingestN(t, 4, 4)
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	var got []int64
	cursor := ""
	for i := 0; i < resumes || len(got) < total; i++ {
		req := fromStart()
		if cursor != "" {
			req = afterCursor(cursor)
		}
		r := e.subscribe(t, req)
		for k := rng.IntN(8) + 1; k > 0; k-- {
			item, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			if ev := item.GetEvent(); ev != nil {
				got = append(got, ev.GetSequence())
			}
			if len(got) >= total {
				break
			}
		}
		cursor = r.cursor
		r.cancel()
	}
	<-done
	if want := e.logSequences(t, nil); !slices.Equal(got, want) {
		t.Fatalf("received %d events, log has %d; they differ", len(got), len(want))
	}
}

// The stream opens with a checkpoint, and a filtered-out stream still
// advances its cursor with checkpoints.
func TestCheckpoints(t *testing.T) {
	e := newEnv(t, stream.Options{Heartbeat: 50 * time.Millisecond})
	nothing := &conneventsv1.EventFilter{Patient: "nobody"}
	r := e.subscribe(t, &conneventsv1.SubscribeEventsRequest{Filter: nothing})
	first, err := r.next()
	if err != nil || first.GetCheckpoint() == nil {
		t.Fatalf("first item = %v, %v; want a checkpoint", first, err)
	}
	e.ingestN(t, 10, 10)
	head := stream.EncodeCursor(e.store.DatabaseID(), 10)
	for r.cursor != head {
		item, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetCheckpoint() == nil {
			t.Fatalf("a filtered-out event was delivered: %v", item)
		}
	}
}

func TestFilterAndView(t *testing.T) {
	e := newEnv(t, stream.Options{})
	e.ingestN(t, 30, 30)
	f := &conneventsv1.EventFilter{Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}, Patient: "patient-1"}
	r := e.subscribe(t, &conneventsv1.SubscribeEventsRequest{Filter: f, View: conneventsv1.EventView_EVENT_VIEW_FULL,
		Start: fromStart().Start})
	want := e.logSequences(t, f)
	got := r.events(t, len(want))
	if !slices.Equal(sequences(got), want) {
		t.Fatalf("got %v, want %v", sequences(got), want)
	}
	if len(got[0].GetRaw()) == 0 {
		t.Fatal("full view lacks raw")
	}
	basic := e.subscribe(t, fromStart()).events(t, 1)
	if basic[0].GetRaw() != nil {
		t.Fatal("basic view carries raw")
	}
}

func TestStartTime(t *testing.T) {
	e := newEnv(t, stream.Options{})
	e.ingestN(t, 5, 5)
	time.Sleep(5 * time.Millisecond)
	mid := time.Now()
	time.Sleep(5 * time.Millisecond)
	e.ingestN(t, 5, 5)
	req := &conneventsv1.SubscribeEventsRequest{Start: &conneventsv1.SubscribeEventsRequest_StartTime{StartTime: timestamppbNew(mid)}}
	if got := sequences(e.subscribe(t, req).events(t, 5)); !slices.Equal(got, seqRange(6, 10)) {
		t.Fatalf("got %v, want 6..10", got)
	}
}

func TestBadCursors(t *testing.T) {
	e := newEnv(t, stream.Options{})
	e.ingestN(t, 10, 10)
	db := e.store.DatabaseID()
	if _, err := e.store.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		cursor string
		code   codes.Code
		reason reason.Reason
	}{
		{"malformed", "not a cursor!", codes.InvalidArgument, reason.CursorInvalid},
		{"other database", stream.EncodeCursor("another-db", 3), codes.FailedPrecondition, reason.CursorOtherDatabase},
		{"expired", stream.EncodeCursor(db, 3), codes.FailedPrecondition, reason.CursorExpired},
		{"ahead", stream.EncodeCursor(db, 99), codes.FailedPrecondition, reason.CursorAheadOfLog},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.subscribe(t, afterCursor(c.cursor)).next()
			if status.Code(err) != c.code || api.ReasonOf(err) != c.reason {
				t.Fatalf("got %v (reason %q), want %v %s", err, api.ReasonOf(err), c.code, c.reason)
			}
		})
	}
	_, err := e.subscribe(t, afterCursor(stream.EncodeCursor(db, 3))).next()
	oldest := api.ErrorInfoOf(err).GetMetadata()["oldest_cursor"]
	if oldest != stream.EncodeCursor(db, 10) {
		t.Fatalf("oldest_cursor = %q, want the cursor of sequence 10", oldest)
	}
	if _, err := e.subscribe(t, afterCursor(oldest)).next(); err != nil {
		t.Fatalf("resuming from oldest_cursor: %v", err)
	}
}

func TestMaxSubscriptions(t *testing.T) {
	e := newEnv(t, stream.Options{MaxSubscriptions: 2})
	for i := 0; i < 2; i++ {
		if _, err := e.subscribe(t, fromStart()).next(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.subscribe(t, fromStart()).next()
	if status.Code(err) != codes.ResourceExhausted || api.ReasonOf(err) != reason.TooManySubscriptions {
		t.Fatalf("third subscription: %v, want RESOURCE_EXHAUSTED %s", err, reason.TooManySubscriptions)
	}
}
