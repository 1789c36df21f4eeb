package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const sqlLockHead = `SELECT head FROM log_head WHERE id = 1 FOR UPDATE`

// Append stores the batch in one transaction, serialized with every other
// append on the log_head row. See store.Store.
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
	if err := pgx.BeginFunc(ctx, s.pool, b.run(ctx)); err != nil {
		return nil, s.wrap("append", err)
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
			return nil, fmt.Errorf("postgres: append: event %d: %w", i, err)
		}
	}
	return b, nil
}

// run returns the transaction body. It may run only once.
func (b *batch) run(ctx context.Context) func(pgx.Tx) error {
	return func(tx pgx.Tx) error {
		var head int64
		if err := tx.QueryRow(ctx, sqlLockHead).Scan(&head); err != nil {
			return fmt.Errorf("lock head: %w", err)
		}
		stored, err := b.lookup(ctx, tx)
		if err != nil {
			return err
		}
		cols := b.assign(head, stored)
		if cols.len() == 0 {
			return nil
		}
		return cols.insert(ctx, tx, head+int64(cols.len()))
	}
}

// assign fills the results: duplicates of stored events or of earlier
// events of the batch, and new events with consecutive sequences above head.
// It returns the columns of the new events.
func (b *batch) assign(head int64, stored map[eventsql.Key]*conneventsv1.ConnectionEvent) *columns {
	cols := &columns{}
	for i := range b.rows {
		if j := b.first[i]; j != i {
			b.out[i] = store.Appended{Event: withoutRaw(b.out[j].Event), Duplicate: true}
			continue
		}
		r := &b.rows[i]
		if ev, ok := stored[eventsql.Key{Source: r.Source, SourceEventID: r.SourceEventID}]; ok {
			b.out[i] = store.Appended{Event: ev, Duplicate: true}
			continue
		}
		seq := head + int64(cols.len()) + 1
		cols.add(seq, r)
		b.copies[i].Sequence = seq
		b.out[i] = store.Appended{Event: b.copies[i]}
	}
	return cols
}

func withoutRaw(ev *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent {
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	c.Raw = nil
	return c
}
