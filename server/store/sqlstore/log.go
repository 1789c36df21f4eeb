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
// pruneChunk of them. Lowest first, so that between chunks the retained log
// is still a contiguous suffix.
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
		n, err := s.write.Exec(ctx, s.d.sql(sqlPruneChunk), last, pruneChunk)
		if err != nil {
			return total, s.wrap("prune", err)
		}
		if total += n; n < pruneChunk {
			return total, nil
		}
	}
}
