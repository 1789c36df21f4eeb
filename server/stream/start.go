package stream

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// startPosition resolves the request's start to the sequence after which
// the stream begins.
func (h *Hub) startPosition(ctx context.Context, req *conneventsv1.SubscribeEventsRequest) (int64, error) {
	b, err := h.store.Bounds(ctx)
	if err != nil {
		return 0, readError(ctx, err)
	}
	switch start := req.GetStart().(type) {
	case *conneventsv1.SubscribeEventsRequest_StartCursor:
		seq, err := DecodeCursor(h.store.DatabaseID(), start.StartCursor)
		if err != nil {
			return 0, err
		}
		return seq, checkRetained(h.store.DatabaseID(), seq, b.Oldest, b.Head)
	case *conneventsv1.SubscribeEventsRequest_StartTime:
		seq, err := h.store.SequenceBefore(ctx, start.StartTime.AsTime())
		if err != nil {
			return 0, readError(ctx, err)
		}
		return seq, nil
	case *conneventsv1.SubscribeEventsRequest_StartPosition:
		if start.StartPosition == conneventsv1.StartPosition_START_POSITION_EARLIEST {
			return b.Oldest - 1, nil
		}
	}
	return b.Head, nil
}

// readStore reads up to limit matching events after `after`, up to head,
// and returns the sequence it scanned to.
func (h *Hub) readStore(ctx context.Context, f *conneventsv1.EventFilter, after, head int64, full bool, limit int) ([]*conneventsv1.ConnectionEvent, int64, error) {
	events, err := h.store.List(ctx, store.Query{
		Filter: f, Order: store.Ascending, After: after, Before: head + 1,
		Limit: limit, WithRaw: full,
	})
	if err != nil {
		return nil, after, readError(ctx, err)
	}
	// Pruning deletes a prefix of the log. If the cursor is still inside
	// the retained log after the read, the read skipped nothing.
	b, err := h.store.Bounds(ctx)
	if err != nil {
		return nil, after, readError(ctx, err)
	}
	if err := checkRetained(h.dbID, after, b.Oldest, max(b.Head, after)); err != nil {
		return nil, after, err
	}
	if len(events) < limit {
		return events, head, nil
	}
	return events, events[len(events)-1].GetSequence(), nil
}

// readError is the error of a failed store read: the context's, when the
// subscription ended meanwhile, or the store's (server/api answers it
// STORAGE_UNAVAILABLE and logs it).
func readError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("stream: reading the log: %w", err)
}
