package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sse "github.com/tmaxmax/go-sse"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/test/testserver"
)

// item is one NDJSON line or SSE data of a subscription.
type item struct {
	Cursor     string
	Event      *struct{ ID, SourceEventType string }
	Checkpoint *struct{ Time string }
}

// openStream starts GET /v1/events:subscribe with query and headers.
func openStream(t *testing.T, s *testserver.Server, query string, header http.Header) *http.Response {
	t.Helper()
	return openStreamAt(t, s, "/v1/events:subscribe", query, header)
}

// openStreamAt starts the subscription at path with query and headers.
func openStreamAt(t *testing.T, s *testserver.Server, path, query string, header http.Header) *http.Response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+path+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestNDJSONStream(t *testing.T) {
	s := testserver.Start(t, nil)
	resp := openStream(t, s, "", nil)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("headers: Content-Type %q, X-Accel-Buffering %q", ct, resp.Header.Get("X-Accel-Buffering"))
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	next := func() item {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		var line struct{ Result item }
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", lines.Text(), err)
		}
		return line.Result
	}
	if first := next(); first.Checkpoint == nil || first.Cursor == "" {
		t.Fatalf("first line %+v, want a checkpoint with a cursor", first)
	}
	ids := seed(t, s, 3) // live: committed after the stream opened
	var cursor string
	for i, id := range ids {
		got := next()
		if got.Event == nil || got.Event.ID != id {
			t.Fatalf("line %d: %+v, want event %s", i, got, id)
		}
		if i == 0 {
			cursor = got.Cursor
		}
	}
	resp.Body.Close()
	resumed := openStream(t, s, "startCursor="+cursor, nil)
	lines = bufio.NewScanner(resumed.Body)
	next() // checkpoint
	if got := next(); got.Event == nil || got.Event.ID != ids[1] {
		t.Fatalf("resumed at %+v, want event %s", got, ids[1])
	}
}

// sseEvents reads n SSE events with an independent, spec-following parser.
func sseEvents(t *testing.T, resp *http.Response, n int) []sse.Event {
	t.Helper()
	var out []sse.Event
	for ev, err := range sse.Read(resp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("stream ended after %d events", len(out))
	return nil
}

func TestServerSentEvents(t *testing.T) {
	s := testserver.Start(t, nil)
	ids := seed(t, s, 4)
	accept := http.Header{"Accept": {"text/event-stream"}}
	resp := openStream(t, s, "startPosition=START_POSITION_EARLIEST", accept)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	evs := sseEvents(t, resp, 3) // checkpoint, event 1, event 2
	if evs[0].Type != "checkpoint" || evs[1].Type != "event" || evs[2].Type != "event" {
		t.Fatalf("types %q %q %q", evs[0].Type, evs[1].Type, evs[2].Type)
	}
	var data item
	if err := json.Unmarshal([]byte(evs[2].Data), &data); err != nil || data.Event.ID != ids[1] || data.Cursor != evs[2].LastEventID {
		t.Fatalf("event 2: id field %q, data %s", evs[2].LastEventID, evs[2].Data)
	}
	resp.Body.Close()
	// A browser reconnects with Last-Event-ID and its original URL, which
	// may name any start: the header wins.
	accept.Set("Last-Event-ID", evs[2].LastEventID)
	for _, url := range []string{"startPosition=START_POSITION_EARLIEST", "startCursor=" + evs[1].LastEventID,
		"start_cursor=" + evs[1].LastEventID, "startTime=2020-01-01T00:00:00Z"} {
		resumed := sseEvents(t, openStream(t, s, url, accept), 3)
		for i, want := range ids[2:4] {
			if err := json.Unmarshal([]byte(resumed[i+1].Data), &data); err != nil || data.Event == nil || data.Event.ID != want {
				t.Fatalf("%s + Last-Event-ID: event %d is %s, want %s", url, i, resumed[i+1].Data, want)
			}
		}
	}
}

// TestPostSubscribeResumesFromLastEventID: a subscription whose filter is in
// a JSON body resumes from Last-Event-ID too, whatever start the body
// names.
func TestPostSubscribeResumesFromLastEventID(t *testing.T) {
	s := testserver.Start(t, nil)
	ids := seed(t, s, 4)
	evs := sseEvents(t, openStream(t, s, "startPosition=START_POSITION_EARLIEST", http.Header{"Accept": {"text/event-stream"}}), 3)
	for _, body := range []string{``, `{}`, `{"startPosition":"START_POSITION_EARLIEST"}`, `{"startCursor":"` + evs[1].LastEventID + `","filter":{}}`} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.BaseURL+"/v1/events:subscribe", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Last-Event-ID", evs[2].LastEventID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resumed := sseEvents(t, resp, 2)
		var data item
		if err := json.Unmarshal([]byte(resumed[1].Data), &data); err != nil || data.Event == nil || data.Event.ID != ids[2] {
			t.Errorf("body %q + Last-Event-ID: first event %s, want %s", body, resumed[1].Data, ids[2])
		}
		resp.Body.Close()
	}
}

// A subscription refused at open is answered like every other HTTP error
// (its status, and the common JSON error body), in either format; a
// stream's own `error` item is for a stream that has started.
func TestSubscriptionRefusedAtOpen(t *testing.T) {
	s := testserver.Start(t, nil)
	for _, accept := range []string{"text/event-stream", "application/x-ndjson"} {
		resp := openStream(t, s, "", http.Header{"Accept": {accept}, "Last-Event-ID": {"garbage"}})
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %s, Content-Type %q, want 400 with JSON", accept, resp.Status, resp.Header.Get("Content-Type"))
		}
		var e struct {
			Code           int
			Status, Reason string
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Code != 400 || e.Status != "INVALID_ARGUMENT" || e.Reason != "CURSOR_INVALID" {
			t.Errorf("%s: body %s, want the error body with reason CURSOR_INVALID", accept, body)
		}
		if resp.Header.Get("Grpc-Metadata-Content-Type") != "" {
			t.Errorf("%s: the answer carries grpc-go's metadata", accept)
		}
	}
}

// An HTTP client that goes away ends its subscription on the server: with
// room for one subscription, a new one is accepted after the first
// disconnects.
func TestHTTPDisconnectEndsSubscription(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.MaxSubscriptions = 1 })
	first := openStream(t, s, "", nil)
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first: %s", first.Status)
	}
	if second := openStream(t, s, "", nil); second.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second while the first is open: %s, want 429", second.Status)
	}
	first.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r := openStream(t, s, "", nil)
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			return
		}
	}
	t.Fatal("the subscription of a disconnected client was never released")
}
