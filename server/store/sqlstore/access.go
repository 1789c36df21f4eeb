package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

var errAccessLimit = errors.New("store: access query limit must be > 0")

// insertAccessRecords appends access records; like the append's batch
// statements it is prepared at Open where the dialect prepares.
var insertAccessRecords = insertInto("access_records",
	"at", "key_name", "role", "method", "route", "phase", "request", "patient", "items", "peer", "outcome")

// AppendAccessRecords stores records in one transaction. See store.Store.
func (s *Store) AppendAccessRecords(ctx context.Context, records []store.AccessRecord) error {
	if err := s.check(); err != nil {
		return err
	}
	if len(records) == 0 {
		return nil
	}
	n := len(records)
	at, phase, items := make([]int64, n), make([]int32, n), make([]int64, n)
	key, role, method, route := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	request, peer, outcome, patient := make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	for i, r := range records {
		at[i], phase[i], items[i] = eventsql.TimeNanos(r.Time), int32(r.Phase), r.Count
		key[i], role[i], method[i], route[i] = r.KeyName, r.Role, r.Method, r.Route
		request[i], peer[i], outcome[i] = r.Filter, r.Peer, r.Outcome
		if r.Patient != "" {
			patient[i] = &records[i].Patient
		}
	}
	stmts := s.d.stmts(insertAccessRecords, n, at, key, role, method, route, phase, request, patient, items, peer, outcome)
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
		add("at >= ?", eventsql.TimeNanos(q.Start))
	}
	if !q.End.IsZero() {
		add("at < ?", eventsql.TimeNanos(q.End))
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
		n, err = tx.Exec(ctx, s.d.sql(`DELETE FROM access_records WHERE at < ?`), eventsql.TimeNanos(before))
		return err
	})
	return n, s.wrap("prune access records", err)
}
