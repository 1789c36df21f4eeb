package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	selectEvents        = `SELECT e.sequence, e.body FROM events e`
	selectEventsWithRaw = `SELECT e.sequence, e.body, r.raw FROM events e
		LEFT JOIN event_raw r ON r.sequence = e.sequence`
)

func selectFrom(withRaw bool) string {
	if withRaw {
		return selectEventsWithRaw
	}
	return selectEvents
}

// Get returns the event with the connevents id. See store.Store.
func (s *Store) Get(ctx context.Context, id string, withRaw bool) (*conneventsv1.ConnectionEvent, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	ev, err := scanEvent(s.pool.QueryRow(ctx, selectFrom(withRaw)+" WHERE e.id = $1", id), withRaw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return ev, s.wrap("get", err)
}

// List returns a page of events. See store.Store.
func (s *Store) List(ctx context.Context, q store.Query) ([]*conneventsv1.ConnectionEvent, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	tail, args, err := eventsql.Select(q, eventsql.Dollar)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectFrom(q.WithRaw)+tail, args...)
	if err != nil {
		return nil, s.wrap("list", err)
	}
	defer rows.Close()
	out := make([]*conneventsv1.ConnectionEvent, 0, min(q.Limit, 256))
	for rows.Next() {
		ev, err := scanEvent(rows, q.WithRaw)
		if err != nil {
			return nil, s.wrap("list", err)
		}
		out = append(out, ev)
	}
	return out, s.wrap("list", rows.Err())
}

// scanEvent reads one row of selectFrom(withRaw).
func scanEvent(row pgx.Row, withRaw bool) (*conneventsv1.ConnectionEvent, error) {
	var seq int64
	var body, raw []byte
	dst := []any{&seq, &body}
	if withRaw {
		dst = append(dst, &raw)
	}
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	return eventsql.Decode(seq, body, raw)
}
