package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// defaultRebuildBatch is how many journeys one rebuild transaction folds
// when the caller does not say.
const defaultRebuildBatch = 200

const (
	// sqlLoggedJourneys lists the next journeys of the log by a loose index
	// scan (one index probe per journey), which neither database turns into
	// a scan of the whole log.
	sqlLoggedJourneys = `WITH RECURSIVE ids (id, n) AS (
		SELECT (SELECT MIN(connection_id) FROM events WHERE connection_id > ?), 1
		UNION ALL
		SELECT (SELECT MIN(e.connection_id) FROM events e WHERE e.connection_id > ids.id), n + 1
		FROM ids WHERE ids.id IS NOT NULL AND n < ?)
		SELECT id FROM ids WHERE id IS NOT NULL`
	sqlOrphanJourneys = `SELECT j.id FROM journeys j WHERE j.id > ?
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.connection_id = j.id) ORDER BY j.id LIMIT ?`
	sqlBackfillPending = `SELECT value FROM meta WHERE key = 'connection_ids'`
	sqlBackfillDone    = `DELETE FROM meta WHERE key = 'connection_ids'`
	sqlBackfillRead    = `SELECT e.sequence, e.connection_id, e.body FROM events e
		WHERE e.sequence > ? ORDER BY e.sequence LIMIT ?`
)

// setConnectionIDs sets the connection_id and external_state of events by
// sequence.
var setConnectionIDs = withRows("k", []string{"sequence", "connection_id", "external_state"},
	`UPDATE events SET connection_id = k.connection_id, external_state = k.external_state
	FROM k WHERE events.sequence = k.sequence`)

// RebuildJourneys recomputes every journey from the log. See store.Store.
//
// First, on a database with events stored before journeys existed, it sets
// their connection ids and funnel rows (once). Then it folds the journeys
// named by the log, batch ids at a time in id order, each batch in its own
// transaction under the head lock (so the batch's events cannot change
// meanwhile, and appends wait for one batch at most); then it deletes the
// stored journeys left without events.
func (s *Store) RebuildJourneys(ctx context.Context, batch int) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	if batch <= 0 {
		batch = defaultRebuildBatch
	}
	if err := s.Analyze(ctx); err != nil {
		return 0, s.wrap("rebuild journeys", err)
	}
	if err := s.backfill(ctx, batch*10); err != nil {
		return 0, s.wrap("rebuild journeys", err)
	}
	var total int64
	for _, pass := range []string{sqlLoggedJourneys, sqlOrphanJourneys} {
		n, err := s.rebuildPass(ctx, pass, batch)
		total += n
		if err != nil {
			return total, s.wrap("rebuild journeys", err)
		}
	}
	return total, nil
}

// rebuildPass folds again, batch by batch, the journeys that query lists.
func (s *Store) rebuildPass(ctx context.Context, query string, batch int) (int64, error) {
	var total int64
	after := ""
	for {
		ids, err := s.ids(ctx, query, after, batch)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		n, err := s.refoldTx(ctx, ids)
		if total += n; err != nil {
			return total, err
		}
		after = ids[len(ids)-1]
	}
}

func (s *Store) ids(ctx context.Context, query, after string, limit int) ([]string, error) {
	return scanIDs(s.read.Query(ctx, s.d.sql(query), after, int64(limit)))
}

// scanIDs reads a one-column result of journey ids.
func scanIDs(rows Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// refoldTx folds journeys ids again in one transaction and returns how many
// changed.
func (s *Store) refoldTx(ctx context.Context, ids []string) (int64, error) {
	var n int64
	err := s.write.InTx(ctx, func(tx Tx) error {
		h, err := s.lockHeads(ctx, tx)
		if err != nil {
			return err
		}
		w, err := s.refold(ctx, tx, ids)
		if err != nil || w.changed() == 0 {
			return err
		}
		n = w.changed()
		stmts := w.stmts(h.changes)
		h.changes += int64(len(w.changes))
		return tx.ExecBatch(ctx, append(stmts, s.setHeads(h)))
	})
	return n, err
}

// refold returns the writes that make journeys ids what their stored events
// fold to: rewritten where they differ, deleted where no event is left.
// The caller holds the head lock.
func (s *Store) refold(ctx context.Context, tx Tx, ids []string) (*journeyWrites, error) {
	old, err := s.loadStored(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	logged, err := s.loadEvents(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	w := s.newWrites()
	for _, id := range ids {
		st := journey.Fold(logged[id])
		if err := w.put(id, &st, old[id], 0); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// backfill sets the connection id, the external state and the funnel rows
// of the events stored before journeys existed, limit events per transaction, if the database
// has such events (migration 0002 marks it).
func (s *Store) backfill(ctx context.Context, limit int) error {
	var v string
	err := s.read.QueryRow(ctx, sqlBackfillPending).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	var after int64
	for done := false; !done; {
		err := s.write.InTx(ctx, func(tx Tx) error {
			if _, err := s.lockHeads(ctx, tx); err != nil {
				return err
			}
			events, err := s.readAfter(ctx, tx, after, limit)
			if err != nil {
				return err
			}
			var seqs []int64
			var ids, states []*string
			for _, ev := range events {
				id := s.namer.IDOf(ev)
				if st := ev.GetPatient().GetExternalState(); id != ev.GetConnectionId() || st != "" {
					seqs, ids = append(seqs, ev.GetSequence()), append(ids, ptrOrNil(id))
					states = append(states, ptrOrNil(st))
				}
				ev.ConnectionId = id
				after = ev.GetSequence()
			}
			stmts := s.d.stmts(setConnectionIDs, len(seqs), seqs, ids, states)
			stmts = append(stmts, s.discoveryStmts(events)...)
			if done = len(events) < limit; done {
				stmts = append(stmts, Stmt{SQL: sqlBackfillDone})
			}
			return tx.ExecBatch(ctx, stmts)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readAfter reads up to limit events after sequence after, in order.
func (s *Store) readAfter(ctx context.Context, q Querier, after int64, limit int) ([]*conneventsv1.ConnectionEvent, error) {
	rows, err := q.Query(ctx, s.d.sql(sqlBackfillRead), after, int64(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*conneventsv1.ConnectionEvent
	for rows.Next() {
		var seq int64
		var conn *string
		var body []byte
		if err := rows.Scan(&seq, &conn, &body); err != nil {
			return nil, err
		}
		ev, err := eventsql.Decode(seq, conn, body, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Analyze refreshes the database planner's statistics where the dialect
// keeps them (PostgreSQL; a no-op on SQLite).
func (s *Store) Analyze(ctx context.Context) error {
	if s.d.Analyze == "" {
		return nil
	}
	_, err := s.write.Exec(ctx, s.d.Analyze)
	return err
}

// Vacuum does what autovacuum does for a running service, where the
// dialect needs it (PostgreSQL; a no-op on SQLite): benchmarks run it after
// a bulk fill, so that they measure the service as it runs.
func (s *Store) Vacuum(ctx context.Context) error {
	if s.d.Vacuum == "" {
		return nil
	}
	_, err := s.write.Exec(ctx, s.d.Vacuum)
	return err
}

func ptrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
