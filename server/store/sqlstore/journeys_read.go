package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// journeyRead is what reads select of a journey.
const journeyRead = "j.id, j.state, j.status, j.update_time"

// journeyEventsSQL reads a journey's events in fold order (see package
// journey): point in time (occurred_at, else received_at, else the lowest
// time), then the vendor's event id, byte by byte, then sequence.
func journeyEventsSQL(d Dialect) string {
	return d.sql(`SELECT e.sequence, e.connection_id, e.body FROM events e
	WHERE e.connection_id = ? AND e.sequence <= ?
	ORDER BY COALESCE(e.occurred_at, e.received_at, -9223372036854775808), e.source_event_id` + d.Bytewise + `, e.sequence LIMIT ?`)
}

// GetJourney returns a journey and its first events. See store.Store.
func (s *Store) GetJourney(ctx context.Context, id string, maxEvents int) (*conneventsv1.ConnectionJourney, []*conneventsv1.ConnectionEvent, error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	var r journeyRow
	err := s.read.QueryRow(ctx, s.d.sql("SELECT "+journeyRead+" FROM journeys j WHERE j.id = ?"), id).
		Scan(&r.id, binary{&r.state}, &r.status, &r.updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, store.ErrNotFound
	}
	if err != nil {
		return nil, nil, s.wrap("get journey", err)
	}
	j, err := r.message(s.opts.Thresholds)
	if err != nil || maxEvents <= 0 {
		return j, nil, s.wrap("get journey", err)
	}
	// Every event of the journey's state has a sequence up to its own, and
	// every later event one above: this reads exactly the state's events
	// (but those pruned since).
	rows, err := s.read.Query(ctx, journeyEventsSQL(s.d), id, j.GetSequence(), int64(maxEvents))
	if err != nil {
		return nil, nil, s.wrap("get journey", err)
	}
	defer rows.Close()
	var events []*conneventsv1.ConnectionEvent
	for rows.Next() {
		var seq int64
		var conn *string
		var body []byte
		if err := rows.Scan(&seq, &conn, &body); err != nil {
			return nil, nil, s.wrap("get journey", err)
		}
		ev, err := eventsql.Decode(seq, conn, body, nil)
		if err != nil {
			return nil, nil, s.wrap("get journey", err)
		}
		events = append(events, ev)
	}
	return j, events, s.wrap("get journey", rows.Err())
}

// ListJourneys returns a page of journeys. See store.Store.
func (s *Store) ListJourneys(ctx context.Context, q store.JourneyQuery) ([]*conneventsv1.ConnectionJourney, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	query, args, err := s.listJourneysSQL(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, query, args...)
	if err != nil {
		return nil, s.wrap("list journeys", err)
	}
	defer rows.Close()
	out := make([]*conneventsv1.ConnectionJourney, 0, min(q.Limit, 256))
	for rows.Next() {
		var r journeyRow
		if err := rows.Scan(&r.id, binary{&r.state}, &r.status, &r.updated); err != nil {
			return nil, s.wrap("list journeys", err)
		}
		j, err := r.message(s.opts.Thresholds)
		if err != nil {
			return nil, s.wrap("list journeys", err)
		}
		out = append(out, j)
	}
	return out, s.wrap("list journeys", rows.Err())
}

// listJourneysSQL is the statement of ListJourneys(q) and its arguments.
func (s *Store) listJourneysSQL(q store.JourneyQuery) (string, []any, error) {
	tail, args, err := eventsql.SelectJourneys(q, orNow(q.Now))
	if err != nil {
		return "", nil, err
	}
	return s.d.sql("SELECT " + journeyRead + " FROM journeys j" + tail), args, nil
}

// ExplainListJourneys returns the database's plan for ListJourneys(q), one
// line per plan row, so that tests can pin that no filter reads every
// journey.
func (s *Store) ExplainListJourneys(ctx context.Context, q store.JourneyQuery) ([]string, error) {
	query, args, err := s.listJourneysSQL(q)
	if err != nil {
		return nil, err
	}
	return s.explain(ctx, query, args)
}

// ListJourneyChanges returns journey changes. See store.Store.
func (s *Store) ListJourneyChanges(ctx context.Context, q store.ChangeQuery) ([]store.JourneyChange, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	tail, args, err := eventsql.SelectChanges(q, orNow(q.Now))
	if err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, s.d.sql(`SELECT c.change_seq, c.journey_id, c.event_sequence, c.at, j.state, j.status, j.update_time
		FROM journey_changes c LEFT JOIN journeys j ON j.id = c.journey_id`+tail), args...)
	if err != nil {
		return nil, s.wrap("list journey changes", err)
	}
	defer rows.Close()
	var out []store.JourneyChange
	for rows.Next() {
		var c store.JourneyChange
		var at int64
		var state []byte // nil: the journey is gone
		var status, updated *int64
		if err := rows.Scan(&c.Sequence, &c.JourneyID, &c.EventSequence, &at, &state, &status, &updated); err != nil {
			return nil, s.wrap("list journey changes", err)
		}
		c.Time = time.Unix(0, at).UTC()
		if state != nil {
			r := journeyRow{id: c.JourneyID, state: string(state), status: int32(*status), updated: *updated}
			if c.Journey, err = r.message(s.opts.Thresholds); err != nil {
				return nil, s.wrap("list journey changes", err)
			}
		}
		out = append(out, c)
	}
	return out, s.wrap("list journey changes", rows.Err())
}

// One statement reads one snapshot, so head and oldest agree.
const sqlChangeBounds = `SELECT (SELECT change_head FROM log_head WHERE id = 1), (SELECT MIN(change_seq) FROM journey_changes)`

// JourneyChangeBounds returns the bounds of the change log. See store.Store.
func (s *Store) JourneyChangeBounds(ctx context.Context) (store.Bounds, error) {
	if err := s.check(); err != nil {
		return store.Bounds{}, err
	}
	var head int64
	var oldest *int64
	if err := s.read.QueryRow(ctx, sqlChangeBounds).Scan(&head, &oldest); err != nil {
		return store.Bounds{}, s.wrap("journey change bounds", err)
	}
	if oldest == nil {
		return store.Bounds{Oldest: head + 1, Head: head}, nil
	}
	return store.Bounds{Oldest: *oldest, Head: head}, nil
}

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// sqlCountJourneys reads the journeys_status index only.
const sqlCountJourneys = `SELECT status, COUNT(*) FROM journeys GROUP BY status`

// CountJourneys counts journeys by stored status. See store.Store.
func (s *Store) CountJourneys(ctx context.Context) (map[conneventsv1.ConnectionStatus]int64, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, sqlCountJourneys)
	if err != nil {
		return nil, s.wrap("count journeys", err)
	}
	defer rows.Close()
	counts := map[conneventsv1.ConnectionStatus]int64{}
	for rows.Next() {
		var status, n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, s.wrap("count journeys", err)
		}
		counts[conneventsv1.ConnectionStatus(status)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("count journeys", err)
	}
	return counts, nil
}
