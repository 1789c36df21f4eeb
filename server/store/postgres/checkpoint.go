package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/connevents/connevents/server/store"
)

// GetCheckpoint returns the value stored under key, or store.ErrNotFound.
func (s *Store) GetCheckpoint(ctx context.Context, key string) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM checkpoints WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return v, s.wrap("get checkpoint", err)
}

// PutCheckpoint durably stores value under key.
func (s *Store) PutCheckpoint(ctx context.Context, key, value string) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO checkpoints (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return s.wrap("put checkpoint", err)
}
