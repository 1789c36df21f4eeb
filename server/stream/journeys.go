package stream

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/telemetry"
)

// SubscribeConnections serves one SubscribeConnections stream: each change
// of a journey that matches the filter, as the journey stands when it is
// read, in change-log order; see follow for how it ends.
func (h *Hub) SubscribeConnections(req *conneventsv1.SubscribeConnectionsRequest, ss conneventsv1.ConnectionEventService_SubscribeConnectionsServer) error {
	f := &journeyFeed{hub: h, filter: req.GetFilter()}
	return h.follow(ss, f, telemetry.KindJourneys, func(ctx context.Context) (int64, error) {
		if c, ok := req.GetStart().(*conneventsv1.SubscribeConnectionsRequest_StartCursor); ok {
			return h.start(ctx, h.journeyLog(), &c.StartCursor, 0)
		}
		return h.start(ctx, h.journeyLog(), nil, req.GetStartPosition())
	})
}

// journeyLog is the journey change log: change sequences and their bounds.
func (h *Hub) journeyLog() logOf {
	return logOf{tag: journeyCursor, bounds: h.store.JourneyChangeBounds}
}

// journeyFeed is the journey change log through one subscription's filter.
// The store applies the filter to each changed journey's current state;
// changes of journeys since deleted (every event pruned) are skipped.
type journeyFeed struct {
	hub    *Hub
	filter *conneventsv1.ConnectionFilter
}

func (f *journeyFeed) state() (int64, <-chan struct{}) { return f.hub.journeys.state() }

func (f *journeyFeed) read(ctx context.Context, after, head int64, limit int) ([]positioned, int64, error) {
	changes, err := f.hub.store.ListJourneyChanges(ctx, store.ChangeQuery{
		After: after, Before: head + 1, Limit: limit, Filter: f.filter,
	})
	if err != nil {
		return nil, after, readError(ctx, err)
	}
	var last int64
	var out []positioned
	for _, c := range changes {
		last = c.Sequence
		if c.Journey != nil {
			out = append(out, positioned{pos: last, receivedAt: c.Time, item: &conneventsv1.SubscribeConnectionsResponse{
				Cursor: EncodeJourneyCursor(f.hub.dbID, last),
				Item:   &conneventsv1.SubscribeConnectionsResponse_Connection{Connection: c.Journey},
			}})
		}
	}
	scanned, err := f.hub.readLog(ctx, f.hub.journeyLog(), after, head, limit, len(changes), last)
	return out, scanned, err
}

func (f *journeyFeed) checkpoint(pos int64) proto.Message {
	return &conneventsv1.SubscribeConnectionsResponse{
		Cursor: EncodeJourneyCursor(f.hub.dbID, pos),
		Item:   &conneventsv1.SubscribeConnectionsResponse_Checkpoint{Checkpoint: &conneventsv1.Checkpoint{Time: timestamppb.Now()}},
	}
}
