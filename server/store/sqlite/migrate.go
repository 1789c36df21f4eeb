package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/connevents/connevents/server/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the pending migrations and creates the database id, all in
// one write transaction, and returns the id.
func migrate(ctx context.Context, db *sql.DB) (string, error) {
	all, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return "", err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := applyPending(ctx, tx, all); err != nil {
		return "", err
	}
	id, err := databaseID(ctx, tx)
	if err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return id, nil
}

func applyPending(ctx context.Context, tx *sql.Tx, all []migrations.Migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	pending, err := migrations.Pending(all, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// databaseID returns the database's id, creating it on first use.
func databaseID(ctx context.Context, tx *sql.Tx) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'database_id'`).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite: database id: %w", err)
	}
	id = rand.Text()
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('database_id', ?)`, id); err != nil {
		return "", fmt.Errorf("sqlite: database id: %w", err)
	}
	return id, nil
}
