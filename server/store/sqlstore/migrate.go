package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/connevents/connevents/server/store/internal/migrations"
)

// migrationFiles are the schema migrations of every dialect; see package
// migrations for how they are named.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the pending migrations and creates the database id, in
// one write transaction (serialized with other processes by the dialect's
// MigrateLock, or by the write transaction itself), and sets s.dbID.
func (s *Store) migrate(ctx context.Context) error {
	all, err := migrations.Load(migrationFiles, "migrations", s.d.Name)
	if err != nil {
		return err
	}
	return s.write.InTx(ctx, func(tx Tx) error {
		if s.d.MigrateLock != "" {
			if _, err := tx.Exec(ctx, s.d.MigrateLock); err != nil {
				return err
			}
		}
		if err := s.applyPending(ctx, tx, all); err != nil {
			return err
		}
		s.dbID, err = s.databaseID(ctx, tx)
		return err
	})
}

func (s *Store) applyPending(ctx context.Context, tx Tx, all []migrations.Migration) error {
	if _, err := tx.Exec(ctx, s.d.MigrationsTable); err != nil {
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
		if _, err := tx.Exec(ctx, s.d.sql(s.d.RecordMigration), m.Version, m.Name); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// databaseID returns the database's id, creating it on first use.
func (s *Store) databaseID(ctx context.Context, tx Tx) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'database_id'`).Scan(&id)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	id = rand.Text()
	_, err = tx.Exec(ctx, s.d.sql(`INSERT INTO meta (key, value) VALUES ('database_id', ?)`), id)
	return id, err
}
