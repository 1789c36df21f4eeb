package oneuptest

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string, auth bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if auth {
		req.Header.Set("client_id", ClientID)
		req.Header.Set("client_secret", ClientSecret)
		req.Header.Set("x-oneup-user-id", "client")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

func TestServerAuthAndFilters(t *testing.T) {
	s := New(t)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, sub := range []string{"system-selected", "member-authorization", "system-selected"} {
		s.Add(Event{ID: string(rune('a' + i)), Subtype: sub, Recorded: at.Add(time.Duration(i) * time.Hour)})
	}
	if code, body := get(t, s.URL+"/r4/AuditEvent", false); code != 401 || body["resourceType"] != "OperationOutcome" {
		t.Errorf("no credentials: %d %v", code, body)
	}
	_, body := get(t, s.URL+"/r4/AuditEvent?subtype=system-selected,x&date=ge2026-01-01T01:00:00Z", true)
	if body["total"] != float64(1) {
		t.Errorf("filtered total %v, want 1", body["total"])
	}
	if code, _ := get(t, s.URL+"/r4/AuditEvent?_skip=10001", true); code != 400 {
		t.Errorf("_skip over the cap: %d", code)
	}
	_, body = get(t, s.URL+"/r4/AuditEvent?_count=2", true)
	links := body["link"].([]any)
	if len(body["entry"].([]any)) != 2 || len(links) != 2 {
		t.Errorf("page: %v", body)
	}
}

func TestStartClose(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	s.Add(Event{ID: "a", Subtype: "system-selected", Recorded: time.Now()})
	if code, body := get(t, s.URL+"/r4/AuditEvent", true); code != 200 || body["total"] != float64(1) {
		t.Fatalf("started server: %d %v", code, body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/r4/AuditEvent", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("closed server still answers")
	}
}

// TestNoTestingImport keeps the package usable from a non-test binary.
func TestNoTestingImport(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" || dep == "net/http/httptest" {
			t.Errorf("oneuptest depends on %s", dep)
		}
	}
}

func TestLastUpdatedFilterSortAndLatePublish(t *testing.T) {
	s := New(t)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Add(Event{ID: "b", Subtype: "system-selected", Recorded: at.Add(2 * time.Hour)})
	s.Add(Event{ID: "a", Subtype: "system-selected", Recorded: at.Add(time.Hour)})
	s.Hold(Event{ID: "late", Subtype: "system-selected", Recorded: at})
	if s.Len() != 2 {
		t.Fatalf("a held event is served: %d", s.Len())
	}
	if n := s.Publish(at.Add(3 * time.Hour)); n != 1 || s.Publish(at) != 0 {
		t.Fatalf("Publish published %d, then more", n)
	}
	s.Add(Event{ID: "tie", Subtype: "system-selected", Recorded: at, LastUpdated: at.Add(2 * time.Hour)})
	_, body := get(t, s.URL+"/r4/AuditEvent?_sort=_lastUpdated", true)
	if got := ids(body); got != "a,b,tie,late" {
		t.Errorf("order %s, want a,b,tie,late (by lastUpdated, then publication)", got)
	}
	_, body = get(t, s.URL+"/r4/AuditEvent?_lastUpdated=ge2026-01-01T02:30:00Z&date=lt2026-01-01T00:30:00Z", true)
	if got := ids(body); got != "late" {
		t.Errorf("filtered %s, want late", got)
	}
	_, body = get(t, s.URL+"/r4/AuditEvent?_lastUpdated=gt2026-01-01T02:00:00Z", true)
	if got := ids(body); got != "late" {
		t.Errorf("filtered %s, want late", got)
	}
	if code, _ := get(t, s.URL+"/r4/AuditEvent?_lastUpdated=xx2026", true); code != 400 {
		t.Errorf("bad _lastUpdated: %d", code)
	}
}

func ids(body map[string]any) string {
	var out []string
	entries, _ := body["entry"].([]any)
	for _, e := range entries {
		res := e.(map[string]any)["resource"].(map[string]any)
		out = append(out, res["id"].(string))
	}
	return strings.Join(out, ",")
}
