package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/connevents/connevents/server/store"
)

const (
	sqlGetCheckpoint = `SELECT value FROM checkpoints WHERE key = ?`
	sqlPutCheckpoint = `INSERT INTO checkpoints (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`
)

// GetCheckpoint returns the value stored under key, or store.ErrNotFound.
func (s *Store) GetCheckpoint(ctx context.Context, key string) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var v string
	err := s.read.QueryRow(ctx, s.d.sql(sqlGetCheckpoint), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return v, s.wrap("get checkpoint", err)
}

// PutCheckpoint durably stores value under key.
func (s *Store) PutCheckpoint(ctx context.Context, key, value string) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.write.Exec(ctx, s.d.sql(sqlPutCheckpoint), key, value)
	return s.wrap("put checkpoint", err)
}
