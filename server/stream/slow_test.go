package stream_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/stream"
)

func timestamppbNew(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// Flow-control windows for the clients of TestSlowSubscriber. minWindow is
// the smallest HTTP/2 window gRPC accepts; a client dialled with it as a
// fixed window (no BDP growth) lets the server send only that much on a
// stream it does not read. bigWindow holds everything the test sends to
// the fast subscriber, so its sends never wait for its reader either.
const (
	minWindow = 64 << 10
	bigWindow = 4 << 20
)

// A subscriber that stops reading neither slows ingestion nor other
// subscribers; it is ended with SUBSCRIBER_TOO_SLOW and can resume without
// losing an event.
func TestSlowSubscriber(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), streamTimeout)
	defer cancel()
	e := newEnv(t, stream.Options{Buffer: 4, SlowTimeout: time.Second, RingSize: 64})
	// Each subscriber has a connection of its own with fixed windows. The
	// slow one's are minimal: with ~2 KiB events, the server's sends block
	// after a few dozen events, so it falls behind for certain. The fast
	// one's are big enough that it keeps up however its reader is
	// scheduled (under -race, GOMAXPROCS=1 and a busy machine, the default
	// window can fill up for longer than SlowTimeout).
	slowClient := e.dial(t, grpc.WithInitialWindowSize(minWindow), grpc.WithInitialConnWindowSize(minWindow))
	fastClient := e.dial(t, grpc.WithInitialWindowSize(bigWindow), grpc.WithInitialConnWindowSize(bigWindow))
	full := fromStart()
	full.View = conneventsv1.EventView_EVENT_VIEW_FULL
	slow := subscribeOn(t, slowClient, full)
	fast := subscribeOn(t, fastClient, fromStart())
	if _, err := slow.next(); err != nil { // opened
		t.Fatal(err)
	}
	const n = 3000
	type result struct {
		seqs []int64
		err  error
	}
	fastGot := make(chan result, 1)
	go func() {
		evs, err := fast.collect(n) // ends by streamTimeout at the latest
		fastGot <- result{sequences(evs), err}
	}()
	big := strings.Repeat("x", 2048)
	for i := 0; i < n; i += 100 {
		evs := make([]*conneventsv1.ConnectionEvent, 100)
		for j := range evs {
			evs[j] = event(e.next)
			evs[j].Raw = []byte(`{"pad":"` + big + `"}`)
			e.next++
		}
		if _, err := e.ingest.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	if r := <-fastGot; r.err != nil {
		t.Fatalf("fast subscriber: %v", r.err)
	} else if !slices.Equal(r.seqs, seqRange(1, n)) {
		t.Fatal("the fast subscriber missed events")
	}
	// The slow client reads nothing until the server has given up on it:
	// were it to read earlier, it might catch up before SlowTimeout.
	waitFor(ctx, t, "the slow subscription to end", func() bool { return e.hub.Active() == 1 })
	got, err := drain(slow)
	if status.Code(err) != codes.ResourceExhausted || api.ReasonOf(err) != reason.SubscriberTooSlow {
		t.Fatalf("slow subscriber ended with %v, want RESOURCE_EXHAUSTED %s", err, reason.SubscriberTooSlow)
	}
	if len(got) == n {
		t.Fatal("the slow subscriber was never behind; the test proves nothing")
	}
	rest := e.subscribe(t, afterCursor(slow.cursor)).events(t, n-len(got))
	if all := append(got, sequences(rest)...); !slices.Equal(all, seqRange(1, n)) {
		t.Fatal("resuming after SUBSCRIBER_TOO_SLOW lost or repeated events")
	}
}

// waitFor polls cond until it holds, and fails the test if ctx ends first.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// drain reads r until its stream ends and returns the sequences of the
// events it delivered, and the error that ended it.
func drain(r *receiver) ([]int64, error) {
	var got []int64
	for {
		item, err := r.next()
		if err != nil {
			return got, err
		}
		if ev := item.GetEvent(); ev != nil {
			got = append(got, ev.GetSequence())
		}
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
