package stream

import (
	"context"
	"crypto/rand"
	"errors"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

var (
	errTooMany = reason.New(reason.TooManySubscriptions, "too many concurrent subscriptions; retry later")
	errTooSlow = reason.New(reason.SubscriberTooSlow, "the subscriber did not keep up; resume from the last cursor received")
)

// Subscribe serves one SubscribeEvents stream until the client goes away,
// the stream fails, or the subscriber is too slow. Its errors are
// *reason.Error values (cursors, TOO_MANY_SUBSCRIPTIONS,
// SUBSCRIBER_TOO_SLOW), the context's error when the client went away,
// the stream's send error, or a store error; server/api maps them.
func (h *Hub) Subscribe(req *conneventsv1.SubscribeEventsRequest, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	if h.active.Add(1) > int64(h.opts.MaxSubscriptions) {
		h.active.Add(-1)
		return errTooMany
	}
	defer h.active.Add(-1)
	ctx := ss.Context()
	start, err := h.startPosition(ctx, req)
	if err != nil {
		return err
	}
	sub := &subscription{
		id:     rand.Text(),
		hub:    h,
		filter: req.GetFilter(),
		full:   req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL,
		cursor: start,
		dbID:   h.store.DatabaseID(),
	}
	err = sub.serve(ctx, ss)
	if errors.Is(err, errTooSlow) {
		h.opts.Logger.Warn("subscription ended: the subscriber is too slow", "subscription", sub.id,
			"delivered", sub.delivered.Load(), "queued_items", len(sub.out), "queued_bytes", sub.queued.Load())
	}
	return err
}

// subscription is one stream's reading state.
type subscription struct {
	id     string // in logs only: a random name for this stream
	hub    *Hub
	filter *conneventsv1.EventFilter
	full   bool
	cursor int64 // every matching event up to here has been queued
	dbID   string

	// out is the send buffer: at most Options.Buffer frames, of at most
	// Options.BufferBytes (queued) together. The sender signals drained
	// each time it has sent one.
	out       chan frame
	queued    atomic.Int64
	drained   chan struct{}
	delivered atomic.Int64 // events sent
	lastSize  int64        // of the last event frame: what room expects
	sendErr   chan error
}

// frame is one stream item in the send buffer: an event encoded once, or a
// checkpoint.
type frame struct {
	msg   any // encoded, or *conneventsv1.SubscribeEventsResponse
	size  int64
	event bool
}

// serve runs the sender goroutine and the read loop. The sender drains the
// bounded buffer into the stream; the read loop fills it.
func (s *subscription) serve(ctx context.Context, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	s.out = make(chan frame, s.hub.opts.Buffer)
	s.drained = make(chan struct{}, 1)
	s.sendErr = make(chan error, 1)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		s.sendErr <- s.send(ss)
	}()
	err := s.readLoop(ctx)
	close(s.out)
	if !errors.Is(err, errTooSlow) {
		// The sender ends promptly: its Send fails once ctx is done. A
		// too-slow client's Send is blocked until the stream ends, which
		// happens when this handler returns.
		<-senderDone
	}
	return err
}

// send sends the buffered frames in order; a frame's bytes count as
// queued until it is sent.
func (s *subscription) send(ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	for f := range s.out {
		if err := ss.SendMsg(f.msg); err != nil {
			return err
		}
		s.queued.Add(-f.size)
		if f.event {
			s.delivered.Add(1)
		}
		select {
		case s.drained <- struct{}{}:
		default:
		}
	}
	return nil
}

// readLoop queues every matching event after the cursor, and a checkpoint
// at the start and after each heartbeat interval of silence.
func (s *subscription) readLoop(ctx context.Context) error {
	if err := s.enqueue(ctx, s.checkpoint()); err != nil {
		return err
	}
	heartbeat := time.NewTimer(s.hub.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		head, wake := s.hub.state()
		if s.cursor < head {
			sent, err := s.readOnce(ctx, head)
			if err != nil {
				return err
			}
			if sent {
				heartbeat.Reset(s.hub.opts.Heartbeat)
			}
			continue
		}
		select {
		case <-wake:
		case <-heartbeat.C:
			if err := s.enqueue(ctx, s.checkpoint()); err != nil {
				return err
			}
			heartbeat.Reset(s.hub.opts.Heartbeat)
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.sendErr:
			return err
		}
	}
}

