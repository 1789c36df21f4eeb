package api

import (
	"context"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// Page sizes of ListEvents (AIP-158).
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
		resp.NextPageToken = encodePageToken(req, events[limit-1].GetSequence())
	}
	return resp, nil
}

// listQuery turns a request into a store query, checking every argument.
func listQuery(req *conneventsv1.ListEventsRequest) (store.Query, error) {
	q := store.Query{
		Filter:  req.GetFilter(),
		Limit:   int(req.GetPageSize()),
		WithRaw: req.GetView() == conneventsv1.EventView_EVENT_VIEW_FULL,
	}
	switch {
	case q.Limit < 0:
		return q, reason.New(reason.PageSizeNegative, "page_size must not be negative")
	case q.Limit == 0:
		q.Limit = DefaultPageSize
	case q.Limit > MaxPageSize:
		q.Limit = MaxPageSize
	}
	order, err := parseOrderBy(req.GetOrderBy())
	if err != nil {
		return q, err
	}
	q.Order = order
	if req.GetPageToken() == "" {
		return q, nil
	}
	last, err := decodePageToken(req)
	if err != nil {
		return q, err
	}
	if order == store.Ascending {
		q.After = last
	} else {
		q.Before = last
	}
	return q, nil
}

func parseOrderBy(s string) (store.Order, error) {
	switch s {
	case "", "sequence desc":
		return store.Descending, nil
	case "sequence", "sequence asc":
		return store.Ascending, nil
	}
	return 0, reason.New(reason.OrderByInvalid, `order_by must be "sequence desc" or "sequence asc"`)
}
