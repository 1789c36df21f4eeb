package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// statements are the writer's prepared statements for Append.
type statements struct {
	head, setHead, insert, insertRaw, byKey *sql.Stmt
}

const (
	sqlHead    = `SELECT head FROM log_head WHERE id = 1`
	sqlSetHead = `UPDATE log_head SET head = ? WHERE id = 1`
	sqlInsert  = `INSERT INTO events (sequence, id, source, source_event_id, type, stage, outcome,
		api_mode, occurred_at, received_at, external_id, oneup_user_id, fhir_patient_reference,
		org_connection_id, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, source_event_id) DO NOTHING`
	sqlInsertRaw = `INSERT INTO event_raw (sequence, raw) VALUES (?, ?)`
	sqlByKey     = `SELECT sequence, body FROM events WHERE source = ? AND source_event_id = ?`
)

func prepare(ctx context.Context, db *sql.DB) (*statements, error) {
	s := &statements{}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.head, sqlHead}, {&s.setHead, sqlSetHead}, {&s.insert, sqlInsert},
		{&s.insertRaw, sqlInsertRaw}, {&s.byKey, sqlByKey},
	} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return s, fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.dst = stmt
	}
	return s, nil
}

// in returns the statements bound to tx.
func (s *statements) in(ctx context.Context, tx *sql.Tx) *statements {
	return &statements{
		head: tx.StmtContext(ctx, s.head), setHead: tx.StmtContext(ctx, s.setHead),
		insert: tx.StmtContext(ctx, s.insert), insertRaw: tx.StmtContext(ctx, s.insertRaw),
		byKey: tx.StmtContext(ctx, s.byKey),
	}
}

func (s *statements) close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{s.head, s.setHead, s.insert, s.insertRaw, s.byKey} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}
