package api

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// MaxJourneyEvents is how many of its events GetConnection returns with a
// journey; a longer journey's events are paged with ListEvents and
// filter.connection_id.
const MaxJourneyEvents = 1000

var errNoSuchConnection = reason.New(reason.NotFound, "no such connection")

// GetConnection returns one journey and its events in fold order.
func (s *Service) GetConnection(ctx context.Context, req *conneventsv1.GetConnectionRequest) (*conneventsv1.GetConnectionResponse, error) {
	switch id := req.GetId(); {
	case id == "":
		return nil, s.toStatus(reason.New(reason.IDRequired, "id is required"))
	case !journey.ValidID(id):
		return nil, s.toStatus(reason.New(reason.ConnectionIDInvalid,
			`id is not a connection id ("`+journey.IDPrefix+`" and 26 base32 characters)`))
	}
	j, events, err := s.store.GetJourney(ctx, req.GetId(), MaxJourneyEvents)
	if errors.Is(err, store.ErrNotFound) {
		err = errNoSuchConnection
	}
	if err != nil {
		return nil, s.toStatus(err)
	}
	return &conneventsv1.GetConnectionResponse{Connection: j, Events: events}, nil
}

// ListConnections returns one page of matching journeys.
func (s *Service) ListConnections(ctx context.Context, req *conneventsv1.ListConnectionsRequest) (*conneventsv1.ListConnectionsResponse, error) {
	q, err := s.journeyQuery(req)
	if err != nil {
		return nil, s.toStatus(err)
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	journeys, err := s.store.ListJourneys(ctx, q)
	if err != nil {
		return nil, s.toStatus(err)
	}
	resp := &conneventsv1.ListConnectionsResponse{Connections: journeys}
	if len(journeys) > limit {
		resp.Connections = journeys[:limit]
		resp.NextPageToken = encodePageToken(journeyListArgs(req), journeyPosition(store.JourneyKeyOf(journeys[limit-1])))
	}
	return resp, nil
}

// journeyQuery turns a request into a store query, checking every argument.
func (s *Service) journeyQuery(req *conneventsv1.ListConnectionsRequest) (store.JourneyQuery, error) {
	q := store.JourneyQuery{Filter: req.GetFilter(), Now: s.now()}
	var err error
	if err = checkConnectionFilter(req.GetFilter()); err != nil {
		return q, err
	}
	if q.Limit, err = pageSize(req.GetPageSize()); err != nil {
		return q, err
	}
	if q.Order, err = parseOrderBy(req.GetOrderBy(), "last_event_at"); err != nil {
		return q, err
	}
	if req.GetPageToken() == "" {
		return q, nil
	}
	pos, err := decodePageToken(req.GetPageToken(), journeyListArgs(req))
	if err != nil {
		return q, err
	}
	after, ok := journeyKeyAt(pos)
	if !ok {
		return q, errPageToken
	}
	q.After = &after
	return q, nil
}

// journeyListArgs are the arguments a ListConnections page token is bound
// to.
func journeyListArgs(req *conneventsv1.ListConnectionsRequest) proto.Message {
	return &conneventsv1.ListConnectionsRequest{Filter: req.GetFilter(), OrderBy: req.GetOrderBy()}
}

// journeyPosition is a journey's place in list order as page token bytes:
// last_event_at in Unix nanoseconds (8 bytes) and the id.
func journeyPosition(k store.JourneyKey) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(store.UnixNanos(k.LastEventAt))), k.ID...)
}

func journeyKeyAt(pos []byte) (store.JourneyKey, bool) {
	if len(pos) < 8 || !journey.ValidID(string(pos[8:])) {
		return store.JourneyKey{}, false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(pos[:8]))).UTC()
	return store.JourneyKey{LastEventAt: at, ID: string(pos[8:])}, true
}

// checkConnectionFilter refuses filter values that cannot mean anything.
func checkConnectionFilter(f *conneventsv1.ConnectionFilter) error {
	if d := f.GetStalledFor(); d != nil && (d.CheckValid() != nil || d.AsDuration() < 0) {
		return reason.New(reason.FilterInvalid, "filter.stalled_for must be a non-negative duration")
	}
	return nil
}

// FunnelWindow is the longest window GetFunnel counts.
const FunnelWindow = 366 * 24 * time.Hour

// GetFunnel counts the funnel of a window, exactly, from the store.
func (s *Service) GetFunnel(ctx context.Context, req *conneventsv1.GetFunnelRequest) (*conneventsv1.GetFunnelResponse, error) {
	q, err := s.funnelQuery(req)
	if err != nil {
		return nil, s.toStatus(err)
	}
	funnels, err := s.store.Funnel(ctx, q)
	if err != nil {
		return nil, s.toStatus(err)
	}
	return &conneventsv1.GetFunnelResponse{Funnels: funnels}, nil
}

func (s *Service) funnelQuery(req *conneventsv1.GetFunnelRequest) (store.FunnelQuery, error) {
	q := store.FunnelQuery{End: s.now(), GroupBy: req.GetGroupBy(), Sources: req.GetSources(), APIMode: req.GetApiMode()}
	if req.GetStartTime() == nil || req.GetStartTime().CheckValid() != nil {
		return q, reason.New(reason.WindowInvalid, "start_time is required (the window's inclusive start, such as 30 days ago)")
	}
	q.Start = req.GetStartTime().AsTime()
	if end := req.GetEndTime(); end != nil {
		if end.CheckValid() != nil {
			return q, reason.New(reason.WindowInvalid, "end_time is not a valid time")
		}
		q.End = end.AsTime()
	}
	if !q.Start.Before(q.End) {
		return q, reason.New(reason.WindowInvalid, "start_time must be before end_time (or before now, when end_time is unset)")
	}
	if q.End.Sub(q.Start) > FunnelWindow {
		return q, reason.New(reason.WindowInvalid, "the window must not be longer than 366 days")
	}
	return q, nil
}

// SubscribeConnections streams journey changes; see server/stream.
func (s *Service) SubscribeConnections(req *conneventsv1.SubscribeConnectionsRequest, ss conneventsv1.ConnectionEventService_SubscribeConnectionsServer) error {
	if err := checkConnectionFilter(req.GetFilter()); err != nil {
		return s.toStatus(err)
	}
	return s.toStatus(s.streams.SubscribeConnections(req, ss))
}
