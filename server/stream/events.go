package stream

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/telemetry"
)

// Subscribe serves one SubscribeEvents stream; see follow for how it ends.
func (h *Hub) Subscribe(req *conneventsv1.SubscribeEventsRequest, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	f := &eventFeed{hub: h, filter: req.GetFilter(), full: req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL}
	return h.follow(ss, f, telemetry.KindEvents, func(ctx context.Context) (int64, error) { return h.eventStart(ctx, req) })
}

// eventLog is the event log: sequences and their bounds.
func (h *Hub) eventLog() logOf { return logOf{tag: eventCursor, bounds: h.store.Bounds} }

// eventStart resolves the request's start to the sequence after which the
// stream begins.
func (h *Hub) eventStart(ctx context.Context, req *conneventsv1.SubscribeEventsRequest) (int64, error) {
	switch start := req.GetStart().(type) {
	case *conneventsv1.SubscribeEventsRequest_StartCursor:
		return h.start(ctx, h.eventLog(), &start.StartCursor, 0)
	case *conneventsv1.SubscribeEventsRequest_StartTime:
		seq, err := h.store.SequenceBefore(ctx, start.StartTime.AsTime())
		if err != nil {
			return 0, readError(ctx, err)
		}
		return seq, nil
	}
	return h.start(ctx, h.eventLog(), nil, req.GetStartPosition())
}

// eventFeed is the event log through one subscription's filter and view.
type eventFeed struct {
	hub    *Hub
	filter *conneventsv1.EventFilter
	full   bool
}

func (f *eventFeed) state() (int64, <-chan struct{}) { return f.hub.events.state() }

// read reads from the ring when it covers the cursor (basic view only: the
// ring's items are encoded once for every subscriber), otherwise from the
// store.
func (f *eventFeed) read(ctx context.Context, after, head int64, limit int) ([]positioned, int64, error) {
	if !f.full {
		if entries, ok := f.hub.fromRing(after, limit); ok {
			return f.fromRing(entries, after)
		}
	}
	events, err := f.hub.store.List(ctx, store.Query{
		Filter: f.filter, Order: store.Ascending, After: after, Before: head + 1,
		Limit: limit, WithRaw: f.full,
	})
	if err != nil {
		return nil, after, readError(ctx, err)
	}
	var last int64
	var out []positioned
	for _, ev := range events {
		last = ev.GetSequence()
		if Match(f.filter, ev) {
			out = append(out, positioned{pos: last, item: eventItem(f.hub.dbID, ev), receivedAt: receivedAt(ev)})
		}
	}
	scanned, err := f.hub.readLog(ctx, f.hub.eventLog(), after, head, limit, len(events), last)
	return out, scanned, err
}

func (f *eventFeed) fromRing(entries []ringEntry, after int64) ([]positioned, int64, error) {
	scanned := after
	var out []positioned
	for i := range entries {
		e := &entries[i]
		scanned = e.event.GetSequence()
		if !Match(f.filter, e.event) {
			continue
		}
		wire, err := e.wire()
		if err != nil {
			return nil, after, err
		}
		out = append(out, positioned{pos: scanned, item: wire, receivedAt: receivedAt(e.event)})
	}
	return out, scanned, nil
}

func (f *eventFeed) checkpoint(pos int64) proto.Message {
	return &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(f.hub.dbID, pos),
		Item:   &conneventsv1.SubscribeEventsResponse_Checkpoint{Checkpoint: &conneventsv1.Checkpoint{Time: timestamppb.Now()}},
	}
}

func eventItem(dbID string, ev *conneventsv1.ConnectionEvent) *conneventsv1.SubscribeEventsResponse {
	return &conneventsv1.SubscribeEventsResponse{
		Cursor: EncodeCursor(dbID, ev.GetSequence()),
		Item:   &conneventsv1.SubscribeEventsResponse_Event{Event: ev},
	}
}

// receivedAt is ev's received_at, zero when it has none.
func receivedAt(ev *conneventsv1.ConnectionEvent) time.Time {
	if ev.GetReceivedAt() == nil {
		return time.Time{}
	}
	return ev.GetReceivedAt().AsTime()
}
