package bench

import (
	"sync"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// fanout is a bare server-streaming fan-out: every stream gets every
// broadcast message, through its own buffered channel and goroutine,
// with nothing else (no store, no ring, no filter, no cursor).
type fanout struct {
	mu      sync.Mutex
	streams map[chan *conneventsv1.SubscribeEventsResponse]struct{}
}

func newFanout() *fanout {
	return &fanout{streams: map[chan *conneventsv1.SubscribeEventsResponse]struct{}{}}
}

// serve sends a first checkpoint, then every broadcast, until the client
// goes away.
func (f *fanout) serve(ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	ch := make(chan *conneventsv1.SubscribeEventsResponse, 256)
	f.mu.Lock()
	f.streams[ch] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.streams, ch)
		f.mu.Unlock()
	}()
	first := &conneventsv1.SubscribeEventsResponse{Item: &conneventsv1.SubscribeEventsResponse_Checkpoint{Checkpoint: &conneventsv1.Checkpoint{}}}
	if err := ss.Send(first); err != nil {
		return err
	}
	for {
		select {
		case m := <-ch:
			if err := ss.Send(m); err != nil {
				return err
			}
		case <-ss.Context().Done():
			return ss.Context().Err()
		}
	}
}

// broadcast queues m on every stream, waiting for room like a real hub
// would for a subscriber within its slow-consumer allowance.
func (f *fanout) broadcast(m *conneventsv1.SubscribeEventsResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.streams {
		ch <- m
	}
}
