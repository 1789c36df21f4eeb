package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

var errAccessLimit = errors.New("store: access query limit must be > 0")

// accessRowsPerStmt is how many records one INSERT carries (11
// parameters a row stays far below every database's limit): statements
// are parsed once per chunk, not once per record.
const accessRowsPerStmt = 64

const insertAccessRecords = `INSERT INTO access_records
	(at, key_name, role, method, route, phase, request, patient, items, peer, outcome) VALUES `

const accessRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AppendAccessRecords stores records in one transaction. See store.Store.
func (s *Store) AppendAccessRecords(ctx context.Context, records []store.AccessRecord) error {
	if err := s.check(); err != nil {
		return err
	}
	var stmts []Stmt
	for chunk := range slices.Chunk(records, accessRowsPerStmt) {
		args := make([]any, 0, 11*len(chunk))
		for _, r := range chunk {
			args = append(args, r.Time.UnixNano(), r.KeyName, r.Role, r.Method, r.Route, int32(r.Phase),
				r.Filter, nullable(r.Patient), r.Count, r.Peer, r.Outcome)
		}
		q := insertAccessRecords + strings.Repeat(accessRow+", ", len(chunk)-1) + accessRow
		stmts = append(stmts, Stmt{SQL: s.d.sql(q), Args: args})
	}
	if len(stmts) == 0 {
		return nil
	}
	return s.wrap("append access records", s.write.InTx(ctx, func(tx Tx) error {
		return tx.ExecBatch(ctx, stmts)
	}))
}

// ListAccessRecords returns a page of access records, newest first. See
// store.Store.
func (s *Store) ListAccessRecords(ctx context.Context, q store.AccessQuery) ([]store.AccessRecord, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		return nil, errAccessLimit
	}
	where, args := accessWhere(q)
	rows, err := s.read.Query(ctx, s.d.sql(`SELECT id, at, key_name, role, method, route, phase, request,
		patient, items, peer, outcome FROM access_records`+where+` ORDER BY id DESC LIMIT ?`), append(args, q.Limit)...)
	if err != nil {
		return nil, s.wrap("list access records", err)
	}
	defer rows.Close()
	var out []store.AccessRecord
	for rows.Next() {
		r, err := scanAccessRecord(rows)
		if err != nil {
			return nil, s.wrap("list access records", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("list access records", rows.Err())
}

// accessWhere is the WHERE clause of q, with its arguments.
func accessWhere(q store.AccessQuery) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if q.KeyName != "" {
		add("key_name = ?", q.KeyName)
	}
	if q.Method != "" {
		add("method = ?", q.Method)
	}
	if q.Patient != "" {
		add("patient = ?", q.Patient)
	}
	if !q.Start.IsZero() {
		add("at >= ?", q.Start.UnixNano())
	}
	if !q.End.IsZero() {
		add("at < ?", q.End.UnixNano())
	}
	if q.Before > 0 {
		add("id < ?", q.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func scanAccessRecord(row Row) (store.AccessRecord, error) {
	var r store.AccessRecord
	var at int64
	var phase int32
	var patient *string
	err := row.Scan(&r.ID, &at, &r.KeyName, &r.Role, &r.Method, &r.Route, &phase, &r.Filter,
		&patient, &r.Count, &r.Peer, &r.Outcome)
	r.Time = time.Unix(0, at).UTC()
	r.Phase = conneventsv1.AccessPhase(phase)
	if patient != nil {
		r.Patient = *patient
	}
	return r, err
}

// PruneAccessRecords deletes the records written before t. See
// store.Store.
func (s *Store) PruneAccessRecords(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var n int64
	err := s.write.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Exec(ctx, s.d.sql(`DELETE FROM access_records WHERE at < ?`), before.UnixNano())
		return err
	})
	return n, s.wrap("prune access records", err)
}

// nullable is NULL for "".
func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}
