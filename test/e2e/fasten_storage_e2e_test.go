package e2e

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// TestFastenStorageFaults: when the store cannot commit, the delivery is
// answered 503 STORAGE_UNAVAILABLE (so Fasten retries), nothing of it is
// stored, and the retry after the fault clears stores it exactly once. The
// faults are real: another connection to the database file causes them.
func TestFastenStorageFaults(t *testing.T) {
	tests := []struct {
		name string
		// inject causes the fault on the side connection; it returns what
		// clears it.
		inject func(t *testing.T, side *sql.Conn) (clear string)
		// logged is how the server's log names the fault.
		logged string
	}{
		{
			// Another writer holds the database lock longer than the
			// server's busy timeout (10 s; see server/store/sqlite).
			name: "database locked",
			inject: func(t *testing.T, side *sql.Conn) string {
				sideExec(t, side, "BEGIN EXCLUSIVE")
				return "ROLLBACK"
			},
			logged: "database is locked",
		},
		{
			// The raw body insert fails after the event row was written in
			// the same transaction: nothing may be left half-written.
			name: "failure mid-transaction",
			inject: func(t *testing.T, side *sql.Conn) string {
				sideExec(t, side, `CREATE TRIGGER e2e_fault BEFORE INSERT ON event_raw
					BEGIN SELECT RAISE(ABORT, 'injected fault'); END`)
				return "DROP TRIGGER e2e_fault"
			},
			logged: "injected fault",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testserver.Start(t, nil)
			side := sideConn(t, s)
			body := sample(t, fasten.TypeEHIExportSuccess)

			clear := tt.inject(t, side)
			e := refuse(t, s, signed(t, body), http.StatusServiceUnavailable, "UNAVAILABLE", reason.StorageUnavailable)
			if strings.Contains(e.Message, "sqlite") || strings.Contains(e.Message, "fault") {
				t.Errorf("the error leaks internals: %q", e.Message)
			}
			if !s.Logs.Contains(tt.logged) {
				t.Errorf("the log does not show the injected fault %q", tt.logged)
			}
			sideExec(t, side, clear)
			// Counted once the fault is gone: while the database is locked,
			// reads are refused too (their access records cannot be stored).
			requireCount(t, s, 0)

			stored := accept(t, s, signed(t, body), "INGEST_STATUS_STORED")
			requireCount(t, s, 1)
			if raw := rawOf(t, s, stored.Result.EventID); raw != string(body) {
				t.Errorf("stored raw %q, want the delivered body", raw)
			}
		})
	}
}

// sideConn is a second connection to the server's SQLite file.
func sideConn(t *testing.T, s *testserver.Server) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(s.Config.Database, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func sideExec(t *testing.T, conn *sql.Conn, query string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// rawOf returns the raw payload of an event (GET /v1/events/{id}, full view).
func rawOf(t *testing.T, s *testserver.Server, id string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.BaseURL+"/v1/events/"+id+"?view=EVENT_VIEW_FULL", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := testserver.Do(t, req)
	var got struct {
		Event struct {
			Raw string `json:"raw"`
		} `json:"event"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET /v1/events/%s: %d %s", id, resp.StatusCode, body)
	}
	raw, err := base64.StdEncoding.DecodeString(got.Event.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
