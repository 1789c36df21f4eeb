package stream_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/stream"
)

// stalledStream is a subscriber (of events, T SubscribeEventsResponse, or
// of journey changes) that never reads: Send blocks until the
// subscription's context ends.
type stalledStream[T any] struct {
	grpc.ServerStreamingServer[T]
	ctx  context.Context
	sent chan struct{} // closed at the first Send
	once sync.Once
}

func newStalled[T any](ctx context.Context) *stalledStream[T] {
	return &stalledStream[T]{ctx: ctx, sent: make(chan struct{})}
}

func (s *stalledStream[T]) Context() context.Context { return s.ctx }

func (s *stalledStream[T]) SendMsg(any) error {
	s.once.Do(func() { close(s.sent) })
	<-s.ctx.Done()
	return s.ctx.Err()
}

func (s *stalledStream[T]) Send(*T) error { return s.SendMsg(nil) }

// fullFromStart asks for every event with its raw payload: the store's
// copies, held per subscription (the basic view shares the ring's).
func fullFromStart() *conneventsv1.SubscribeEventsRequest {
	r := fromStart()
	r.View = conneventsv1.EventView_EVENT_VIEW_FULL
	return r
}

// 300 subscribers that never read hold at most their byte cap each (not
// their 256 items of 2 KiB events), and ingestion completes while they are
// open.
func TestStalledSubscribersMemory(t *testing.T) {
	const subscribers, bufferBytes = 300, 32 << 10
	e := newEnv(t, stream.Options{Buffer: 256, BufferBytes: bufferBytes, SlowTimeout: streamTimeout})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for range subscribers {
		ss := newStalled[conneventsv1.SubscribeEventsResponse](ctx)
		wg.Go(func() { _ = e.hub.Subscribe(fullFromStart(), ss) })
		<-ss.sent
	}
	pad := []byte(`{"pad":"` + strings.Repeat("x", 2048) + `"}`)
	const n = 1000
	for i := 0; i < n; i += 100 {
		evs := make([]*conneventsv1.ConnectionEvent, 100)
		for j := range evs {
			evs[j] = event(e.next)
			evs[j].Raw = pad
			e.next++
		}
		if _, err := e.ingest.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	// Each subscription reads until its buffer is full, then waits.
	time.Sleep(time.Second)
	if got := e.hub.Active(); got != subscribers {
		t.Fatalf("%d subscriptions open, want %d", got, subscribers)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// Without the byte cap each buffer holds 256 events of ~2.2 KiB
	// (~560 KiB); with it, the cap plus one event and the subscription's
	// own state.
	limit := int64(subscribers * (bufferBytes + 32<<10))
	t.Logf("%d stalled subscribers: heap grew %d KiB (limit %d KiB)", subscribers, grown>>10, limit>>10)
	if grown > limit {
		t.Errorf("the heap grew by %d KiB, over %d KiB", grown>>10, limit>>10)
	}
	if got := len(e.logSequences(t, nil)); got != n {
		t.Errorf("%d events stored, want %d", got, n)
	}
}

// A subscription over its byte cap for SlowTimeout ends with
// SUBSCRIBER_TOO_SLOW, and the log says so with its id and counts only:
// an event subscription, and a journey change subscription alike.
func TestStalledSubscriberEndsAndIsLogged(t *testing.T) {
	type (
		events   = grpc.ServerStreamingServer[conneventsv1.SubscribeEventsResponse]
		journeys = grpc.ServerStreamingServer[conneventsv1.SubscribeConnectionsResponse]
	)
	t.Run("events", func(t *testing.T) {
		endsAndIsLogged(t, func(e *env, ss events) error { return e.hub.Subscribe(fullFromStart(), ss) },
			func(e *env, t *testing.T) { e.ingestN(t, 50, 50) }) // event(i) carries patient-<i%5>
	})
	t.Run("journeys", func(t *testing.T) {
		endsAndIsLogged(t, func(e *env, ss journeys) error { return e.hub.SubscribeConnections(journeysFromStart(), ss) },
			func(e *env, t *testing.T) { e.ingestJourneys(t, 100, 50) }) // fewer changes than the buffer's items: only its bytes fill it
	})
}

// endsAndIsLogged opens a subscription that never reads, ingests, and
// checks that it is ended as too slow and logged without personal data.
func endsAndIsLogged[T any](t *testing.T, subscribe func(*env, grpc.ServerStreamingServer[T]) error, ingest func(*env, *testing.T)) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	e := newEnv(t, stream.Options{BufferBytes: 8 << 10, SlowTimeout: 200 * time.Millisecond, Logger: logger})
	ss := newStalled[T](t.Context())
	done := make(chan error, 1)
	go func() { done <- subscribe(e, ss) }()
	<-ss.sent
	ingest(e, t)
	var err error
	select {
	case err = <-done:
	case <-time.After(streamTimeout):
		t.Fatal("the stalled subscription was never ended")
	}
	if reason.Of(err) != reason.SubscriberTooSlow {
		t.Fatalf("subscription ended with %v, want %s", err, reason.SubscriberTooSlow)
	}
	line := logs.String()
	for _, want := range []string{"subscription=", "queued_items=", "queued_bytes=", "delivered="} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %s", line, want)
		}
	}
	if strings.Contains(line, "patient-") {
		t.Errorf("log %q names a patient", line)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
