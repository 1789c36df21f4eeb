package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store/storetest"
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
		{"writer checkpoints only as a safety net", s.write, "wal_autocheckpoint", "20000"},
		{"checkpointer synchronous", s.ckpt, "synchronous", "2"}, // FULL
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

// TestBackgroundCheckpoints: pages an append leaves in the WAL reach the
// database file without another write (the writer's own threshold is far
// off), and a closed store stops checkpointing.
func TestBackgroundCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s := openPath(t, path)
	batch := make([]*conneventsv1.ConnectionEvent, 500)
	for i := range batch {
		batch[i] = storetest.SampleEvent(i)
	}
	if _, err := s.Append(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	var pages, pageSize int64
	if err := s.read.QueryRowContext(t.Context(), "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := s.read.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= pages*pageSize {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d bytes, want the %d pages (%d bytes) of the WAL checkpointed", fi.Size(), pages, pages*pageSize)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.ckpt.Ping(); err == nil {
		t.Error("the checkpoint connection is still open after Close")
	}
}
