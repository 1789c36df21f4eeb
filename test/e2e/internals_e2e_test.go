package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/connevents/connevents/test/testserver"
)

// TestErrorsNameNoGoInternals: a query the gateway cannot parse is
// answered 400 INVALID_REQUEST naming the parameter, never Go's parser
// (strconv, time layouts) nor the value sent (which may be a patient id).
func TestErrorsNameNoGoInternals(t *testing.T) {
	s := testserver.Start(t, nil)
	for _, q := range []string{
		"pageSize=pat-zq9",
		"filter.occurredAfter=pat-zq9",
		"filter.types=pat-zq9",
		"filter.sources=pat-zq9",
	} {
		resp, body := get(t, s.BaseURL+"/v1/events?"+q, "")
		param, _, _ := strings.Cut(q, "=")
		param = snake(param[strings.LastIndex(param, ".")+1:]) // the gateway names the field
		text := string(body)
		if resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != "INVALID_REQUEST" {
			t.Errorf("%s: %s %s, want 400 INVALID_REQUEST", q, resp.Status, body)
		}
		for _, leak := range []string{"strconv", "parsing", "2006-01-02", "zq9", "invalid syntax", "proto:"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s: the answer %s contains %q", q, text, leak)
			}
		}
		if !strings.Contains(text, param) {
			t.Errorf("%s: the answer %s does not name the parameter", q, text)
		}
	}
	// A body the gateway cannot decode, on a route with one.
	resp, body := testserver.Do(t, mustRequest(t, http.MethodPost, s.BaseURL+"/v1/events:ingestOneUpAuditEvents", "{not json zq9"))
	if resp.StatusCode != http.StatusNotFound && (strings.Contains(string(body), "zq9") || strings.Contains(string(body), "proto:")) {
		t.Errorf("a body the gateway cannot decode: %s %s", resp.Status, body)
	}
}

// snake turns filter.occurredAfter into filter.occurred_after.
func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func mustRequest(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	if _, err := url.Parse(u); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}
