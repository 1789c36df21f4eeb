package postgres

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
		(SELECT MIN(sequence) FROM events WHERE received_at >= $1)`
)

// Bounds returns the oldest retained and the highest committed sequence.
func (s *Store) Bounds(ctx context.Context) (store.Bounds, error) {
	if err := s.check(); err != nil {
		return store.Bounds{}, err
	}
	var head int64
	var oldest *int64
	if err := s.pool.QueryRow(ctx, sqlBounds).Scan(&head, &oldest); err != nil {
		return store.Bounds{}, s.wrap("bounds", err)
	}
	return bounds(head, oldest), nil
}

func bounds(head int64, oldest *int64) store.Bounds {
	if oldest == nil {
		return store.Bounds{Oldest: head + 1, Head: head}
	}
	return store.Bounds{Oldest: *oldest, Head: head}
}

// SequenceBefore returns the highest sequence of an event received before
// t, or Oldest-1. See store.Store.
func (s *Store) SequenceBefore(ctx context.Context, t time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var head int64
	var first *int64
	err := s.pool.QueryRow(ctx, sqlBefore, eventsql.TimeNanos(t)).Scan(&head, &first)
	if err != nil {
		return 0, s.wrap("sequence before", err)
	}
	if first != nil {
		return *first - 1, nil
	}
	return head, nil
}

// pruneChunk is how many events one Prune transaction deletes at most, so
// that no single delete holds locks and WAL for long.
const pruneChunk = 1000

// Prune deletes the events received before t, pruneChunk per transaction
// (their raw payloads go with them through the foreign key). The head is
// untouched.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	const del = `DELETE FROM events WHERE sequence IN
		(SELECT sequence FROM events WHERE received_at < $1 LIMIT $2)`
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, del, eventsql.TimeNanos(before), pruneChunk)
		if err != nil {
			return total, s.wrap("prune", err)
		}
		n := tag.RowsAffected()
		if total += n; n < pruneChunk {
			return total, nil
		}
	}
}
