package e2e

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/test/testserver"
)

const (
	readSecret  = "reader-secret-0123456789"
	adminSecret = "ops-secret-0123456789"
	svcPrefix   = "/connevents.v1.ConnectionEventService/"
)

// wantRecord is what one access record should say.
type wantRecord struct {
	method, route string
	phase         conneventsv1.AccessPhase
	count         int64
	outcome       string
	filterHas     string
	patient       string // the record's patient: the filter's, or the one event or journey returned
}

// TestAccessLog reads personal data every way the API allows and checks
// that each call wrote exactly one access record (a subscription two: at
// open and at end), with the key's name and role, the method or route, the
// filter, the patient, the count and the outcome, all read back through
// ListAccessRecords; and that calls returning no personal data wrote none.
func TestAccessLog(t *testing.T) {
	s := startWithRoleKeys(t)
	ids := seed(t, s, 3) // patient-0, patient-1, patient-0
	ctx := withKey(context.Background(), readSecret)
	var want []wantRecord
	call := func(w wantRecord) { want = append(want, w) }

	if _, err := s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: ids[0], View: conneventsv1.EventView_EVENT_VIEW_FULL}); err != nil {
		t.Fatal(err)
	}
	call(wantRecord{svcPrefix + "GetEvent", "", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 1, "OK", "EVENT_VIEW_FULL", "patient-0"})
	if _, err := s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: "01234567-0000-7000-8000-000000000000"}); err == nil {
		t.Fatal("unknown id found")
	}
	call(wantRecord{svcPrefix + "GetEvent", "", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 0, "NOT_FOUND", "01234567-0000", ""})
	if r, body := get(t, s.BaseURL+"/v1/events/"+ids[1]+"?view=EVENT_VIEW_FULL", readSecret); r.StatusCode != http.StatusOK {
		t.Fatalf("REST get: %s %s", r.Status, body)
	}
	call(wantRecord{svcPrefix + "GetEvent", "GET /v1/events/{id}", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 1, "OK", ids[1], "patient-1"})
	list, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{Filter: &conneventsv1.EventFilter{Patient: "patient-0"}})
	if err != nil || len(list.GetEvents()) != 2 {
		t.Fatalf("ListEvents: %v, %v", list, err)
	}
	call(wantRecord{svcPrefix + "ListEvents", "", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 2, "OK", "patient-0", "patient-0"})
	req, _ := http.NewRequest(http.MethodPost, s.BaseURL+"/v1/events:search", strings.NewReader(`{"filter":{"patient":"patient-1"}}`))
	req.Header.Set("Authorization", "Bearer "+readSecret)
	req.Header.Set(api.GatewayHeaders.Route, "GET /forged") // replaced by the gateway
	if r, body := testserver.Do(t, req); r.StatusCode != http.StatusOK {
		t.Fatalf("REST search: %s %s", r.Status, body)
	}
	call(wantRecord{svcPrefix + "ListEvents", "POST /v1/events:search", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 1, "OK", "patient-1", "patient-1"})

	// A gRPC subscription that replays the 3 events, then is cancelled.
	subCtx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(ctx, "connevents-http-route", "GET /forged"))
	sub, err := s.Client.SubscribeEvents(subCtx, &conneventsv1.SubscribeEventsRequest{
		Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST},
	})
	if err != nil {
		t.Fatal(err)
	}
	for got := 0; got < 3; {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetEvent() != nil {
			got++
		}
	}
	cancel()
	call(wantRecord{svcPrefix + "SubscribeEvents", "", conneventsv1.AccessPhase_ACCESS_PHASE_OPEN, 0, "OK", "START_POSITION_EARLIEST", ""})
	call(wantRecord{svcPrefix + "SubscribeEvents", "", conneventsv1.AccessPhase_ACCESS_PHASE_END, 3, "CANCELED", "START_POSITION_EARLIEST", ""})

	// The same over REST (NDJSON), closed after the 3 events.
	restSubscribe(t, s, 3)
	call(wantRecord{svcPrefix + "SubscribeEvents", "GET /v1/events:subscribe", conneventsv1.AccessPhase_ACCESS_PHASE_OPEN, 0, "OK", "START_POSITION_EARLIEST", ""})
	call(wantRecord{svcPrefix + "SubscribeEvents", "GET /v1/events:subscribe", conneventsv1.AccessPhase_ACCESS_PHASE_END, 3, "CANCELED", "START_POSITION_EARLIEST", ""})

	// The journeys: list, get, funnel, and a REST subscription replayed to
	// its first checkpoint.
	conns, err := s.Client.ListConnections(ctx, &conneventsv1.ListConnectionsRequest{})
	if err != nil || len(conns.GetConnections()) == 0 {
		t.Fatalf("ListConnections: %v, %v", conns, err)
	}
	call(wantRecord{svcPrefix + "ListConnections", "", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, int64(len(conns.GetConnections())), "OK", "{}", ""})
	conn, err := s.Client.GetConnection(ctx, &conneventsv1.GetConnectionRequest{Id: conns.GetConnections()[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	cp := conn.GetConnection().GetPatient()
	connPatient := cmp.Or(cp.GetExternalId(), cp.GetOneupUserId(), cp.GetFhirPatientReference(), cp.GetExternalState())
	if connPatient == "" {
		t.Fatalf("GetConnection returned a journey without a patient: %v", conn.GetConnection())
	}
	call(wantRecord{svcPrefix + "GetConnection", "", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, 1 + int64(len(conn.GetEvents())), "OK", conns.GetConnections()[0].GetId(), connPatient})
	r, body := get(t, s.BaseURL+"/v1/funnel?startTime="+time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339)+"&groupBy=FUNNEL_GROUP_BY_SOURCE", readSecret)
	var funnel struct{ Funnels []any }
	if err := json.Unmarshal(body, &funnel); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("REST funnel: %s %s", r.Status, body)
	}
	call(wantRecord{svcPrefix + "GetFunnel", "GET /v1/funnel", conneventsv1.AccessPhase_ACCESS_PHASE_CALL, int64(len(funnel.Funnels)), "OK", "FUNNEL_GROUP_BY_SOURCE", ""})
	changes := restReplay(t, s, "/v1/connections:subscribe")
	call(wantRecord{svcPrefix + "SubscribeConnections", "GET /v1/connections:subscribe", conneventsv1.AccessPhase_ACCESS_PHASE_OPEN, 0, "OK", "START_POSITION_EARLIEST", ""})
	call(wantRecord{svcPrefix + "SubscribeConnections", "GET /v1/connections:subscribe", conneventsv1.AccessPhase_ACCESS_PHASE_END, changes, "CANCELED", "START_POSITION_EARLIEST", ""})

	// Calls that return no personal data are not recorded.
	if _, err := s.Client.ListSourceStatuses(ctx, &conneventsv1.ListSourceStatusesRequest{}); err != nil {
		t.Fatal(err)
	}

	// Newest first; a subscription's end may be recorded after later calls
	// (the server sees the client go a little later), so records are
	// matched to calls in any order.
	got := waitAccessRecords(t, s, len(want))
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, r := range got {
			if !used[i] && r.GetMethod() == w.method && r.GetRoute() == w.route && r.GetPhase() == w.phase && r.GetCount() == w.count &&
				r.GetOutcome() == w.outcome && strings.Contains(r.GetFilter(), w.filterHas) && r.GetPatient() == w.patient &&
				r.GetKeyName() == "read" && r.GetRole() == "read" && strings.HasPrefix(r.GetPeer(), "127.0.0.1:") && r.GetTime() != nil {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no record %+v by key read among:%s", w, recordsText(got))
		}
	}

	// Filters: by patient (the filter's, or the one event or journey read:
	// GetEvent of ids[0] and ListEvents for patient-0, and GetConnection
	// when that journey is patient-0's), by method, and reading the log is
	// itself recorded, with the admin key.
	admin := withKey(context.Background(), adminSecret)
	byPatient, err := s.Client.ListAccessRecords(admin, &conneventsv1.ListAccessRecordsRequest{Patient: "patient-0"})
	var methods []string
	for _, r := range byPatient.GetAccessRecords() {
		methods = append(methods, strings.TrimPrefix(r.GetMethod(), svcPrefix))
		if r.GetPatient() != "patient-0" {
			t.Errorf("a record found by patient-0 says patient %q: %v", r.GetPatient(), r)
		}
	}
	slices.Sort(methods)
	wantMethods := []string{"GetEvent", "ListEvents"}
	if conn.GetConnection().GetPatient().GetExternalId() == "patient-0" {
		wantMethods = []string{"GetConnection", "GetEvent", "ListEvents"}
	}
	if err != nil || !slices.Equal(methods, wantMethods) {
		t.Errorf("records of patient-0: %v (%v), want %v", methods, err, wantMethods)
	}
	bySub, err := s.Client.ListAccessRecords(admin, &conneventsv1.ListAccessRecordsRequest{Method: "SubscribeEvents", KeyName: "read", PageSize: 3})
	if err != nil || len(bySub.GetAccessRecords()) != 3 || bySub.GetNextPageToken() == "" {
		t.Fatalf("first page of SubscribeEvents records: %v, %v", bySub, err)
	}
	rest, err := s.Client.ListAccessRecords(admin, &conneventsv1.ListAccessRecordsRequest{Method: "SubscribeEvents", KeyName: "read", PageSize: 3, PageToken: bySub.GetNextPageToken()})
	if err != nil || len(rest.GetAccessRecords()) != 1 || rest.GetNextPageToken() != "" {
		t.Errorf("second page of SubscribeEvents records: %v, %v", rest, err)
	}
	r, body = get(t, s.BaseURL+"/v1/access-records?keyName=admin", adminSecret)
	var page struct{ AccessRecords []map[string]any }
	// The earlier reads of the log: the polls of waitAccessRecords, then 3.
	if err := json.Unmarshal(body, &page); err != nil || r.StatusCode != http.StatusOK || len(page.AccessRecords) < 4 {
		t.Fatalf("GET /v1/access-records?keyName=admin: %s %s, want the earlier reads of the log", r.Status, body)
	}
	for _, rec := range page.AccessRecords {
		if rec["method"] != svcPrefix+"ListAccessRecords" || rec["role"] != "admin" || rec["route"] != "" {
			t.Errorf("reading the access log is recorded as %v", rec)
		}
	}
	// Over HTTP the patient is the record's `patient`: each of the records
	// of patient-1 (GetEvent of ids[1], the search) says so.
	r, body = get(t, s.BaseURL+"/v1/access-records?patient=patient-1&keyName=read", adminSecret)
	page.AccessRecords = nil
	if err := json.Unmarshal(body, &page); err != nil || r.StatusCode != http.StatusOK || len(page.AccessRecords) < 2 {
		t.Fatalf("GET /v1/access-records?patient=patient-1: %s %s, want the reads of patient-1", r.Status, body)
	}
	for _, rec := range page.AccessRecords {
		if rec["patient"] != "patient-1" {
			t.Errorf("a record of patient-1 over HTTP: %v", rec)
		}
	}
	if logs := s.Logs.String(); strings.Contains(logs, "patient-0") || strings.Contains(logs, "patient-1") {
		t.Error("a patient id reached the logs")
	}
}

