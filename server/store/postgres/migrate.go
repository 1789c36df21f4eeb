package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/connevents/connevents/server/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the pending migrations and creates the database id, in
// one transaction serialized with other processes by an advisory lock, and
// returns the id.
func migrate(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	all, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return "", err
	}
	var id string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		const lock = `SELECT pg_advisory_xact_lock(hashtext('connevents.migrate.' || current_schema()))`
		if _, err := tx.Exec(ctx, lock); err != nil {
			return err
		}
		if err := applyPending(ctx, tx, all); err != nil {
			return err
		}
		id, err = databaseID(ctx, tx)
		return err
	})
	return id, err
}

func applyPending(ctx context.Context, tx pgx.Tx, all []migrations.Migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
	if _, err := tx.Exec(ctx, create); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	pending, err := migrations.Pending(all, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// databaseID returns the database's id, creating it on first use.
func databaseID(ctx context.Context, tx pgx.Tx) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'database_id'`).Scan(&id)
	if !errors.Is(err, pgx.ErrNoRows) {
		return id, err
	}
	id = rand.Text()
	_, err = tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('database_id', $1)`, id)
	return id, err
}
