package sqlstore

import (
	"context"
	"time"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// One statement reads one snapshot, so head and oldest agree.
const (
	sqlBounds = `SELECT (SELECT head FROM log_head WHERE id = 1), (SELECT MIN(sequence) FROM events)`
	sqlBefore = `SELECT (SELECT head FROM log_head WHERE id = 1),
		(SELECT MIN(sequence) FROM events WHERE received_at >= ?)`
)

// Bounds returns the oldest retained and the highest committed sequence.
func (s *Store) Bounds(ctx context.Context) (store.Bounds, error) {
	if err := s.check(); err != nil {
		return store.Bounds{}, err
	}
	var head int64
	var oldest *int64
	if err := s.read.QueryRow(ctx, sqlBounds).Scan(&head, &oldest); err != nil {
		return store.Bounds{}, s.wrap("bounds", err)
	}
	if oldest == nil {
		return store.Bounds{Oldest: head + 1, Head: head}, nil
	}
	return store.Bounds{Oldest: *oldest, Head: head}, nil
}

// SequenceBefore returns one less than the lowest sequence of an event
// received at or after t, or Head. See store.Store.
func (s *Store) SequenceBefore(ctx context.Context, t time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	seq, err := s.sequenceBefore(ctx, t)
	return seq, s.wrap("sequence before", err)
}

// sequenceBefore reads head and the first sequence received at or after t
// in one snapshot. Every sequence up to the result is committed: appends are
// serialized, so sequences become visible in order.
func (s *Store) sequenceBefore(ctx context.Context, t time.Time) (int64, error) {
	var head int64
	var first *int64
	if err := s.read.QueryRow(ctx, s.d.sql(sqlBefore), eventsql.TimeNanos(t)).Scan(&head, &first); err != nil {
		return 0, err
	}
	if first != nil {
		return *first - 1, nil
	}
	return head, nil
}

// pruneChunk is how many events one Prune transaction deletes at most, so
// that no single delete holds up appends, or holds locks and WAL, for long.
const pruneChunk = 1000

// sqlPruneChunk deletes the oldest events up to a sequence, at most
// pruneChunk of them, and returns their journeys. Lowest first, so that
// between chunks the retained log is still a contiguous suffix.
const sqlPruneChunk = `DELETE FROM events WHERE sequence IN
	(SELECT sequence FROM events WHERE sequence <= ? ORDER BY sequence LIMIT ?)
	RETURNING connection_id`

// The journey change log is pruned like the log: up to the first change
// made at or after the cut time.
const (
	sqlChangesBefore = `SELECT (SELECT change_head FROM log_head WHERE id = 1),
		(SELECT MIN(change_seq) FROM journey_changes WHERE at >= ?)`
	sqlPruneChanges = `DELETE FROM journey_changes WHERE change_seq IN
		(SELECT change_seq FROM journey_changes WHERE change_seq <= ? ORDER BY change_seq LIMIT ?)`
)

// Prune deletes the oldest events up to, not including, the first event
// received at or after t (all of them if there is none), pruneChunk per
// transaction; their raw payloads and funnel rows go with them through the
// foreign keys. Each transaction takes the head lock and folds the
// journeys of its deleted events again from the events left (deleting
// those left with none). The cut is SequenceBefore(t), read once: events
// appended while Prune runs are above it and stay. The heads are
// untouched. Then the journey changes made before t go, likewise.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	last, err := s.sequenceBefore(ctx, before)
	if err != nil {
		return 0, s.wrap("prune", err)
	}
	var total int64
	for {
		n, err := s.pruneChunk(ctx, last)
		if err != nil {
			return total, s.wrap("prune", err)
		}
		if total += n; n < pruneChunk {
			break
		}
		if total == n { // a large prune: fresh statistics for the next chunks
			if err := s.Analyze(ctx); err != nil {
				return total, s.wrap("prune", err)
			}
		}
	}
	return total, s.wrap("prune", s.pruneChanges(ctx, before))
}

// pruneChunk deletes one chunk of events up to last and refolds their
// journeys, in one transaction.
func (s *Store) pruneChunk(ctx context.Context, last int64) (int64, error) {
	var n int64
	err := s.write.InTx(ctx, func(tx Tx) error {
		h, err := s.lockHeads(ctx, tx)
		if err != nil {
			return err
		}
		var ids []string
		if n, ids, err = s.deleteChunk(ctx, tx, last); err != nil || len(ids) == 0 || s.opts.NoJourneys {
			return err
		}
		w, err := s.refold(ctx, tx, ids)
		if err != nil || w.changed() == 0 {
			return err
		}
		stmts := w.stmts(h.changes)
		h.changes += int64(len(w.changes))
		return tx.ExecBatch(ctx, append(stmts, s.setHeads(h)))
	})
	return n, err
}

// deleteChunk deletes one chunk and returns how many events went and their
// distinct journeys.
func (s *Store) deleteChunk(ctx context.Context, tx Tx, last int64) (int64, []string, error) {
	rows, err := tx.Query(ctx, s.d.sql(sqlPruneChunk), last, pruneChunk)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var n int64
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var id *string
		if err := rows.Scan(&id); err != nil {
			return 0, nil, err
		}
		n++
		if id != nil && !seen[*id] {
			seen[*id] = true
			ids = append(ids, *id)
		}
	}
	return n, ids, rows.Err()
}

// pruneChanges deletes the journey changes up to the first one made at or
// after before, pruneChunk per statement.
func (s *Store) pruneChanges(ctx context.Context, before time.Time) error {
	var head int64
	var first *int64
	if err := s.read.QueryRow(ctx, s.d.sql(sqlChangesBefore), eventsql.TimeNanos(before)).Scan(&head, &first); err != nil {
		return err
	}
	last := head
	if first != nil {
		last = *first - 1
	}
	for {
		n, err := s.write.Exec(ctx, s.d.sql(sqlPruneChanges), last, pruneChunk)
		if err != nil || n < pruneChunk {
			return err
		}
	}
}
