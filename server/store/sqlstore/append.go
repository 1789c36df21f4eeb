package sqlstore

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// The batch statements of an append. batchStmts lists every batch statement,
// for dialects that prepare them at Open.
var (
	insertEvents = insertInto("events", "sequence", "id", "source", "source_event_id", "type", "stage",
		"outcome", "api_mode", "occurred_at", "received_at", "external_id", "oneup_user_id",
		"fhir_patient_reference", "org_connection_id", "connection_id", "external_state", "body", "occurred_max")
	insertRaw = insertInto("event_raw", "sequence", "raw")
	// lookupKeys finds stored events by key: one probe of the unique index
	// per key.
	lookupKeys = withRows("k", []string{"source", "source_event_id"},
		`SELECT e.source, e.source_event_id, e.sequence, e.connection_id, e.body
		FROM k JOIN events e ON e.source = k.source AND e.source_event_id = k.source_event_id`)

	batchStmts = append([]batchStmt{insertEvents, insertRaw, lookupKeys, insertAccessRecords}, journeyBatchStmts...)
)

// sqlHead reads (and, with the dialect's RowLock, locks) the heads of the
// event log and of the journey change log. Every transaction that writes
// events or journeys takes this lock first.
const (
	sqlHead    = `SELECT head, change_head, occurred_max FROM log_head WHERE id = 1`
	sqlSetHead = `UPDATE log_head SET head = ?, change_head = ?, occurred_max = ? WHERE id = 1`
)

// Append stores the batch in one transaction, serialized with every other
// append by the head lock. See store.Store.
func (s *Store) Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	// Validation and encoding happen here, outside the lock.
	b, err := eventsql.NewBatch(events, s.namer.IDOf)
	if err != nil {
		return nil, s.wrap("append", err)
	}
	if len(events) == 0 {
		return []store.Appended{}, nil
	}
	if err := s.queue(ctx); err != nil {
		return nil, s.wrap("append", err)
	}
	defer func() { <-s.appending }()
	var fresh []freshState
	err = s.write.InTx(ctx, func(tx Tx) error {
		var err error
		fresh, err = s.appendTx(ctx, tx, b)
		return err
	})
	if err != nil {
		return nil, s.wrap("append", err)
	}
	s.states.put(fresh)
	return b.Results(), nil
}

