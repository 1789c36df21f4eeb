package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/test/testserver"
)

// TestHostileReadRequests: read requests no store could answer (NUL or
// invalid UTF-8 in an id, a filter or a cursor, a value longer than any
// stored id, thousands of filter values, a misspelt parameter, a body over
// the limit) get a 4xx with a reason on PostgreSQL, the strictest backend,
// before any query or access record; none is a 5xx or reaches the logs as
// a storage error.
func TestHostileReadRequests(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.Database = pgtest.Schema(t) })
	long := strings.Repeat("a", 600)
	many, _ := json.Marshal(map[string]any{"filter": map[string]any{"types": slicesOf("EVENT_TYPE_TEST", 400)}})
	tests := []struct {
		name, method, path, body string
		header                   http.Header
		code                     int
		reason                   reason.Reason
	}{
		{"NUL in an event id", "GET", "/v1/events/%00", "", nil, 400, reason.InvalidRequest},
		{"invalid UTF-8 in an event id", "GET", "/v1/events/%ff", "", nil, 400, reason.InvalidRequest},
		{"NUL in a dead letter id", "GET", "/v1/dead-letters/%00", "", nil, 400, reason.InvalidRequest},
		{"NUL in a patient filter", "GET", "/v1/events?filter.patient=%00", "", nil, 400, reason.InvalidRequest},
		{"NUL in an org connection filter", "GET", "/v1/events?filter.orgConnectionId=a%00b", "", nil, 400, reason.InvalidRequest},
		{"invalid UTF-8 in a health system filter", "GET", "/v1/connections?filter.healthSystem=%ff", "", nil, 400, reason.InvalidRequest},
		{"invalid UTF-8 in an access-record filter", "GET", "/v1/access-records?keyName=%ff", "", nil, 400, reason.InvalidRequest},
		{"a patient filter longer than any id", "GET", "/v1/events?filter.patient=" + long, "", nil, 400, reason.InvalidRequest},
		{"a misspelt filter", "GET", "/v1/events?filter.patiant=x", "", nil, 400, reason.InvalidRequest},
		{"an unknown parameter", "GET", "/v1/connections?unknownParam=1", "", nil, 400, reason.InvalidRequest},
		{"four hundred filter values", "POST", "/v1/events:search", string(many), nil, 400, reason.InvalidRequest},
		{"a search body over the limit", "POST", "/v1/events:search", `{"filter":{"patient":"` + strings.Repeat("a", 100_000) + `"}}`, nil, 413, reason.BodyTooLarge},
		{"invalid UTF-8 in a subscription filter", "GET", "/v1/events:subscribe?filter.patient=%ff", "", nil, 400, reason.InvalidRequest},
		{"NUL in a cursor", "GET", "/v1/connections:subscribe?startCursor=%00%ff", "", nil, 400, reason.InvalidRequest},
		{"an unknown route", "GET", "/v1/nothing-here", "", nil, 404, reason.NotFound},
		{"a method the route does not take", "PUT", "/v1/events", "", nil, 405, reason.MethodNotAllowed},
		{"a parameter on a route whose request is the body", "POST", "/v1/events:search?filter.patient=x", "{}", nil, 400, reason.InvalidRequest},
		{"a parameter on a route without query fields", "GET", "/v1/sources?bogus=1", "", nil, 400, reason.InvalidRequest},
		{"a parameter on a dead letter", "DELETE", "/v1/dead-letters/abc?bogus=1", "", nil, 400, reason.InvalidRequest},
		{"a malformed query", "GET", "/v1/events?filter.patient=x;y", "", nil, 400, reason.InvalidRequest},
		{"a form POST to a GET route", "POST", "/v1/events", "a=b", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Http-Method-Override": {"GET"}}, 405, reason.MethodNotAllowed},
		{"a GET of the webhook route", "GET", "/v1/webhooks/fasten", "", nil, 405, reason.MethodNotAllowed},
		{"a POST of /healthz", "POST", "/healthz", "x", nil, 405, reason.MethodNotAllowed},
		{"a null subscription body resuming", "POST", "/v1/events:subscribe", "null", http.Header{"Last-Event-ID": {"x"}}, 400, reason.InvalidRequest},
		{"a subscription body with a repeated field, resuming", "POST", "/v1/events:subscribe", `{"filter":{"patient":"x"},"filter":{}}`, http.Header{"Last-Event-ID": {"x"}}, 400, reason.InvalidRequest},
		{"a malformed subscription query, resuming", "GET", "/v1/events:subscribe?filter.patient=x%zz", "", http.Header{"Last-Event-ID": {"x"}}, 400, reason.InvalidRequest},
		{"invalid UTF-8 in Last-Event-ID", "GET", "/v1/events:subscribe", "", http.Header{"Last-Event-ID": {"\xff"}}, 400, reason.InvalidRequest},
		{"an undefined event type number", "POST", "/v1/events:search", `{"filter":{"types":[7,99]}}`, nil, 400, reason.InvalidRequest},
		{"an undefined api mode number", "POST", "/v1/events:search", `{"filter":{"apiMode":42}}`, nil, 400, reason.InvalidRequest},
		{"an undefined view number", "POST", "/v1/events:search", `{"view":7}`, nil, 400, reason.InvalidRequest},
		{"an undefined status number", "POST", "/v1/connections:search", `{"filter":{"statuses":[99]}}`, nil, 400, reason.InvalidRequest},
		{"an undefined start position number", "POST", "/v1/events:subscribe", `{"startPosition":9}`, nil, 400, reason.InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := request(t, s, tt.method, tt.path, tt.body, tt.header)
			var got gateway.ErrorBody
			if err := json.Unmarshal(body, &got); err != nil || code != tt.code || got.Reason != string(tt.reason) {
				t.Fatalf("%d %s, want %d %s", code, body, tt.code, tt.reason)
			}
			if strings.Contains(got.Message, long) || strings.ContainsAny(got.Message, "\x00\xff") {
				t.Errorf("the message repeats the value: %q", got.Message)
			}
		})
	}
	if logs := s.Logs.String(); strings.Contains(logs, "storage error") || strings.Contains(logs, "access log cannot record") {
		t.Errorf("a hostile request reached the store:\n%s", logs)
	}
}

