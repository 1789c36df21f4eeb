package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// Append stores the batch in one write transaction. See store.Store.
func (s *Store) Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := eventsql.Validate(events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return []store.Appended{}, nil
	}
	b, err := newBatch(events)
	if err != nil {
		return nil, err
	}
	// Encoding happens above, outside the write lock.
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.wrap("append: begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.appendTx(ctx, tx, b); err != nil {
		return nil, s.wrap("append", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.wrap("append: commit", err)
	}
	return b.out, nil
}

// batch is an Append in progress.
type batch struct {
	rows   []eventsql.Row
	copies []*conneventsv1.ConnectionEvent // what a new event's result will be
	first  []int                           // index of the first event with the same key
	out    []store.Appended
}

func newBatch(events []*conneventsv1.ConnectionEvent) (*batch, error) {
	b := &batch{
		rows:   make([]eventsql.Row, len(events)),
		copies: make([]*conneventsv1.ConnectionEvent, len(events)),
		first:  eventsql.FirstOccurrence(events),
		out:    make([]store.Appended, len(events)),
	}
	for i, ev := range events {
		if b.first[i] != i {
			continue
		}
		var err error
		if b.rows[i], b.copies[i], err = eventsql.Encode(ev); err != nil {
			return nil, fmt.Errorf("sqlite: append: event %d: %w", i, err)
		}
	}
	return b, nil
}

func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, b *batch) error {
	st := s.stmts.in(ctx, tx)
	var head int64
	if err := st.head.QueryRowContext(ctx).Scan(&head); err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	next := head + 1
	for i := range b.rows {
		if j := b.first[i]; j != i {
			b.out[i] = store.Appended{Event: withoutRaw(b.out[j].Event), Duplicate: true}
			continue
		}
		inserted, err := insertOne(ctx, st, b, i, next)
		if err != nil {
			return err
		}
		if inserted {
			next++
		}
	}
	if next == head+1 {
		return nil
	}
	if _, err := st.setHead.ExecContext(ctx, next-1); err != nil {
		return fmt.Errorf("set head: %w", err)
	}
	return nil
}

// insertOne inserts event i with sequence seq, or, when its key is already
// stored, records the stored event as its result. It reports whether it
// inserted.
func insertOne(ctx context.Context, st *statements, b *batch, i int, seq int64) (bool, error) {
	r := &b.rows[i]
	res, err := st.insert.ExecContext(ctx, seq, r.ID, r.Source, r.SourceEventID,
		r.Type, r.Stage, r.Outcome, r.APIMode, r.OccurredAt, r.ReceivedAt, r.ExternalID, r.OneupUserID,
		r.FHIRPatientRef, r.OrgConnectionID, r.Body)
	if err != nil {
		return false, fmt.Errorf("insert event %d: %w", i, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert event %d: %w", i, err)
	}
	if n == 0 {
		ev, err := storedByKey(ctx, st, r)
		b.out[i] = store.Appended{Event: ev, Duplicate: true}
		return false, err
	}
	if r.Raw != nil {
		if _, err := st.insertRaw.ExecContext(ctx, seq, r.Raw); err != nil {
			return false, fmt.Errorf("insert raw %d: %w", i, err)
		}
	}
	b.copies[i].Sequence = seq
	b.out[i] = store.Appended{Event: b.copies[i]}
	return true, nil
}

func storedByKey(ctx context.Context, st *statements, r *eventsql.Row) (*conneventsv1.ConnectionEvent, error) {
	var seq int64
	var body []byte
	err := st.byKey.QueryRowContext(ctx, r.Source, r.SourceEventID).Scan(&seq, &body)
	if err != nil {
		return nil, fmt.Errorf("read duplicate: %w", err)
	}
	return eventsql.Decode(seq, body, nil)
}

func withoutRaw(ev *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent {
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	c.Raw = nil
	return c
}