// queue waits for this process's turn to append; the caller ends it by
// receiving from s.appending.
func (s *Store) queue(ctx context.Context) error {
	select {
	case s.appending <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// heads are the heads of the event log and the journey change log, and the
// greatest occurred_at in the event log (nil while none has one).
type heads struct {
	events, changes int64
	occurredMax     *int64
}

// lockHeads reads the heads and locks them until tx ends.
func (s *Store) lockHeads(ctx context.Context, tx Tx) (heads, error) {
	var h heads
	if err := tx.QueryRow(ctx, sqlHead+s.d.RowLock).Scan(&h.events, &h.changes, &h.occurredMax); err != nil {
		return h, fmt.Errorf("lock head: %w", err)
	}
	return h, nil
}

// setHeads is the statement that moves the heads.
func (s *Store) setHeads(h heads) Stmt {
	return Stmt{SQL: s.d.sql(sqlSetHead), Args: []any{h.events, h.changes, h.occurredMax}}
}

// appendTx is the append transaction: lock the head (no other writer, in
// this process or another, can store a key, change a journey or move a head
// until commit), look up the batch's keys and the stored state of the
// journeys of its new events, then insert what is new, write the journeys
// folded with the new events and move the heads in one ExecBatch. It
// returns the journey states written, for the cache once committed.
func (s *Store) appendTx(ctx context.Context, tx Tx, b *eventsql.Batch) ([]freshState, error) {
	h, err := s.lockHeads(ctx, tx)
	if err != nil {
		return nil, err
	}
	stored, err := s.lookup(ctx, tx, b.Keys())
	if err != nil {
		return nil, fmt.Errorf("look up keys: %w", err)
	}
	rows := b.Assign(h.events, stored)
	if len(rows) == 0 {
		return nil, nil
	}
	stmts := s.insertStmts(rows, &h)
	var fresh []freshState
	if !s.opts.NoJourneys {
		w, err := s.upkeep(ctx, tx, b.Added())
		if err != nil {
			return nil, fmt.Errorf("journeys: %w", err)
		}
		stmts = append(stmts, w.stmts(h.changes)...)
		stmts = append(stmts, s.discoveryStmts(b.Added())...)
		h.changes += int64(len(w.changes))
		fresh = w.fresh
	}
	stmts = append(stmts, s.setHeads(h))
	if s.d.NotifyCommit != "" {
		stmts = append(stmts, Stmt{SQL: s.d.NotifyCommit})
	}
	if err := tx.ExecBatch(ctx, stmts); err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	return fresh, nil
}

// upkeep folds the new events of an append into their journeys: it reads
// their stored states (or, for a state of another fold version, their
// stored events) and returns the writes.
func (s *Store) upkeep(ctx context.Context, tx Tx, added []*conneventsv1.ConnectionEvent) (*journeyWrites, error) {
	byJourney := map[string][]*conneventsv1.ConnectionEvent{}
	var ids []string
	for _, ev := range added {
		id := ev.GetConnectionId()
		if id == "" {
			continue
		}
		if _, ok := byJourney[id]; !ok {
			ids = append(ids, id)
		}
		byJourney[id] = append(byJourney[id], ev)
	}
	w := s.newWrites()
	if len(ids) == 0 {
		return w, nil
	}
	old, err := s.loadCurrent(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, id := range ids {
		if l, ok := old[id]; ok && l.err != nil {
			stale = append(stale, id)
		}
	}
	logged, err := s.loadEvents(ctx, tx, stale)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		var st journey.State
		l := old[id]
		switch {
		case l == nil:
		case l.err != nil:
			st = journey.Fold(logged[id])
		default:
			st = l.state
		}
		var seq int64
		for _, ev := range byJourney[id] {
			st.Apply(ev)
			seq = max(seq, ev.GetSequence())
		}
		if err := w.put(id, &st, l, seq); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// insertStmts returns the statements that insert rows (in sequence order)
// and their raw payloads, and moves h past them.
func (s *Store) insertStmts(rows []*eventsql.Row, h *heads) []Stmt {
	c := &columns{}
	for _, r := range rows {
		if t := r.OccurredAt; t != nil && (h.occurredMax == nil || *t > *h.occurredMax) {
			h.occurredMax = t
		}
		c.add(r, h.occurredMax)
	}
	h.events += int64(len(rows))
	stmts := s.d.stmts(insertEvents, len(c.seq), c.seq, c.id, c.source, c.sourceEventID, c.typ,
		c.stage, c.outcome, c.mode, c.occurred, c.received, c.ext, c.oneup, c.fhir, c.org, c.conn, c.state, c.body,
		c.occurredMax)
	return append(stmts, s.d.stmts(insertRaw, len(c.rawSeq), c.rawSeq, c.raw)...)
}

// columns holds the new events of a batch column by column.
type columns struct {
	seq                                []int64
	id, sourceEventID                  []string
	source, typ, stage, outcome, mode  []int32
	occurred, received, occurredMax    []*int64
	ext, oneup, fhir, org, conn, state []*string
	body                               [][]byte
	rawSeq                             []int64
	raw                                [][]byte
}

func (c *columns) add(r *eventsql.Row, occurredMax *int64) {
	seq := r.Sequence
	c.occurredMax = append(c.occurredMax, occurredMax)
	c.seq = append(c.seq, seq)
	c.id, c.sourceEventID = append(c.id, r.ID), append(c.sourceEventID, r.SourceEventID)
	c.source, c.typ = append(c.source, r.Source), append(c.typ, r.Type)
	c.stage, c.outcome, c.mode = append(c.stage, r.Stage), append(c.outcome, r.Outcome), append(c.mode, r.APIMode)
	c.occurred, c.received = append(c.occurred, r.OccurredAt), append(c.received, r.ReceivedAt)
	c.ext, c.oneup = append(c.ext, r.ExternalID), append(c.oneup, r.OneupUserID)
	c.fhir, c.org = append(c.fhir, r.FHIRPatientRef), append(c.org, r.OrgConnectionID)
	c.conn, c.state = append(c.conn, r.ConnectionID), append(c.state, r.ExternalState)
	c.body = append(c.body, r.Body)
	if r.Raw != nil {
		c.rawSeq, c.raw = append(c.rawSeq, seq), append(c.raw, r.Raw)
	}
}

// lookup returns the stored events whose keys appear in the batch.
func (s *Store) lookup(ctx context.Context, tx Tx, keys []eventsql.Key) (map[eventsql.Key]*conneventsv1.ConnectionEvent, error) {
	sources, ids := make([]int32, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		sources[i], ids[i] = k.Source, k.SourceEventID
	}
	stored := map[eventsql.Key]*conneventsv1.ConnectionEvent{}
	for _, st := range s.d.stmts(lookupKeys, len(keys), sources, ids) {
		if err := scanStored(ctx, tx, st, stored); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

func scanStored(ctx context.Context, tx Tx, st Stmt, into map[eventsql.Key]*conneventsv1.ConnectionEvent) error {
	rows, err := tx.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k eventsql.Key
		var seq int64
		var conn *string
		var body []byte
		if err := rows.Scan(&k.Source, &k.SourceEventID, &seq, &conn, &body); err != nil {
			return err
		}
		if into[k], err = eventsql.Decode(seq, conn, body, nil); err != nil {
			return err
		}
	}
	return rows.Err()
}
