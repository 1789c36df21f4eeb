package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/connevents/connevents/server/store/internal/eventsql"
)

var (
	insertEvents = multiRow{
		head: `INSERT INTO events (sequence, id, source, source_event_id, type, stage, outcome,
		api_mode, occurred_at, received_at, external_id, oneup_user_id, fhir_patient_reference,
		org_connection_id, body) VALUES `,
		row: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	}
	insertRaw = multiRow{head: `INSERT INTO event_raw (sequence, raw) VALUES `, row: `(?, ?)`}
)

// insert writes rows and their raw payloads with multi-row INSERTs. The
// caller holds the write lock and has checked that no key is stored, so a
// constraint error here is a real error.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, rows []*eventsql.Row) error {
	err := s.stmts.split(ctx, tx, insertEvents, len(rows), func(st *sql.Stmt, from, to int) error {
		args := make([]any, 0, 15*(to-from))
		for _, r := range rows[from:to] {
			args = append(args, r.Sequence, r.ID, r.Source, r.SourceEventID, r.Type, r.Stage, r.Outcome,
				r.APIMode, r.OccurredAt, r.ReceivedAt, r.ExternalID, r.OneupUserID, r.FHIRPatientRef,
				r.OrgConnectionID, r.Body)
		}
		_, err := st.ExecContext(ctx, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return s.insertRaw(ctx, tx, rows)
}

func (s *Store) insertRaw(ctx context.Context, tx *sql.Tx, rows []*eventsql.Row) error {
	var withRaw []*eventsql.Row
	for _, r := range rows {
		if r.Raw != nil {
			withRaw = append(withRaw, r)
		}
	}
	err := s.stmts.split(ctx, tx, insertRaw, len(withRaw), func(st *sql.Stmt, from, to int) error {
		args := make([]any, 0, 2*(to-from))
		for _, r := range withRaw[from:to] {
			args = append(args, r.Sequence, r.Raw)
		}
		_, err := st.ExecContext(ctx, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert raw: %w", err)
	}
	return nil
}