// restSubscribe reads n events of an NDJSON subscription and closes it.
func restSubscribe(t *testing.T, s *testserver.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/v1/events:subscribe?startPosition=START_POSITION_EARLIEST", nil)
	req.Header.Set("Authorization", "Bearer "+readSecret)
	req.Header.Set(api.GatewayHeaders.Route, "GET /forged")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for got := 0; got < n && sc.Scan(); {
		if strings.Contains(sc.Text(), `"event"`) {
			got++
		}
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
}

// restReplay reads an NDJSON subscription from the start of the retained
// log up to the first checkpoint after an item (the end of the replay:
// nothing changes meanwhile), closes it and returns how many items (not
// checkpoints) it read.
func restReplay(t *testing.T, s *testserver.Server, path string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+path+"?startPosition=START_POSITION_EARLIEST", nil)
	req.Header.Set("Authorization", "Bearer "+readSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var items int64
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		var line struct{ Result map[string]any }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Result == nil {
			t.Fatalf("stream line %s: %v", sc.Text(), err)
		}
		if line.Result["checkpoint"] != nil && items > 0 {
			return items
		}
		if line.Result["checkpoint"] != nil {
			continue
		}
		items++
	}
	t.Fatal("the stream ended before a checkpoint")
	return 0
}

// waitAccessRecords returns the records of the read key once there are n
// (a subscription's end is recorded after the client has gone), newest
// first.
func waitAccessRecords(t *testing.T, s *testserver.Server, n int) []*conneventsv1.AccessRecord {
	t.Helper()
	admin := withKey(context.Background(), adminSecret)
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, err := s.Client.ListAccessRecords(admin, &conneventsv1.ListAccessRecordsRequest{KeyName: "read"})
		if err != nil {
			t.Fatal(err)
		}
		got := page.GetAccessRecords()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d records of the read key, want %d:%s", len(got), n, recordsText(got))
			}
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func recordsText(recs []*conneventsv1.AccessRecord) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "\n  %v", r)
	}
	return b.String()
}
