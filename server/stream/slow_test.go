package stream_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/stream"
)

func timestamppbNew(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// A subscriber that stops reading neither slows ingestion nor other
// subscribers; it is ended with SUBSCRIBER_TOO_SLOW and can resume without
// losing an event.
func TestSlowSubscriber(t *testing.T) {
	e := newEnv(t, stream.Options{Buffer: 4, SlowTimeout: 200 * time.Millisecond, RingSize: 64})
	full := fromStart()
	full.View = conneventsv1.EventView_EVENT_VIEW_FULL
	slow := e.subscribe(t, full)
	fast := e.subscribe(t, fromStart())
	if _, err := slow.next(); err != nil { // opened
		t.Fatal(err)
	}
	const n = 3000
	fastGot := make(chan []int64, 1)
	go func() { fastGot <- sequences(fast.events(t, n)) }()
	big := strings.Repeat("x", 2048)
	for i := 0; i < n; i += 100 {
		evs := make([]*conneventsv1.ConnectionEvent, 100)
		for j := range evs {
			evs[j] = event(e.next)
			evs[j].Raw = []byte(`{"pad":"` + big + `"}`)
			e.next++
		}
		if _, err := e.ingest.Ingest(t.Context(), evs); err != nil {
			t.Fatal(err)
		}
	}
	if got := <-fastGot; !slices.Equal(got, seqRange(1, n)) {
		t.Fatal("the fast subscriber missed events")
	}
	var got []int64
	var err error
	for {
		var item *conneventsv1.SubscribeEventsResponse
		if item, err = slow.next(); err != nil {
			break
		}
		if ev := item.GetEvent(); ev != nil {
			got = append(got, ev.GetSequence())
		}
	}
	if status.Code(err) != codes.ResourceExhausted || api.ReasonOf(err) != stream.ReasonTooSlow {
		t.Fatalf("slow subscriber ended with %v, want RESOURCE_EXHAUSTED %s", err, stream.ReasonTooSlow)
	}
	if len(got) == n {
		t.Fatal("the slow subscriber was never behind; the test proves nothing")
	}
	rest := e.subscribe(t, afterCursor(slow.cursor)).events(t, n-len(got))
	if all := append(got, sequences(rest)...); !slices.Equal(all, seqRange(1, n)) {
		t.Fatal("resuming after SUBSCRIBER_TOO_SLOW lost or repeated events")
	}
}

// Cancelled subscriptions end promptly on the server and leave no
// goroutine behind.
func TestCancelLeavesNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	e := newEnv(t, stream.Options{})
	e.ingestN(t, 20, 20)
	for i := 0; i < 50; i++ {
		r := e.subscribe(t, fromStart())
		r.events(t, 5)
		r.cancel()
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.hub.Active() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.hub.Active(); n != 0 {
		t.Fatalf("%d subscriptions still active after their clients cancelled", n)
	}
	e.close()
	goleak.VerifyNone(t, before)
}
