package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// The console is served on the HTTP listener at /console/, / redirects
// there, and the API still answers beside it.
func TestConsoleMounted(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"k"} })
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.BaseURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET / = %d to %q, want 302 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The assets need no key (they hold no data); the API still does.
	page, body := get(t, s.BaseURL+"/console/", "")
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), `src="app.js"`) {
		t.Fatalf("GET /console/ = %d: %.200s", page.StatusCode, body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the console's Content-Security-Policy is %q", csp)
	}
	if resp, _ := get(t, s.BaseURL+"/v1/sources", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v1/sources without a key = %d, want 401", resp.StatusCode)
	}
	// API answers carry personal data: never stored by a cache, never sniffed.
	for _, path := range []string{"/v1/events", "/v1/sources"} {
		resp, _ := get(t, s.BaseURL+path, "k")
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Cache-Control %q, X-Content-Type-Options %q, want no-store and nosniff", path,
				resp.Header.Get("Cache-Control"), resp.Header.Get("X-Content-Type-Options"))
		}
	}
	if resp, _ := get(t, s.BaseURL+"/v1/unknown", "k"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown API route = %d, want 404", resp.StatusCode)
	}
}

// No URL the service makes holds the query a client sent: a path that is
// not clean is NOT_FOUND (http.ServeMux redirected it, query and all, to
// its clean form), and the one redirect left, /console to /console/, drops
// the query.
func TestNoRedirectCarriesTheQuery(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"k"} })
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{
		"/v1//events?filter.patient=PATIENT42",
		"//v1/events?filter.patient=PATIENT42",
		"/v1/events/../events?filter.patient=PATIENT42",
		"/console/./app.js?patient=PATIENT42",
	} {
		req, _ := http.NewRequest("GET", s.BaseURL+path, nil)
		req.URL.Opaque = path[:strings.Index(path, "?")] // sent as written, not cleaned by the client
		req.Header.Set("Authorization", "Bearer k")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"NOT_FOUND"`) {
			t.Errorf("GET %s = %d %s, want 404 NOT_FOUND", path, resp.StatusCode, body)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			t.Errorf("GET %s redirects to %q", path, loc)
		}
	}
	resp, err := client.Get(s.BaseURL + "/console?patient=PATIENT42")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "/console/" {
		t.Errorf("GET /console?patient=… = %d to %q, want a redirect to /console/", resp.StatusCode, loc)
	}
	if strings.Contains(string(body), "PATIENT42") {
		t.Errorf("the redirect's body repeats the query: %s", body)
	}
}

// POST /v1/events:search and POST /v1/events:subscribe take the filter in a
// JSON body, so a patient id need not appear in any URL; they answer as
// their GET forms do, and need the key.
func TestFilterInBody(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) {
		c.APIKeys = []string{"k"}
		c.HeartbeatInterval = 200 * time.Millisecond
	})
	for _, patient := range []string{"patient-a", "patient-b", "patient-a"} {
		body := sample(t, fasten.TypeConnectionSuccess, fasten.WithData("external_id", patient))
		accept(t, s, signed(t, body), "INGEST_STATUS_STORED")
	}
	filter := `{"filter": {"patient": "patient-a"}}`

	if resp, _ := postJSON(t, s.BaseURL+"/v1/events:search", "", filter); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("search without a key = %d, want 401", resp.StatusCode)
	}
	resp, body := postJSON(t, s.BaseURL+"/v1/events:search", "k", filter)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search = %d: %s", resp.StatusCode, body)
	}
	var list struct {
		Events []jsonEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Events) != 2 {
		t.Fatalf("search found %d events of patient-a, want 2", len(list.Events))
	}
	for _, ev := range list.Events {
		if got := ev.str("patient.externalId"); got != "patient-a" {
			t.Errorf("search returned an event of %q", got)
		}
	}
	// A misspelt field or value is refused, not ignored (which would
	// widen the filter to every patient).
	for _, bad := range []string{`{"filter": {"types": ["NOPE"]}}`, `{"filter": {"patinet": "patient-a"}}`} {
		resp, body := postJSON(t, s.BaseURL+"/v1/events:search", "k", bad)
		if resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != "INVALID_REQUEST" {
			t.Errorf("search with %s = %d: %s", bad, resp.StatusCode, body)
		}
	}

	// The stream from the earliest: patient-a's two events, then a checkpoint.
	// A checkpoint opens the stream; patient-a's two events follow; the
	// next item is a heartbeat checkpoint, not patient-b's event.
	patients := streamedPatients(t, s.BaseURL+"/v1/events:subscribe", "event")
	if strings.Join(patients, ",") != "patient-a,patient-a" {
		t.Fatalf("the stream delivered events of %v, want patient-a twice", patients)
	}
}

func postJSON(t *testing.T, url, key, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return testserver.Do(t, req)
}

// POST /v1/connections:search and POST /v1/connections:subscribe take the
// journey filter in a JSON body, as the events' POST forms do.
func TestConnectionFilterInBody(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) {
		c.APIKeys = []string{"k"}
		c.HeartbeatInterval = 200 * time.Millisecond
	})
	for _, patient := range []string{"patient-a", "patient-b"} {
		body := sample(t, fasten.TypeConnectionSuccess, fasten.WithData("external_id", patient),
			fasten.WithData("org_connection_id", "org-"+patient))
		accept(t, s, signed(t, body), "INGEST_STATUS_STORED")
	}
	filter := `{"filter": {"patient": "patient-a"}}`
	if resp, _ := postJSON(t, s.BaseURL+"/v1/connections:search", "", filter); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("search without a key = %d, want 401", resp.StatusCode)
	}
	resp, body := postJSON(t, s.BaseURL+"/v1/connections:search", "k", filter)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search = %d: %s", resp.StatusCode, body)
	}
	var list struct {
		Connections []jsonEvent `json:"connections"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Connections) != 1 || list.Connections[0].str("patient.externalId") != "patient-a" {
		t.Fatalf("search found %s, want patient-a's one journey", body)
	}
	if resp, body := postJSON(t, s.BaseURL+"/v1/connections:search", "k", `{"filter": {"statuses": ["NOPE"]}}`); resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != "INVALID_REQUEST" {
		t.Errorf("search with a misspelt status = %d: %s", resp.StatusCode, body)
	}

	patients := streamedPatients(t, s.BaseURL+"/v1/connections:subscribe", "connection")
	if strings.Join(patients, ",") != "patient-a" {
		t.Fatalf("the stream delivered journeys of %v, want patient-a once", patients)
	}
}

// streamedPatients opens a POST subscription from the earliest with
// patient-a's filter in the body and returns the patient of each item
// (its result's kind field: "event" or "connection") until the second
// checkpoint.
func streamedPatients(t *testing.T, url, kind string) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url,
		strings.NewReader(`{"filter": {"patient": "patient-a"}, "startPosition": "START_POSITION_EARLIEST"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/json")
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK || stream.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("subscribe = %d %q", stream.StatusCode, stream.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(stream.Body)
	var patients []string
	checkpoints := 0
	for checkpoints < 2 && lines.Scan() {
		var item struct {
			Result map[string]json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(lines.Bytes(), &item); err != nil {
			t.Fatalf("%v: %s", err, lines.Bytes())
		}
		if _, ok := item.Result["checkpoint"]; ok {
			checkpoints++
			continue
		}
		var v jsonEvent
		if err := json.Unmarshal(item.Result[kind], &v); err != nil {
			t.Fatalf("%v: %s", err, lines.Bytes())
		}
		patients = append(patients, v.str("patient.externalId"))
	}
	return patients
}
