package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	selectEvents        = `SELECT e.sequence, e.connection_id, e.body FROM events e`
	selectEventsWithRaw = `SELECT e.sequence, e.connection_id, e.body, r.raw FROM events e
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
	row := s.read.QueryRow(ctx, s.d.sql(selectFrom(withRaw)+" WHERE e.id = ?"), id)
	ev, err := scanEvent(row, withRaw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return ev, s.wrap("get", err)
}

// List returns a page of events. See store.Store.
func (s *Store) List(ctx context.Context, q store.Query) ([]*conneventsv1.ConnectionEvent, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	query, args, err := s.listSQL(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, query, args...)
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

// listSQL is the statement of List(q) and its arguments.
func (s *Store) listSQL(q store.Query) (string, []any, error) {
	tail, args, err := eventsql.Select(q)
	if err != nil {
		return "", nil, err
	}
	return s.d.sql(selectFrom(q.WithRaw) + tail), args, nil
}

// ExplainList returns the database's plan for List(q), one line per plan
// row, so that tests can pin that no filter scans the whole log.
func (s *Store) ExplainList(ctx context.Context, q store.Query) ([]string, error) {
	query, args, err := s.listSQL(q)
	if err != nil {
		return nil, err
	}
	return s.explain(ctx, query, args)
}

// explain returns the database's plan for a query, one line per plan row.
func (s *Store) explain(ctx context.Context, query string, args []any) ([]string, error) {
	rows, err := s.read.Query(ctx, s.d.Explain+query, args...)
	if err != nil {
		return nil, s.wrap("explain", err)
	}
	defer rows.Close()
	cols := s.d.ExplainColumns
	var plan []string
	for rows.Next() {
		vals := make([]any, cols)
		ptrs := make([]any, cols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, s.wrap("explain", err)
		}
		plan = append(plan, fmt.Sprint(vals[cols-1]))
	}
	return plan, s.wrap("explain", rows.Err())
}

// scanEvent reads one row of selectFrom(withRaw).
func scanEvent(row Row, withRaw bool) (*conneventsv1.ConnectionEvent, error) {
	var seq int64
	var conn *string
	var body, raw []byte
	dst := []any{&seq, &conn, &body}
	if withRaw {
		dst = append(dst, &raw)
	}
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	return eventsql.Decode(seq, conn, body, raw)
}