// TestHostileReadsDoNotFailOthers: while one caller sends reads that no
// store could answer, another caller's reads all succeed (their access
// records once shared transactions with the bad ones).
func TestHostileReadsDoNotFailOthers(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.Database = pgtest.Schema(t) })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				request(t, s, "GET", "/v1/events?filter.patient=%00", "", nil)
				request(t, s, "GET", "/v1/events?filter.patient="+strings.Repeat("b", 3000), "", nil)
			}
		})
	}
	for i := range 150 {
		if code, body := request(t, s, "GET", "/v1/events?pageSize=1", "", nil); code != http.StatusOK {
			t.Errorf("good read %d: %d %s", i, code, body)
		}
	}
	close(stop)
	wg.Wait()
}

// TestLongFastenIDDeadLettered: a signed delivery whose id is longer than
// the store can index is kept as a dead letter (200), not retried forever
// as a storage error, on PostgreSQL.
func TestLongFastenIDDeadLettered(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.Database = pgtest.Schema(t) })
	for _, body := range [][]byte{
		sample(t, fasten.TypeEHIExportSuccess, fasten.WithID(strings.Repeat("0123456789", 1000))),
		sample(t, fasten.TypeConnectionSuccess, fasten.WithData("external_id", strings.Repeat("p", 8000))),
	} {
		code, answer, err := post(s.BaseURL, signed(t, body))
		if err != nil || code != http.StatusOK || !strings.Contains(string(answer), "INGEST_STATUS_DEAD_LETTERED") ||
			!strings.Contains(string(answer), string(reason.TextNotStorable)) {
			t.Errorf("%d %s %v, want 200 DEAD_LETTERED with TEXT_NOT_STORABLE", code, answer, err)
		}
	}
	requireDeadLetters(t, s, 2)
}

