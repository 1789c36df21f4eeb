package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	// Validation and encoding happen here, outside the lock.
	b, err := eventsql.NewBatch(events)
	if err != nil {
		return nil, s.wrap("append", err)
	}
	if len(events) == 0 {
		return []store.Appended{}, nil
	}
	select {
	case s.appending <- struct{}{}:
		defer func() { <-s.appending }()
	case <-ctx.Done():
		return nil, s.wrap("append", ctx.Err())
	}
	if err := pgx.BeginFunc(ctx, s.pool, run(ctx, b)); err != nil {
		return nil, s.wrap("append", err)
	}
	return b.Results(), nil
}

// run returns the transaction body: lock the head, look up the batch's
// keys, insert what is new and move the head.
func run(ctx context.Context, b *eventsql.Batch) func(pgx.Tx) error {
	return func(tx pgx.Tx) error {
		var head int64
		if err := tx.QueryRow(ctx, sqlLockHead).Scan(&head); err != nil {
			return fmt.Errorf("lock head: %w", err)
		}
		stored, err := lookup(ctx, tx, b.Keys())
		if err != nil {
			return err
		}
		rows := b.Assign(head, stored)
		if len(rows) == 0 {
			return nil
		}
		return insert(ctx, tx, rows, head+int64(len(rows)))
	}
}
