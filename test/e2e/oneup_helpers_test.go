package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/test/testserver"
)

// oneupMarker is in every patient identifier and system name of the test
// events; it must never appear in logs, errors or statuses.
const oneupMarker = "zq9"

// oneupEvents returns n fake AuditEvents cycling through the nine
// subtypes, recorded step apart from start, with ids prefix-0, prefix-1, …
func oneupEvents(prefix string, n int, start time.Time, step time.Duration) []oneuptest.Event {
	subtypes := oneup.AllSubtypes()
	out := make([]oneuptest.Event, n)
	for i := range out {
		out[i] = oneuptest.Event{
			ID: fmt.Sprintf("%s-%d", prefix, i), Subtype: subtypes[i%len(subtypes)],
			Recorded: start.Add(time.Duration(i) * step),
			UserID:   fmt.Sprintf("usr-%s-%d", oneupMarker, i), PatientID: fmt.Sprintf("pat-%s-%d", oneupMarker, i),
			SystemName: "Clinic " + oneupMarker, SystemID: "sys-1",
		}
	}
	return out
}

func oneupIDs(events []oneuptest.Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

// startPolling runs connevents polling fake every few milliseconds, on the
// database db ("" for a fresh one), with the given client secret.
func startPolling(t *testing.T, fake *oneuptest.Server, db, secret string) *testserver.Server {
	t.Helper()
	return testserver.Start(t, func(c *server.Config) {
		if db != "" {
			c.Database = db
		}
		c.OneUp.ClientID, c.OneUp.ClientSecret = oneuptest.ClientID, secret
		c.OneUp.BaseURL, c.OneUp.PollInterval = fake.URL, 10*time.Millisecond
	})
}

// eventually waits until cond holds. It fails shortly before the test
// binary's own deadline rather than asserting a duration.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, bounded := t.Deadline()
	for !cond() {
		if bounded && time.Until(deadline) < 5*time.Second {
			t.Fatalf("%s never happened", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// oneupStatusREST reads GET /v1/sources/SOURCE_ONEUP.
func oneupStatusREST(t *testing.T, s *testserver.Server) (*conneventsv1.SourceStatus, []byte) {
	t.Helper()
	resp, body := get(t, s.BaseURL+"/v1/sources/SOURCE_ONEUP", "")
	var got conneventsv1.GetSourceStatusResponse
	decodeProtoJSON(t, resp, body, &got)
	return got.GetStatus(), body
}

func decodeProtoJSON(t *testing.T, resp *http.Response, body []byte, m proto.Message) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s", resp.Status, body)
	}
	if err := protojson.Unmarshal(body, m); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}

// oneupStored returns how often each source event id is stored for
// SOURCE_ONEUP, read over gRPC page by page.
func oneupStored(t *testing.T, s *testserver.Server) map[string]int {
	t.Helper()
	seen := map[string]int{}
	req := &conneventsv1.ListEventsRequest{PageSize: 100, Filter: &conneventsv1.EventFilter{
		Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}}}
	for {
		resp, err := s.Client.ListEvents(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range resp.GetEvents() {
			seen[ev.GetSourceEventId()]++
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return seen
		}
	}
}

// checkExactlyOnce fails unless the store holds each id once and nothing
// else.
func checkExactlyOnce(t *testing.T, s *testserver.Server, ids []string) {
	t.Helper()
	seen := oneupStored(t, s)
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("%s stored %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d distinct events stored, want %d", len(seen), len(ids))
	}
}

// pushOneUp posts body to the push route.
func pushOneUp(t *testing.T, s *testserver.Server, contentType string, body []byte, key string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/v1/oneup/audit-events", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return testserver.Do(t, req)
}

// pushResults posts body and decodes the per-item results of a 200.
func pushResults(t *testing.T, s *testserver.Server, contentType string, body []byte, key string) []*conneventsv1.IngestResult {
	t.Helper()
	resp, answer := pushOneUp(t, s, contentType, body, key)
	var got conneventsv1.IngestOneUpAuditEventsResponse
	decodeProtoJSON(t, resp, answer, &got)
	if bytes.Contains(answer, []byte(oneupMarker)) {
		t.Errorf("the answer quotes patient data: %s", answer)
	}
	return got.GetResults()
}