// TestEventDatedNearYear9999: a delivery dated late in year 9999 is stored
// and its journey is listed, read and streamed like any other (its stall
// time would be past the last Timestamp: it never stalls).
func TestEventDatedNearYear9999(t *testing.T) {
	s := testserver.Start(t, nil)
	late := time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC)
	accept(t, s, signed(t, sample(t, fasten.TypeConnectionSuccess, fasten.WithDate(late), fasten.WithVariant("authorized"))), "INGEST_STATUS_STORED")
	code, body := request(t, s, "GET", "/v1/connections", "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), "CONNECTION_STATUS_IN_PROGRESS") {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = request(t, s, "GET", "/v1/connections:subscribe?startPosition=START_POSITION_EARLIEST", "", nil)
	if !strings.Contains(string(body), `"connection"`) || strings.Contains(string(body), `"error"`) {
		t.Fatalf("subscribe: %d %s", code, body)
	}
}

// TestEventDatedYearOne: a delivery dated 0001-01-01T00:00:00Z (Go's zero
// time) as the first event of a database is stored with its journey on
// both backends. It once crashed the committer (a journey without a first
// event time), and on PostgreSQL the stragglers' index predicate overflowed
// for a log whose times were all below the int64 range.
func TestEventDatedYearOne(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := startOn(t, backend)
			var first time.Time
			accept(t, s, signed(t, sample(t, fasten.TypeConnectionSuccess, fasten.WithDate(first), fasten.WithVariant("authorized"))), "INGEST_STATUS_STORED")
			accept(t, s, signed(t, sample(t, fasten.TypeConnectionSuccess, fasten.WithVariant("authorized"))), "INGEST_STATUS_STORED")
			code, body := request(t, s, "GET", "/v1/connections", "", nil)
			// One journey (the same connection), from the first event's time.
			if code != http.StatusOK || !strings.Contains(string(body), `"firstEventAt":"0001-01-01T00:00:00.000000001Z"`) ||
				!strings.Contains(string(body), `"eventCount":"2"`) {
				t.Fatalf("list: %d %s", code, body)
			}
		})
	}
}

// TestConnectionPagesAcrossExtremeDates: journeys last active before 1678
// or after 2262 (outside int64 nanoseconds) page like any other; a page
// token that ended on one used to wrap around and skip the journeys between.
func TestConnectionPagesAcrossExtremeDates(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := startOn(t, backend)
			dates := []time.Time{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Now().Add(-time.Hour),
				time.Now().Add(-2 * time.Hour), time.Now().Add(-3 * time.Hour), time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)}
			for i, at := range dates {
				accept(t, s, signed(t, sample(t, fasten.TypeConnectionSuccess, fasten.WithDate(at), fasten.WithVariant("authorized"),
					fasten.WithData("org_connection_id", fmt.Sprintf("oc-extreme-%d", i)))), "INGEST_STATUS_STORED")
			}
			var seen []string
			req := &conneventsv1.ListConnectionsRequest{PageSize: 1}
			for range len(dates) + 1 {
				page, err := s.Client.ListConnections(t.Context(), req)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.GetConnections() {
					seen = append(seen, c.GetConnection().GetOrgConnectionId())
				}
				if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
					break
				}
			}
			want := []string{"oc-extreme-0", "oc-extreme-1", "oc-extreme-2", "oc-extreme-3", "oc-extreme-4"}
			if !slices.Equal(seen, want) {
				t.Errorf("pages of one: %v, want %v (newest first)", seen, want)
			}
		})
	}
}

// startOn starts a server on backend: "sqlite" (its default) or
// "postgres" (a fresh schema).
func startOn(t *testing.T, backend string) *testserver.Server {
	return testserver.Start(t, func(c *server.Config) {
		if backend == "postgres" {
			c.Database = pgtest.Schema(t)
		}
	})
}

// request sends one HTTP request and returns the status and the body read
// for at most a second (a subscription's first items).
func request(t *testing.T, s *testserver.Server, method, path, body string, header http.Header) (int, []byte) {
	req, err := http.NewRequest(method, s.BaseURL+path, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // a subscription ends at the client's timeout
	return resp.StatusCode, b
}

func slicesOf(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestMethodNotAllowedNamesAllow: a 405 names the methods the path takes.
func TestMethodNotAllowedNamesAllow(t *testing.T) {
	s := testserver.Start(t, nil)
	req, err := http.NewRequest(http.MethodDelete, s.BaseURL+"/v1/events:subscribe", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE /v1/events:subscribe: %s, Allow %q; want 405 with GET, POST", resp.Status, resp.Header.Get("Allow"))
	}
}
