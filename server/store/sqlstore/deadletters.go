package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	sqlAddDeadLetter = `INSERT INTO dead_letters (id, source, reason, message, received_at, retries, digest, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest, source) DO NOTHING`
	sqlKeptDeadLetter = `SELECT id, source, reason, message, received_at, retries
		FROM dead_letters WHERE digest = ? AND source = ?`
	sqlGetDeadLetter = `SELECT id, source, reason, message, received_at, retries, raw
		FROM dead_letters WHERE id = ?`
	sqlListDeadLetters = `SELECT id, source, reason, message, received_at, retries
		FROM dead_letters WHERE (? = 0 OR source = ?) AND (? = '' OR id < ?) ORDER BY id DESC LIMIT ?`
	sqlDeadLetterRetried = `UPDATE dead_letters SET retries = retries + 1, reason = ?, message = ? WHERE id = ?`
	sqlDeleteDeadLetter  = `DELETE FROM dead_letters WHERE id = ?`
)

// AddDeadLetters stores ds in one transaction, each unless the same bytes
// of the same source are kept already.
func (s *Store) AddDeadLetters(ctx context.Context, ds []*conneventsv1.DeadLetter) ([]store.KeptDeadLetter, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.GetId() == "" || d.GetSource() == conneventsv1.Source_SOURCE_UNSPECIFIED || d.GetReason() == "" || d.GetReceivedAt() == nil {
			return nil, store.ErrInvalidEvent
		}
	}
	out := make([]store.KeptDeadLetter, len(ds))
	err := s.write.InTx(ctx, func(tx Tx) error {
		for i, d := range ds {
			kept, err := s.addDeadLetter(ctx, tx, d)
			if err != nil {
				return err
			}
			out[i] = kept
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("add dead letters", err)
	}
	return out, nil
}

func (s *Store) addDeadLetter(ctx context.Context, tx Tx, d *conneventsv1.DeadLetter) (store.KeptDeadLetter, error) {
	raw := d.GetRaw()
	if raw == nil {
		raw = []byte{}
	}
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	n, err := tx.Exec(ctx, s.d.sql(sqlAddDeadLetter), d.GetId(), int32(d.GetSource()), d.GetReason(), d.GetMessage(),
		eventsql.TimeNanos(d.GetReceivedAt().AsTime()), d.GetRetries(), digest, raw)
	if err != nil || n == 1 {
		return store.KeptDeadLetter{DeadLetter: d, Added: true}, err
	}
	kept, err := scanDeadLetter(tx.QueryRow(ctx, s.d.sql(sqlKeptDeadLetter), digest, int32(d.GetSource())), false)
	return store.KeptDeadLetter{DeadLetter: kept}, err
}

// GetDeadLetter returns the dead letter with raw, or store.ErrNotFound.
func (s *Store) GetDeadLetter(ctx context.Context, id string) (*conneventsv1.DeadLetter, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	d, err := scanDeadLetter(s.read.QueryRow(ctx, s.d.sql(sqlGetDeadLetter), id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return d, s.wrap("get dead letter", err)
}

// ListDeadLetters returns a page of dead letters without raw, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, q store.DeadLetterQuery) ([]*conneventsv1.DeadLetter, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		return nil, errors.New("store: list dead letters: limit must be positive")
	}
	src := int32(q.Source)
	rows, err := s.read.Query(ctx, s.d.sql(sqlListDeadLetters), src, src, q.Before, q.Before, q.Limit)
	if err != nil {
		return nil, s.wrap("list dead letters", err)
	}
	defer rows.Close()
	var out []*conneventsv1.DeadLetter
	for rows.Next() {
		d, err := scanDeadLetter(rows, false)
		if err != nil {
			return nil, s.wrap("list dead letters", err)
		}
		out = append(out, d)
	}
	return out, s.wrap("list dead letters", rows.Err())
}

// DeadLetterRetried counts a failed retry and records its reason.
func (s *Store) DeadLetterRetried(ctx context.Context, id, reason, message string) error {
	return s.changeDeadLetter(ctx, "retried dead letter", sqlDeadLetterRetried, reason, message, id)
}

// DeleteDeadLetter deletes a dead letter.
func (s *Store) DeleteDeadLetter(ctx context.Context, id string) error {
	return s.changeDeadLetter(ctx, "delete dead letter", sqlDeleteDeadLetter, id)
}

// changeDeadLetter runs a statement that changes one dead letter, and
// returns store.ErrNotFound when it changed none.
func (s *Store) changeDeadLetter(ctx context.Context, op, query string, args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	n, err := s.write.Exec(ctx, s.d.sql(query), args...)
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func scanDeadLetter(row Row, withRaw bool) (*conneventsv1.DeadLetter, error) {
	var (
		d          conneventsv1.DeadLetter
		src        int32
		receivedAt int64
		raw        []byte
	)
	dest := []any{&d.Id, &src, &d.Reason, &d.Message, &receivedAt, &d.Retries}
	if withRaw {
		dest = append(dest, &raw)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.Source = conneventsv1.Source(src)
	d.ReceivedAt = timestamppb.New(time.Unix(0, receivedAt))
	d.Raw = raw
	return &d, nil
}
