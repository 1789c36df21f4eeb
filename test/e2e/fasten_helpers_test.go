package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// delivery is one POST to the Fasten webhook route. Header names are sent
// exactly as written in the map (not canonicalized).
type delivery struct {
	body   []byte
	header http.Header
}

// signedAt signs body with secret as sent at `at`.
func signedAt(t *testing.T, secret string, body []byte, at time.Time) delivery {
	t.Helper()
	h, err := fasten.SignedHeaders(secret, body, at)
	if err != nil {
		t.Fatal(err)
	}
	return delivery{body: body, header: http.Header{
		fasten.HeaderID:        {h.ID},
		fasten.HeaderTimestamp: {h.Timestamp},
		fasten.HeaderSignature: {h.Signature},
	}}
}

// signed signs body with the test server's secret, now.
func signed(t *testing.T, body []byte) delivery {
	t.Helper()
	return signedAt(t, testserver.Secret, body, time.Now())
}

// sample builds a Fasten sample body.
func sample(t *testing.T, typ string, opts ...fasten.SampleOption) []byte {
	t.Helper()
	body, err := fasten.Sample(typ, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// post sends d to base's webhook route. It takes no *testing.T so that
// goroutines can call it.
func post(base string, d delivery) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/v1/webhooks/fasten", bytes.NewReader(d.body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range d.header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// ingestAnswer is the JSON answer of an accepted delivery.
type ingestAnswer struct {
	Result struct {
		Status        string `json:"status"`
		EventID       string `json:"eventId"`
		Sequence      string `json:"sequence"`
		SourceEventID string `json:"sourceEventId"`
	} `json:"result"`
}

// accept posts d and requires a 200 with the given ingest status.
func accept(t *testing.T, s *testserver.Server, d delivery, wantStatus string) ingestAnswer {
	t.Helper()
	code, body, err := post(s.BaseURL, d)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK {
		t.Fatalf("delivery answered %d %s, want 200", code, body)
	}
	var a ingestAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if a.Result.Status != wantStatus || a.Result.EventID == "" {
		t.Fatalf("answer %s, want status %s and an event id", body, wantStatus)
	}
	return a
}

// refuse posts d and requires the error answer code/status/reason.
func refuse(t *testing.T, s *testserver.Server, d delivery, code int, status string, reason reason.Reason) gateway.ErrorBody {
	t.Helper()
	got, body, err := post(s.BaseURL, d)
	if err != nil {
		t.Fatal(err)
	}
	var e gateway.ErrorBody
	if jerr := json.Unmarshal(body, &e); jerr != nil {
		t.Fatalf("answer %d %q is not an error body: %v", got, body, jerr)
	}
	if got != code || e.Code != code || e.Status != status || e.Reason != string(reason) || e.Message == "" {
		t.Fatalf("answer %d %s, want %d %s %s with a message", got, body, code, status, reason)
	}
	return e
}

// jsonEvent is one event as REST returns it.
type jsonEvent map[string]any

// listEvents returns every event from GET /v1/events, oldest first, sending
// apiKey when it is not empty.
func listEvents(t *testing.T, s *testserver.Server, apiKey string) []jsonEvent {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.BaseURL+"/v1/events?page_size=1000&order_by=sequence%20asc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, body := testserver.Do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/events: %d %s", resp.StatusCode, body)
	}
	var page struct {
		Events        []jsonEvent `json:"events"`
		NextPageToken string      `json:"nextPageToken"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("GET /v1/events: %v", err)
	}
	if page.NextPageToken != "" {
		t.Fatal("GET /v1/events: more than one page")
	}
	return page.Events
}

// requireCount fails unless exactly n events are listed.
func requireCount(t *testing.T, s *testserver.Server, n int) []jsonEvent {
	t.Helper()
	events := listEvents(t, s, "")
	if len(events) != n {
		t.Fatalf("GET /v1/events lists %d events, want %d", len(events), n)
	}
	return events
}

// bySourceID returns the listed event with that source_event_id.
func bySourceID(t *testing.T, events []jsonEvent, id string) jsonEvent {
	t.Helper()
	for _, ev := range events {
		if ev.str("sourceEventId") == id {
			return ev
		}
	}
	t.Fatalf("no listed event has sourceEventId %s", id)
	return nil
}

// str reads a dotted path ("export.downloadLinks.0.url") of a decoded JSON
// value as text: strings as they are, numbers in their shortest form,
// anything missing or of another kind as "".
func (ev jsonEvent) str(path string) string { return pathString(map[string]any(ev), path) }

func pathString(v any, path string) string {
	for _, key := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[key]
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return ""
			}
			v = node[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// envelope decodes a sample body generically.
func envelope(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// deadLetterPage is GET /v1/dead-letters as REST returns it.
type deadLetterPage struct {
	DeadLetters []struct {
		ID         string `json:"id"`
		Source     string `json:"source"`
		Reason     string `json:"reason"`
		Message    string `json:"message"`
		Raw        string `json:"raw"`
		ReceivedAt string `json:"receivedAt"`
		Retries    int    `json:"retries"`
	} `json:"deadLetters"`
	NextPageToken string `json:"nextPageToken"`
}

// listDeadLetters returns the first page of GET /v1/dead-letters (newest
// first).
func listDeadLetters(t *testing.T, s *testserver.Server) deadLetterPage {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.BaseURL+"/v1/dead-letters?page_size=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := testserver.Do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/dead-letters: %d %s", resp.StatusCode, body)
	}
	var page deadLetterPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("GET /v1/dead-letters: %v", err)
	}
	return page
}

// requireDeadLetters fails unless exactly n dead letters are kept.
func requireDeadLetters(t *testing.T, s *testserver.Server, n int) deadLetterPage {
	t.Helper()
	page := listDeadLetters(t, s)
	if len(page.DeadLetters) != n {
		t.Fatalf("GET /v1/dead-letters lists %d dead letters, want %d", len(page.DeadLetters), n)
	}
	return page
}
