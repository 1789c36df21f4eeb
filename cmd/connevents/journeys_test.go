package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/server/store/sqlstore"
	"github.com/connevents/connevents/test/testserver"
)

// A database whose events were stored without journeys (as before
// journeys existed) gets them from `journeys rebuild`, which says how many
// changed; a second run finds nothing to change.
func TestJourneysRebuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	st, err := sqlite.Open(t.Context(), path, sqlstore.WithoutJourneys())
	if err != nil {
		t.Fatal(err)
	}
	var events []*conneventsv1.ConnectionEvent
	for _, org := range []string{"org-a", "org-b"} {
		body, err := fasten.Sample(fasten.TypeConnectionSuccess, fasten.WithData("org_connection_id", org))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := fasten.Normalize(body)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	in := ingest.New(st)
	if _, err := in.Ingest(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	in.Close()
	st.Close()

	for _, want := range []string{"2 journeys changed (--stall-after discovery=1h0m0s,authorized=6h0m0s,transfer=24h0m0s)", "0 journeys changed"} {
		var out strings.Builder
		err := runJourneysRebuild(context.Background(), []string{"--database", "sqlite:" + path, "--batch", "1"}, &out, noEnv)
		if err != nil || !strings.Contains(out.String(), want) {
			t.Fatalf("rebuild printed %q, %v; want %q", out.String(), err, want)
		}
	}
}

func noEnv(string) (string, bool) { return "", false }

// tail --connections prints one line per journey change.
func TestTailConnections(t *testing.T) {
	s := testserver.Start(t, nil)
	deliver(t, s, fasten.TypeConnectionSuccess)
	l := waitLine(t, tailOut(t, "--addr", s.GRPCAddr(), "--from-start", "--connections", "--source", "fasten", "--status", "in_progress"))
	for _, want := range []string{" cnx_", " FASTEN ", " IN_PROGRESS ", " AUTHORIZATION ", " CONNECTION_AUTHORIZED"} {
		if !strings.Contains(l, want) {
			t.Fatalf("line %q lacks %q", l, want)
		}
	}
}

func TestTailFlagsOfTheOtherStream(t *testing.T) {
	for _, args := range [][]string{
		{"--status", "STALLED"},
		{"--health-system", "x"},
		{"--connections", "--type", "CONNECTION_AUTHORIZED"},
		{"--connections", "--full"},
	} {
		if _, err := parseTail(args); err == nil {
			t.Errorf("parseTail(%v) accepted flags of the other stream", args)
		}
	}
}

// tailOut runs tail with args until the test ends and returns its output.
func tailOut(t *testing.T, args ...string) lineWriter {
	t.Helper()
	out, _ := tailInBackground(t, args...)
	return out
}
