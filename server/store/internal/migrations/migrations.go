// Package migrations loads the numbered SQL schema migrations that the SQL
// backends embed. Each backend applies them itself, in one transaction,
// recording each applied version in its schema_migrations table.
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
	Name    string
	SQL     string
}

// Load reads the files NNNN_name.sql of dir in fsys, ordered by version.
// Versions must start at 1 and have no gaps.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m, err := load(fsys, dir, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: expected version %d, found %d (%s)", i+1, m.Version, m.Name)
		}
	}
	return out, nil
}

func load(fsys fs.FS, dir, name string) (Migration, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return Migration{}, fmt.Errorf("migrations: %s: name must be NNNN_description.sql", name)
	}
	b, err := fs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return Migration{}, fmt.Errorf("migrations: %w", err)
	}
	return Migration{Version: v, Name: name, SQL: string(b)}, nil
}

// Pending returns the migrations above version current, or an error when the
// database was migrated by a newer binary.
func Pending(all []Migration, current int) ([]Migration, error) {
	if current > len(all) {
		return nil, fmt.Errorf("migrations: database schema version %d is newer than this binary's %d", current, len(all))
	}
	return all[current:], nil
}
