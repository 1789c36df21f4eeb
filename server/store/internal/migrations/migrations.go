// Package migrations loads the numbered SQL schema migrations that sqlstore
// embeds. sqlstore applies them in one transaction, recording each applied
// version in its schema_migrations table.
//
// A version is written once when its DDL suits every database
// (NNNN_name.sql), or per database where it must differ
// (NNNN_name.DIALECT.sql), or both: the dialect's part runs first, then the
// shared part.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // NNNN_name.sql, without the dialect
	SQL     string
}

// Load reads the migrations of dialect from dir in fsys, ordered by version.
// Versions must start at 1 and have no gaps.
func Load(fsys fs.FS, dir, dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if err := add(byVersion, fsys, dir, e, dialect); err != nil {
			return nil, err
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: expected version %d, found %d (%s)", i+1, m.Version, m.Name)
		}
	}
	return out, nil
}

// add merges the file e, if it is a migration of dialect, into its version:
// a dialect's part goes before the shared part.
func add(byVersion map[int]*Migration, fsys fs.FS, dir string, e fs.DirEntry, dialect string) error {
	base, ok := strings.CutSuffix(e.Name(), ".sql")
	if e.IsDir() || !ok {
		return nil
	}
	stem, only, specific := strings.Cut(base, ".")
	if specific && only != dialect {
		return nil
	}
	num, _, ok := strings.Cut(stem, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return fmt.Errorf("migrations: %s: name must be NNNN_description[.dialect].sql", e.Name())
	}
	b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return merge(byVersion, Migration{Version: v, Name: stem + ".sql", SQL: string(b)}, specific)
}

// merge adds m to its version, before the shared part when it is its
// dialect's part.
func merge(byVersion map[int]*Migration, m Migration, specific bool) error {
	have := byVersion[m.Version]
	switch {
	case have == nil:
		byVersion[m.Version] = &m
	case have.Name != m.Name:
		return fmt.Errorf("migrations: version %d has two names: %s and %s", m.Version, have.Name, m.Name)
	case specific:
		have.SQL = m.SQL + "\n" + have.SQL
	default:
		have.SQL += "\n" + m.SQL
	}
	return nil
}

// Pending returns the migrations above version current, or an error when the
// database was migrated by a newer binary.
func Pending(all []Migration, current int) ([]Migration, error) {
	if current > len(all) {
		return nil, fmt.Errorf("migrations: database schema version %d is newer than this binary's %d", current, len(all))
	}
	return all[current:], nil
}
