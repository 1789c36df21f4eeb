package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	sqlHead    = `SELECT head FROM log_head WHERE id = 1`
	sqlSetHead = `UPDATE log_head SET head = ? WHERE id = 1`
)

// Append stores the batch in one write transaction. See store.Store.
func (s *Store) Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	// Validation and encoding happen here, outside the write lock.
	b, err := eventsql.NewBatch(events)
	if err != nil {
		return nil, s.wrap("append", err)
	}
	if len(events) == 0 {
		return []store.Appended{}, nil
	}
	tx, err := s.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
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
	return b.Results(), nil
}

// appendTx runs inside the write lock: no other writer, in this process or
// another, can store a key or move the head until it commits.
func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, b *eventsql.Batch) error {
	var head int64
	if err := tx.QueryRowContext(ctx, sqlHead).Scan(&head); err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	stored, err := s.lookup(ctx, tx, b.Keys())
	if err != nil {
		return fmt.Errorf("look up keys: %w", err)
	}
	rows := b.Assign(head, stored)
	if len(rows) == 0 {
		return nil
	}
	if err := s.insert(ctx, tx, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlSetHead, head+int64(len(rows))); err != nil {
		return fmt.Errorf("set head: %w", err)
	}
	return nil
}
