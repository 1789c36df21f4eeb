package sqlite

import (
	"context"
	"database/sql"
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
	var oldest sql.NullInt64
	if err := s.read.QueryRowContext(ctx, sqlBounds).Scan(&head, &oldest); err != nil {
		return store.Bounds{}, s.wrap("bounds", err)
	}
	return bounds(head, oldest), nil
}

func bounds(head int64, oldest sql.NullInt64) store.Bounds {
	if !oldest.Valid {
		return store.Bounds{Oldest: head + 1, Head: head}
	}
	return store.Bounds{Oldest: oldest.Int64, Head: head}
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
// in one snapshot. Every sequence up to the result is committed: sequences
// become visible in order.
func (s *Store) sequenceBefore(ctx context.Context, t time.Time) (int64, error) {
	var head int64
	var first sql.NullInt64
	if err := s.read.QueryRowContext(ctx, sqlBefore, eventsql.TimeNanos(t)).Scan(&head, &first); err != nil {
		return 0, err
	}
	if first.Valid {
		return first.Int64 - 1, nil
	}
	return head, nil
}

// pruneChunk is how many events one Prune transaction deletes at most, so
// that appends are not held up behind one long delete.
const pruneChunk = 1000

// sqlPruneChunk deletes the oldest events up to sequence ?1, at most ?2 of
// them. Lowest first, so that between chunks the retained log is still a
// contiguous suffix.
const sqlPruneChunk = `DELETE FROM events WHERE sequence IN
	(SELECT sequence FROM events WHERE sequence <= ? ORDER BY sequence LIMIT ?)`

// Prune deletes the oldest events up to, not including, the first event
// received at or after t (all of them if there is none), pruneChunk per
// transaction; their raw payloads go with them through the foreign key. The
// cut is SequenceBefore(t), read once: events appended while Prune runs are
// above it and stay. The head is untouched.
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
		res, err := s.write.ExecContext(ctx, sqlPruneChunk, last, pruneChunk)
		if err != nil {
			return total, s.wrap("prune", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.wrap("prune", err)
		}
		if total += n; n < pruneChunk {
			return total, nil
		}
	}
}
