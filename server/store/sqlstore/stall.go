package sqlstore

import (
	"context"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	sqlStalling = `SELECT id FROM journeys WHERE status = ? AND stall_at <= ? ORDER BY id`
	sqlStall    = `UPDATE journeys SET status = ?, update_time = ? WHERE status = ? AND stall_at <= ?`
)

var (
	inProgress = int32(conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS)
	stalled    = int32(conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED)
)

// MarkStalled makes the in-progress journeys whose stall time has passed
// STALLED, in one transaction under the head lock: so two processes running
// it at once change each journey once, and the changes take their sequences
// in commit order. See store.Store.
func (s *Store) MarkStalled(ctx context.Context, now time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var n int64
	err := s.write.InTx(ctx, func(tx Tx) error {
		h, err := s.lockHeads(ctx, tx)
		if err != nil {
			return err
		}
		ids, err := s.stalling(ctx, tx, eventsql.TimeNanos(now))
		if err != nil || len(ids) == 0 {
			return err
		}
		w := s.newWrites()
		w.now = now
		for _, id := range ids {
			w.changes = append(w.changes, change{journeyID: id})
		}
		stmts := []Stmt{{SQL: s.d.sql(sqlStall), Args: []any{stalled, eventsql.TimeNanos(now), inProgress, eventsql.TimeNanos(now)}}}
		stmts = append(stmts, w.stmts(h.changes)...)
		h.changes += int64(len(ids))
		n = int64(len(ids))
		return tx.ExecBatch(ctx, append(stmts, s.setHeads(h)))
	})
	if err != nil {
		return 0, s.wrap("mark stalled", err)
	}
	return n, nil
}

func (s *Store) stalling(ctx context.Context, tx Tx, now int64) ([]string, error) {
	return scanIDs(tx.Query(ctx, s.d.sql(sqlStalling), inProgress, now))
}
