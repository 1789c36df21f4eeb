package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/test/testserver"
)

// pullFake is a fake 1upHealth API holding n events recorded (and
// written) a minute apart, ending an hour ago, plus one entry that is not
// an AuditEvent, written last.
func pullFake(t *testing.T, n int) *oneuptest.Server {
	t.Helper()
	fake := oneuptest.New(t)
	start := time.Now().UTC().Add(-time.Hour - time.Duration(n)*time.Minute)
	for i := range n {
		fake.Add(oneuptest.Event{ID: fmt.Sprintf("bf-%d", i), Subtype: oneup.AllSubtypes()[i%9],
			Recorded: start.Add(time.Duration(i) * time.Minute), PatientID: fmt.Sprintf("pat-zq9-%d", i)})
	}
	basic := `{"resourceType":"Basic","id":"basic-1","meta":{"lastUpdated":"` + time.Now().UTC().Format(time.RFC3339) + // written last
		`"},"recorded":"` + start.Format(time.RFC3339) + `","subtype":[{"code":"system-selected"}]}`
	if err := fake.AddRaw([]byte(basic)); err != nil {
		t.Fatal(err)
	}
	return fake
}

// runPull runs `connevents oneup pull` with the fake's credentials in the
// environment and returns its stdout and stderr.
func runPull(t *testing.T, fake *oneuptest.Server, args ...string) (string, string, error) {
	t.Helper()
	env := map[string]string{
		"CONNEVENTS_ONEUP_CLIENT_ID":     oneuptest.ClientID,
		"CONNEVENTS_ONEUP_CLIENT_SECRET": oneuptest.ClientSecret,
		"CONNEVENTS_ONEUP_BASE_URL":      fake.URL,
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var stdout, stderr bytes.Buffer
	err := runOneUpPull(context.Background(), args, &stdout, &stderr, lookup)
	if strings.Contains(stdout.String()+stderr.String(), oneuptest.ClientSecret) || strings.Contains(stderr.String(), "zq9") {
		t.Errorf("the secret or patient data was printed:\n%s\n%s", stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String(), err
}

// storedIDs opens the SQLite file and counts each 1upHealth source event id.
func storedIDs(t *testing.T, path string) map[string]int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.List(context.Background(), store.Query{Limit: 10000, Filter: &conneventsv1.EventFilter{
		Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.GetSourceEventId()]++
	}
	if _, err := st.GetCheckpoint(context.Background(), oneup.DefaultCheckpointKey); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the pull touched the server poller's checkpoint: %v", err)
	}
	return seen
}

func TestOneUpPullStoresOnceAndRerunStoresNothing(t *testing.T) {
	fake := pullFake(t, 250) // 251 entries: 3 pages of 100
	path := filepath.Join(t.TempDir(), "events.db")
	stdout, stderr, err := runPull(t, fake, "--database", "sqlite:"+path, "--since", "720h")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, line := range []string{
		"oneup pull: page 1: 100 fetched, 100 stored, 0 duplicates, 0 dead-lettered, 0 rejected",
		"oneup pull: page 3: 251 fetched, 250 stored, 0 duplicates, 1 dead-lettered, 0 rejected",
	} {
		if !strings.Contains(stderr, line+"\n") {
			t.Errorf("stderr lacks %q:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stdout, "3 pages, 251 fetched, 250 stored, 0 duplicates, 1 dead-lettered, 0 rejected") {
		t.Errorf("summary: %s", stdout)
	}
	checkBackfilled(t, path, 250)

	stdout, _, err = runPull(t, fake, "--database", "sqlite:"+path, "--since", "720h")
	if err != nil || !strings.Contains(stdout, "251 fetched, 0 stored, 250 duplicates") {
		t.Errorf("re-run: %v %s", err, stdout)
	}
	checkBackfilled(t, path, 250)
}

func checkBackfilled(t *testing.T, path string, n int) {
	t.Helper()
	seen := storedIDs(t, path)
	for i := range n {
		if id := fmt.Sprintf("bf-%d", i); seen[id] != 1 {
			t.Errorf("%s stored %d times", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d events stored, want %d", len(seen), n)
	}
}

// TestOneUpPullBesideRunningServer pulls into the database a server is
// using, and resumes from its own checkpoint when given a key.
func TestOneUpPullBesideRunningServer(t *testing.T) {
	fake := pullFake(t, 30)
	s := testserver.Start(t, nil)
	args := []string{"--database", s.Config.Database, "--since", "2000-01-01T00:00:00Z", "--checkpoint-key", "oneup.backfill.test"}
	if _, stderr, err := runPull(t, fake, args...); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	resp, err := s.Client.ListEvents(context.Background(), &conneventsv1.ListEventsRequest{PageSize: 100})
	if err != nil || len(resp.GetEvents()) != 30 {
		t.Fatalf("the server lists %d events, %v; want 30", len(resp.GetEvents()), err)
	}
	before := len(fake.Requests())
	if _, _, err := runPull(t, fake, args...); err != nil {
		t.Fatal(err)
	}
	if q := fake.Requests()[before].Query; q.Get("_lastUpdated") == "" || q.Get("date") != "ge2000-01-01T00:00:00Z" {
		t.Errorf("with --checkpoint-key the second pull searched %v, want _lastUpdated from its checkpoint and date from --since", q)
	}
}

func TestOneUpPullErrors(t *testing.T) {
	fake := pullFake(t, 1)
	db := "sqlite:" + filepath.Join(t.TempDir(), "events.db")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no since", []string{"--database", db}, "--since is required"},
		{"the poller's key", []string{"--database", db, "--since", "1h", "--checkpoint-key", oneup.DefaultCheckpointKey}, "must not be the server poller's key"},
		{"bad credentials", []string{"--database", db, "--since", "720h", "--oneup-client-secret", "wrong-zq9"}, "refused the client credentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := runPull(t, fake, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error()+stdout+stderr, "wrong-zq9") {
				t.Errorf("error %v, want %q (without the secret)", err, c.want)
			}
		})
	}
}

func TestOneUpPullHelpNamesEnvironment(t *testing.T) {
	var stderr bytes.Buffer
	err := runOneUpPull(context.Background(), []string{"--help"}, &bytes.Buffer{}, &stderr, func(string) (string, bool) { return "", false })
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, env := range []string{"CONNEVENTS_ONEUP_PULL_SINCE", "CONNEVENTS_ONEUP_CLIENT_SECRET", "CONNEVENTS_DATABASE", "CONNEVENTS_ONEUP_PULL_CHECKPOINT_KEY"} {
		if !strings.Contains(stderr.String(), env) {
			t.Errorf("--help lacks %s:\n%s", env, stderr.String())
		}
	}
}

// TestOneUpPullNamesTheDatabase: a store that cannot be opened is named in
// the error, a PostgreSQL URL without its password.
func TestOneUpPullNamesTheDatabase(t *testing.T) {
	fake := pullFake(t, 1)
	missing := "sqlite:" + filepath.Join(t.TempDir(), "no-such-dir", "events.db")
	if _, _, err := runPull(t, fake, "--database", missing, "--since", "1h"); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("error %v, want it to name %s", err, missing)
	}
	// Port 1 on loopback refuses at once.
	pg := "postgres://puller:pw-zq9-secret@127.0.0.1:1/events?sslmode=disable&password=pw-zq9-other"
	_, _, err := runPull(t, fake, "--database", pg, "--since", "1h")
	if err == nil || !strings.Contains(err.Error(), "postgres://puller:xxxxx@127.0.0.1:1/events") || strings.Contains(err.Error(), "pw-zq9") {
		t.Errorf("error %v, want the URL without its passwords", err)
	}
}
