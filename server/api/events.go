package api

import (
	"context"
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// Page sizes of ListEvents and ListConnections (AIP-158).
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// GetEvent returns one event.
func (s *Service) GetEvent(ctx context.Context, req *conneventsv1.GetEventRequest) (*conneventsv1.GetEventResponse, error) {
	if req.GetId() == "" {
		return nil, s.toStatus(reason.New(reason.IDRequired, "id is required"))
	}
	ev, err := s.store.Get(ctx, req.GetId(), req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL)
	if err != nil {
		return nil, s.toStatus(err)
	}
	return &conneventsv1.GetEventResponse{Event: ev}, nil
}

// ListEvents returns one page of matching events.
func (s *Service) ListEvents(ctx context.Context, req *conneventsv1.ListEventsRequest) (*conneventsv1.ListEventsResponse, error) {
	q, err := listQuery(req)
	if err != nil {
		return nil, s.toStatus(err)
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	events, err := s.store.List(ctx, q)
	if err != nil {
		return nil, s.toStatus(err)
	}
	resp := &conneventsv1.ListEventsResponse{Events: events}
	if len(events) > limit {
		resp.Events = events[:limit]
		resp.NextPageToken = encodePageToken(eventListArgs(req), binary.BigEndian.AppendUint64(nil, uint64(events[limit-1].GetSequence())))
	}
	return resp, nil
}

// listQuery turns a request into a store query, checking every argument.
func listQuery(req *conneventsv1.ListEventsRequest) (store.Query, error) {
	q := store.Query{
		Filter:  req.GetFilter(),
		WithRaw: req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL,
	}
	var err error
	if q.Limit, err = pageSize(req.GetPageSize()); err != nil {
		return q, err
	}
	if q.Order, err = parseOrderBy(req.GetOrderBy(), "sequence"); err != nil {
		return q, err
	}
	if req.GetPageToken() == "" {
		return q, nil
	}
	pos, err := decodePageToken(req.GetPageToken(), eventListArgs(req))
	if err != nil {
		return q, err
	}
	if len(pos) != 8 || int64(binary.BigEndian.Uint64(pos)) <= 0 {
		return q, errPageToken
	}
	last := int64(binary.BigEndian.Uint64(pos))
	if q.Order == store.Ascending {
		q.After = last
	} else {
		q.Before = last
	}
	return q, nil
}

// eventListArgs are the arguments a ListEvents page token is bound to.
func eventListArgs(req *conneventsv1.ListEventsRequest) proto.Message {
	return &conneventsv1.ListEventsRequest{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), View: req.GetView()}
}

// pageSize checks a page_size (AIP-158): 0 is the default, larger than the
// maximum is the maximum.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, reason.New(reason.PageSizeNegative, "page_size must not be negative")
	case n == 0:
		return DefaultPageSize, nil
	}
	return min(int(n), MaxPageSize), nil
}

// parseOrderBy reads an order_by on one field: "FIELD desc" (the default),
// "FIELD asc" or "FIELD".
func parseOrderBy(s, field string) (store.Order, error) {
	switch s {
	case "", field + " desc":
		return store.Descending, nil
	case field, field + " asc":
		return store.Ascending, nil
	}
	return 0, reason.New(reason.OrderByInvalid, fmt.Sprintf("order_by must be %q or %q", field+" desc", field+" asc"))
}
