package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/test/testserver"
)

// TestAccessLogPrints: the records of reads are printed, filtered by the
// flags, each with its patient (text: its own column; --json: `patient`).
func TestAccessLogPrints(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"admin-secret-0123456789"} })
	ctx := contextWithKey("admin-secret-0123456789")
	for _, p := range []string{"patient-a", "patient-b", "", "two words\n"} {
		if _, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{Filter: &conneventsv1.EventFilter{Patient: p}}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		o, err := parseAccessLog(append([]string{"--addr", s.GRPCAddr(), "--api-key", "admin-secret-0123456789"}, args...))
		if err != nil {
			t.Fatal(err)
		}
		o.out = &out
		if err := o.run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	out := run("--patient", "patient-b", "--since", "1h")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "ListEvents") || !strings.Contains(lines[1], "key-1") ||
		!slices.Equal(patientColumn(t, lines), []string{"patient-b"}) {
		t.Errorf("access-log --patient patient-b printed:\n%s", out)
	}
	// Newest first; "-" for no patient, quoted when it is not one word.
	out = run("--method", "ListEvents")
	if got, want := patientColumn(t, strings.Split(strings.TrimSpace(out), "\n")), []string{`"two words\n"`, "-", "patient-b", "patient-a"}; !slices.Equal(got, want) {
		t.Errorf("access-log --method ListEvents: patients %q, want %q; printed:\n%s", got, want, out)
	}
	out = run("--method", "ListEvents", "--json")
	var patients []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Patient, Method string }
		if err := json.Unmarshal([]byte(line), &r); err != nil || !strings.HasSuffix(r.Method, "/ListEvents") {
			t.Fatalf("access-log --json line %q: %+v, %v", line, r, err)
		}
		patients = append(patients, r.Patient)
	}
	if want := []string{"two words\n", "", "patient-b", "patient-a"}; !slices.Equal(patients, want) {
		t.Errorf("access-log --json: patients %q, want %q; printed:\n%s", patients, want, out)
	}
	if _, err := parseAccessLog([]string{"--since", "yesterday"}); err == nil {
		t.Error("--since yesterday accepted")
	}
}

// patientColumn is the PATIENT column of the text output's records, lines
// being the header and the records.
func patientColumn(t *testing.T, lines []string) []string {
	t.Helper()
	at := strings.Index(lines[0], "PATIENT")
	if f := strings.Fields(lines[0]); at < 0 || !slices.Equal(f[len(f)-2:], []string{"PATIENT", "FILTER"}) {
		t.Fatalf("header %q: no PATIENT column before FILTER", lines[0])
	}
	var cells []string
	for _, l := range lines[1:] {
		if len(l) <= at {
			t.Fatalf("record %q is shorter than its columns", l)
		}
		cell := l[at:]
		if strings.HasPrefix(cell, `"`) {
			q, err := strconv.QuotedPrefix(cell)
			if err != nil {
				t.Fatalf("record %q: %v", l, err)
			}
			cells = append(cells, q)
			continue
		}
		cells = append(cells, strings.Fields(cell)[0])
	}
	return cells
}

func contextWithKey(key string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
}
