package stream

import (
	"context"
	"errors"
	"time"

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
		hub:    h,
		filter: req.GetFilter(),
		full:   req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL,
		cursor: start,
		dbID:   h.store.DatabaseID(),
	}
	return sub.serve(ctx, ss)
}

// subscription is one stream's reading state.
type subscription struct {
	hub    *Hub
	filter *conneventsv1.EventFilter
	full   bool
	cursor int64 // every matching event up to here has been queued
	dbID   string

	out     chan any // *conneventsv1.SubscribeEventsResponse or encoded
	sendErr chan error
}

// serve runs the sender goroutine and the read loop. The sender drains the
// bounded buffer into the stream; the read loop fills it.
func (s *subscription) serve(ctx context.Context, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	s.out = make(chan any, s.hub.opts.Buffer)
	s.sendErr = make(chan error, 1)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		s.sendErr <- send(ss, s.out)
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

func send(ss conneventsv1.ConnectionEventService_SubscribeEventsServer, out <-chan any) error {
	for item := range out {
		if err := ss.SendMsg(item); err != nil {
			return err
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
	events, scanned, err := s.hub.readStore(ctx, s.filter, s.cursor, head, s.full)
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
	return s.hub.fromRing(s.cursor, s.hub.opts.ReadBatch)
}

// item is what the sender sends for a candidate.
func (s *subscription) item(c candidate) (any, error) {
	if c.entry != nil {
		return c.entry.wire()
	}
	return eventItem(s.dbID, c.event), nil
}

// enqueue puts an item in the send buffer, waiting at most SlowTimeout for
// room.
func (s *subscription) enqueue(ctx context.Context, item any) error {
	select {
	case s.out <- item:
		return nil
	default:
	}
	timer := time.NewTimer(s.hub.opts.SlowTimeout)
	defer timer.Stop()
	select {
	case s.out <- item:
		return nil
	case <-timer.C:
		return errTooSlow
	case <-ctx.Done():
		return ctx.Err()
	case err := <-s.sendErr:
		return err
	}
}

func (s *subscription) checkpoint() *conneventsv1.SubscribeEventsResponse {
	return &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(s.dbID, s.cursor),
		Item:   &conneventsv1.SubscribeEventsResponse_Checkpoint{Checkpoint: &conneventsv1.Checkpoint{Time: timestamppb.Now()}},
	}
}

func eventItem(dbID string, ev *conneventsv1.ConnectionEvent) *conneventsv1.SubscribeEventsResponse {
	return &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(dbID, ev.GetSequence()),
		Item:   &conneventsv1.SubscribeEventsResponse_Event{Event: ev},
	}
}
