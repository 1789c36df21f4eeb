package sqlite

import (
	"database/sql"
	"testing"
)

// TestPragmas checks the settings durability and isolation rest on.
func TestPragmas(t *testing.T) {
	s := openTemp(t)
	cases := []struct {
		name   string
		db     *sql.DB
		pragma string
		want   string
	}{
		{"writer journal", s.write, "journal_mode", "wal"},
		{"writer synchronous", s.write, "synchronous", "2"}, // FULL
		{"writer foreign keys", s.write, "foreign_keys", "1"},
		{"writer busy timeout", s.write, "busy_timeout", busyTimeoutMS},
		{"reader journal", s.read, "journal_mode", "wal"},
		{"reader query only", s.read, "query_only", "1"},
		{"reader busy timeout", s.read, "busy_timeout", busyTimeoutMS},
	}
	for _, c := range cases {
		var got string
		if err := c.db.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %q, want %q", c.name, c.pragma, got, c.want)
		}
	}
}
