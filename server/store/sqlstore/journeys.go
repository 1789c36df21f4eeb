package sqlstore

import (
	"context"
	"errors"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

var errNotImplemented = errors.New("not implemented yet")

// GetJourney returns a journey and its first events. See store.Store.
func (s *Store) GetJourney(ctx context.Context, id string, maxEvents int) (*conneventsv1.ConnectionJourney, []*conneventsv1.ConnectionEvent, error) {
	return nil, nil, s.wrap("get journey", errNotImplemented)
}

// ListJourneys returns a page of journeys. See store.Store.
func (s *Store) ListJourneys(ctx context.Context, q store.JourneyQuery) ([]*conneventsv1.ConnectionJourney, error) {
	return nil, s.wrap("list journeys", errNotImplemented)
}

// Funnel counts a funnel. See store.Store.
func (s *Store) Funnel(ctx context.Context, q store.FunnelQuery) ([]*conneventsv1.Funnel, error) {
	return nil, s.wrap("funnel", errNotImplemented)
}

// ListJourneyChanges returns journey changes. See store.Store.
func (s *Store) ListJourneyChanges(ctx context.Context, q store.ChangeQuery) ([]store.JourneyChange, error) {
	return nil, s.wrap("list journey changes", errNotImplemented)
}

// JourneyChangeBounds returns the bounds of the change log. See store.Store.
func (s *Store) JourneyChangeBounds(ctx context.Context) (store.Bounds, error) {
	return store.Bounds{}, s.wrap("journey change bounds", errNotImplemented)
}

// MarkStalled marks stalled journeys. See store.Store.
func (s *Store) MarkStalled(ctx context.Context, now time.Time) (int64, error) {
	return 0, s.wrap("mark stalled", errNotImplemented)
}

// RebuildJourneys recomputes every journey. See store.Store.
func (s *Store) RebuildJourneys(ctx context.Context, batch int) (int64, error) {
	return 0, s.wrap("rebuild journeys", errNotImplemented)
}