// readOnce queues one batch after the cursor and moves the cursor past
// everything it scanned. It reports whether it queued anything.
func (s *subscription) readOnce(ctx context.Context, head int64) (bool, error) {
	found, scanned, err := s.read(ctx, head)
	if err != nil {
		return false, err
	}
	sent := false
	for _, c := range found {
		if !Match(s.filter, c.event) {
			continue
		}
		item, err := s.item(c)
		if err != nil {
			return sent, err
		}
		if err := s.enqueue(ctx, item); err != nil {
			return sent, err
		}
		s.cursor, sent = c.event.GetSequence(), true
	}
	s.cursor = scanned
	return sent, nil
}

// candidate is an event read after the cursor; entry is set when it came
// from the ring, whose items are encoded once for every subscriber.
type candidate struct {
	event *conneventsv1.ConnectionEvent
	entry *ringEntry
}

// read returns the next events after the cursor (at most up to head) and
// the sequence it scanned to: from the ring when it covers the cursor,
// otherwise from the store.
func (s *subscription) read(ctx context.Context, head int64) ([]candidate, int64, error) {
	if entries, ok := s.fromRing(); ok {
		found := make([]candidate, len(entries))
		for i := range entries {
			found[i] = candidate{event: entries[i].event, entry: &entries[i]}
		}
		if len(found) == 0 {
			return nil, s.cursor, nil
		}
		return found, found[len(found)-1].event.GetSequence(), nil
	}
	events, scanned, err := s.hub.readStore(ctx, s.filter, s.cursor, head, s.full, s.room())
	found := make([]candidate, len(events))
	for i, ev := range events {
		found[i] = candidate{event: ev}
	}
	return found, scanned, err
}

// fromRing reads the ring, which holds the basic view only.
func (s *subscription) fromRing() ([]ringEntry, bool) {
	if s.full {
		return nil, false
	}
	return s.hub.fromRing(s.cursor, s.room())
}

// room is how many events to read next: about what the send buffer can
// still take (judged by the last event's size), at least one and at most
// ReadBatch. A subscriber that does not read so holds one event besides
// its buffer, not a whole read batch.
func (s *subscription) room() int {
	if s.lastSize == 0 {
		return 1 // the first read: the size of events is not known yet
	}
	n := min(cap(s.out)-len(s.out), int((int64(s.hub.opts.BufferBytes)-s.queued.Load())/s.lastSize))
	return max(1, min(n, s.hub.opts.ReadBatch))
}

// item is the frame the sender sends for a candidate: encoded here, so
// that the buffer holds bytes it can count (a ring entry's are shared by
// every subscriber).
func (s *subscription) item(c candidate) (frame, error) {
	var b encoded
	var err error
	if c.entry != nil {
		b, err = c.entry.wire()
	} else {
		b, err = proto.Marshal(eventItem(s.dbID, c.event))
	}
	s.lastSize = int64(len(b))
	return frame{msg: b, size: s.lastSize, event: true}, err
}

// enqueue puts a frame in the send buffer, waiting at most SlowTimeout for
// room (an item, and its bytes under the cap unless the buffer is empty).
func (s *subscription) enqueue(ctx context.Context, f frame) error {
	var timeout <-chan time.Time
	for {
		if q := s.queued.Load(); len(s.out) < cap(s.out) && (q == 0 || q+f.size <= int64(s.hub.opts.BufferBytes)) {
			s.queued.Add(f.size)
			s.out <- f // only this goroutine sends: there is room
			return nil
		}
		if timeout == nil {
			timer := time.NewTimer(s.hub.opts.SlowTimeout)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-s.drained:
		case <-timeout:
			return errTooSlow
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.sendErr:
			return err
		}
	}
}

func (s *subscription) checkpoint() frame {
	msg := &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(s.dbID, s.cursor),
		Item:   &conneventsv1.SubscribeEventsResponse_Checkpoint{Checkpoint: &conneventsv1.Checkpoint{Time: timestamppb.Now()}},
	}
	return frame{msg: msg, size: int64(proto.Size(msg))}
}

func eventItem(dbID string, ev *conneventsv1.ConnectionEvent) *conneventsv1.SubscribeEventsResponse {
	return &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(dbID, ev.GetSequence()),
		Item:   &conneventsv1.SubscribeEventsResponse_Event{Event: ev},
	}
}
