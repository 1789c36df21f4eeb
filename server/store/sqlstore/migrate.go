package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store/internal/migrations"
)

// migrationFiles are the schema migrations of every dialect; see package
// migrations for how they are named.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the pending migrations and creates the database id and
// the journey secret, in one write transaction (serialized with other
// processes by the dialect's MigrateLock, or by the write transaction
// itself), and sets s.dbID and s.namer.
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
		if s.dbID, err = s.metaValue(ctx, tx, "database_id"); err != nil {
			return err
		}
		secret, err := s.metaValue(ctx, tx, "journey_secret")
		s.namer = journey.NewNamer([]byte(secret))
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

// metaValue returns the random value stored under key in meta, creating it
// on first use: the database id (which cursors expose) and, apart from it,
// the secret that journey ids are derived with (which must stay secret).
func (s *Store) metaValue(ctx context.Context, tx Tx, key string) (string, error) {
	var v string
	err := tx.QueryRow(ctx, s.d.sql(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	v = rand.Text()
	_, err = tx.Exec(ctx, s.d.sql(`INSERT INTO meta (key, value) VALUES (?, ?)`), key, v)
	return v, err
}
