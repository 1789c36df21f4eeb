package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/test/testserver"
)

// Statuses, short.
const (
	inProgress   = conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS
	completed    = conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED
	failedStatus = conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED
	stalled      = conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED
)

// backends runs f on a fresh database of each backend.
func backends(t *testing.T, f func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.Schema(t)) })
}

// startJourneys starts a server on db ("" for a fresh SQLite file) that
// stalls authorized journeys after a second, polls fake when it is not
// nil, and checkpoints quiet streams often.
func startJourneys(t *testing.T, db string, fake *oneuptest.Server) *testserver.Server {
	t.Helper()
	return testserver.Start(t, func(c *server.Config) {
		if db != "" {
			c.Database = db
		}
		if err := (server.ThresholdsFlag{T: &c.StallAfter}).Set("authorized=1s"); err != nil {
			t.Fatal(err)
		}
		c.HeartbeatInterval = 200 * time.Millisecond
		if fake != nil {
			c.OneUp.ClientID, c.OneUp.ClientSecret = oneuptest.ClientID, oneuptest.ClientSecret
			c.OneUp.BaseURL, c.OneUp.PollInterval = fake.URL, 10*time.Millisecond
		}
	})
}

// journeyWorld is what the journey tests deliver, around t0 (half an hour
// ago: the discovery threshold, an hour, has not passed; the authorized
// one, a second, has).
type journeyWorld struct {
	t0 time.Time
}

func newJourneyWorld() journeyWorld {
	return journeyWorld{t0: time.Now().Add(-30 * time.Minute).Truncate(time.Second)}
}

func (w journeyWorld) at(minutes int) time.Time {
	return w.t0.Add(time.Duration(minutes) * time.Minute)
}

// fastenBody is a Fasten delivery of org connection org.
func fastenBody(t *testing.T, typ, id, org string, at time.Time, opts ...fasten.SampleOption) []byte {
	t.Helper()
	opts = append(opts, fasten.WithID(id), fasten.WithDate(at), fasten.WithData("org_connection_id", org))
	return sample(t, typ, opts...)
}

func authorizedBody(t *testing.T, id, org string, at time.Time) []byte {
	t.Helper()
	return fastenBody(t, fasten.TypeConnectionSuccess, id, org, at, fasten.WithData("external_id", "ext-"+org))
}

// deliverFasten sends the Fasten deliveries: org-1 completes (its export
// arrives before its authorization, which arrives twice), org-2 is
// authorized and then stalls, org-3 fails; a request for an unlisted
// system belongs to no journey.
func (w journeyWorld) deliverFasten(t *testing.T, s *testserver.Server) {
	t.Helper()
	accept(t, s, signed(t, fastenBody(t, fasten.TypeEHIExportSuccess, "f1-export", "org-1", w.at(10))), "INGEST_STATUS_STORED")
	accept(t, s, signed(t, authorizedBody(t, "f1-auth", "org-1", w.at(0))), "INGEST_STATUS_STORED")
	accept(t, s, signed(t, authorizedBody(t, "f1-auth", "org-1", w.at(0))), "INGEST_STATUS_DUPLICATE")
	accept(t, s, signed(t, authorizedBody(t, "f2-auth", "org-2", w.at(1))), "INGEST_STATUS_STORED")
	accept(t, s, signed(t, fastenBody(t, fasten.TypeEHIExportFailed, "f3-fail", "org-3", w.at(20))), "INGEST_STATUS_STORED")
	accept(t, s, signed(t, authorizedBody(t, "f3-auth", "org-3", w.at(2))), "INGEST_STATUS_STORED")
	accept(t, s, signed(t, sample(t, fasten.TypeRequestHealthSystem, fasten.WithID("f-req"), fasten.WithDate(w.at(3)))), "INGEST_STATUS_STORED")
}

// oneupWorld returns the 1upHealth AuditEvents: user 1 completes a
// transfer from system 1, user 2's transfer from system 2 is under way,
// user 3 cannot connect to system 1. Searches name no system, so each
// user's search is a journey of its own (the user alone).
func (w journeyWorld) oneupWorld() []oneuptest.Event {
	ev := func(id, sub, user, system string, minute int) oneuptest.Event {
		e := oneuptest.Event{ID: id, Subtype: sub, Recorded: w.at(minute), UserID: user + "-" + oneupMarker, PatientID: "pat-" + user + "-" + oneupMarker}
		if system != "" {
			e.SystemID, e.SystemName = system, "Clinic "+system
		}
		return e
	}
	return []oneuptest.Event{
		ev("u1-search", oneup.SubtypeSystemSearchResults, "u1", "", 0),
		ev("u1-sel", oneup.SubtypeSystemSelected, "u1", "sys-1", 1),
		ev("u1-auth", oneup.SubtypeMemberAuthorization, "u1", "sys-1", 2),
		ev("u1-xfer", oneup.SubtypeDataTransferInitiated, "u1", "sys-1", 3),
		ev("u1-res", oneup.SubtypeResourceIngestionResult, "u1", "sys-1", 4),
		ev("u1-done", oneup.SubtypeMemberDataIngestionCompleted, "u1", "sys-1", 5),
		ev("u2-search", oneup.SubtypeSystemSearchResults, "u2", "", 0),
		ev("u2-sel", oneup.SubtypeSystemSelected, "u2", "sys-2", 1),
		ev("u2-auth", oneup.SubtypeMemberAuthorization, "u2", "sys-2", 2),
		ev("u2-xfer", oneup.SubtypeDataTransferInitiated, "u2", "sys-2", 3),
		ev("u3-search", oneup.SubtypeSystemSearchResults, "u3", "", 0),
		ev("u3-sel", oneup.SubtypeSystemSelected, "u3", "sys-1", 1),
		ev("u3-fail", oneup.SubtypePayerConnectionNotEstablished, "u3", "sys-1", 2),
	}
}

// pushOneUpWorld pushes some AuditEvents, out of order: the poll brings
// them again, with the others.
func (w journeyWorld) pushOneUpWorld(t *testing.T, s *testserver.Server, events []oneuptest.Event) {
	t.Helper()
	var ndjson []string
	for _, i := range []int{5, 4, 8, 12, 1} {
		ndjson = append(ndjson, string(oneuptest.AuditEvent(events[i])))
	}
	for _, r := range pushResults(t, s, "application/fhir+ndjson", []byte(strings.Join(ndjson, "\n")), "") {
		if r.GetStatus() != conneventsv1.IngestStatus_INGEST_STATUS_STORED {
			t.Fatalf("push: %v", r)
		}
	}
}

// eventCount is how many events the store holds.
func eventCount(t *testing.T, s *testserver.Server) int {
	t.Helper()
	return len(allEvents(t, s))
}

func allEvents(t *testing.T, s *testserver.Server) []*conneventsv1.ConnectionEvent {
	t.Helper()
	resp, err := s.Client.ListEvents(t.Context(), &conneventsv1.ListEventsRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetEvents()
}

// listConnectionsREST reads every page of GET /v1/connections?query, two
// journeys a page.
func listConnectionsREST(t *testing.T, s *testserver.Server, query string) []*conneventsv1.ConnectionJourney {
	t.Helper()
	var out []*conneventsv1.ConnectionJourney
	token := ""
	for {
		resp, body := get(t, s.BaseURL+"/v1/connections?pageSize=2&"+query+"&pageToken="+token, "")
		var page conneventsv1.ListConnectionsResponse
		decodeProtoJSON(t, resp, body, &page)
		out = append(out, page.GetConnections()...)
		if page.GetNextPageToken() == "" {
			return out
		}
		token = page.GetNextPageToken()
	}
}

func listEventsREST(t *testing.T, s *testserver.Server, query string) []*conneventsv1.ConnectionEvent {
	t.Helper()
	resp, body := get(t, s.BaseURL+"/v1/events?pageSize=1000&"+query, "")
	var page conneventsv1.ListEventsResponse
	decodeProtoJSON(t, resp, body, &page)
	return page.GetEvents()
}

func listConnections(t *testing.T, s *testserver.Server, f *conneventsv1.ConnectionFilter) []*conneventsv1.ConnectionJourney {
	t.Helper()
	resp, err := s.Client.ListConnections(t.Context(), &conneventsv1.ListConnectionsRequest{Filter: f, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetConnections()
}

// journeyIDs returns the ids of journeys, in order.
func journeyIDs(js []*conneventsv1.ConnectionJourney) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.GetId()
	}
	return out
}

// byOrg and byUser find the journey of a Fasten org connection, or of a
// 1upHealth user and system.
func byOrg(js []*conneventsv1.ConnectionJourney, org string) *conneventsv1.ConnectionJourney {
	return findJourney(js, func(j *conneventsv1.ConnectionJourney) bool { return j.GetConnection().GetOrgConnectionId() == org })
}

func byUser(js []*conneventsv1.ConnectionJourney, user, system string) *conneventsv1.ConnectionJourney {
	return findJourney(js, func(j *conneventsv1.ConnectionJourney) bool {
		return j.GetPatient().GetOneupUserId() == user+"-"+oneupMarker && j.GetHealthSystem().GetOneupSystemId() == system
	})
}

func findJourney(js []*conneventsv1.ConnectionJourney, match func(*conneventsv1.ConnectionJourney) bool) *conneventsv1.ConnectionJourney {
	if i := slices.IndexFunc(js, match); i >= 0 {
		return js[i]
	}
	return nil
}

// Fasten deliveries and 1upHealth AuditEvents, pushed and polled, some out
// of order and some twice, become journeys that can be listed, fetched,
// counted into a funnel and followed, on both backends.
func TestConnectionJourneys(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		w := newJourneyWorld()
		fake := oneuptest.New(t)
		audit := w.oneupWorld()
		s := startJourneys(t, db, fake)
		w.pushOneUpWorld(t, s, audit)
		w.deliverFasten(t, s)
		fake.Add(audit...)
		eventually(t, "every event stored", func() bool { return eventCount(t, s) == 6+len(audit) })
		stalledOnly := &conneventsv1.ConnectionFilter{Statuses: []conneventsv1.ConnectionStatus{stalled}}
		eventually(t, "org-2 stalled", func() bool { return len(listConnections(t, s, stalledOnly)) == 1 })

		all := listConnectionsREST(t, s, "")
		checkJourneyStates(t, all)
		checkJourneyList(t, s, all, w)
		checkGetConnection(t, s, byOrg(all, "org-1"))
		checkFunnel(t, s, w)
		checkJourneyStream(t, s, all)
		checkStallStreamed(t, s)
		checkNoLeak(t, s.Logs.String(), oneupMarker)
	})
}

// checkJourneyStates checks each journey's state against the deliveries.
func checkJourneyStates(t *testing.T, all []*conneventsv1.ConnectionJourney) {
	t.Helper()
	if len(all) != 9 {
		t.Fatalf("%d journeys, want 9 (3 Fasten org connections, 3 1upHealth user+system pairs, 3 searches without a system)", len(all))
	}
	want := []struct {
		name   string
		j      *conneventsv1.ConnectionJourney
		status conneventsv1.ConnectionStatus
		events int64
	}{
		{"org-1", byOrg(all, "org-1"), completed, 2},
		{"org-2", byOrg(all, "org-2"), stalled, 1},
		{"org-3", byOrg(all, "org-3"), failedStatus, 2},
		{"u1 sys-1", byUser(all, "u1", "sys-1"), completed, 5},
		{"u2 sys-2", byUser(all, "u2", "sys-2"), inProgress, 3},
		{"u3 sys-1", byUser(all, "u3", "sys-1"), failedStatus, 2},
		{"u1 search", byUser(all, "u1", ""), inProgress, 1},
	}
	for _, c := range want {
		if c.j == nil {
			t.Errorf("%s: no journey", c.name)
			continue
		}
		if c.j.GetStatus() != c.status || c.j.GetEventCount() != c.events || !journey.ValidID(c.j.GetId()) {
			t.Errorf("%s: %s with %d events (id %q), want %s with %d", c.name, c.j.GetStatus(), c.j.GetEventCount(), c.j.GetId(), c.status, c.events)
		}
	}
	if j := byUser(all, "u1", "sys-1"); j.GetResourcesIngested() == 0 && j.GetStepTimes().GetCompletedAt() == nil {
		t.Errorf("u1's completed transfer lacks its steps: %v", j)
	}
	if j := byOrg(all, "org-3"); j.GetFailureReason() == conneventsv1.FailureReason_FAILURE_REASON_UNSPECIFIED {
		t.Errorf("org-3 failed without a failure reason")
	}
}

// checkJourneyList checks order, paging and filters of ListConnections.
func checkJourneyList(t *testing.T, s *testserver.Server, all []*conneventsv1.ConnectionJourney, w journeyWorld) {
	t.Helper()
	if !slices.IsSortedFunc(all, func(a, b *conneventsv1.ConnectionJourney) int {
		return b.GetLastEventAt().AsTime().Compare(a.GetLastEventAt().AsTime())
	}) {
		t.Errorf("the list is not latest activity first")
	}
	grpcAll := listConnections(t, s, nil)
	if !slices.EqualFunc(all, grpcAll, func(a, b *conneventsv1.ConnectionJourney) bool { return proto.Equal(a, b) }) {
		t.Errorf("REST pages and one gRPC page differ")
	}
	asc := listConnectionsREST(t, s, "orderBy=last_event_at%20asc")
	want := journeyIDs(all)
	slices.Reverse(want)
	if got := journeyIDs(asc); !slices.Equal(got, want) {
		t.Errorf("ascending %v, want the reverse of %v", got, want)
	}
	ids := func(js ...*conneventsv1.ConnectionJourney) []string { return sortedIDs(js) }
	filters := []struct {
		query string
		want  []string
	}{
		{"filter.statuses=CONNECTION_STATUS_COMPLETED", ids(byOrg(all, "org-1"), byUser(all, "u1", "sys-1"))},
		{"filter.sources=SOURCE_FASTEN", ids(byOrg(all, "org-1"), byOrg(all, "org-2"), byOrg(all, "org-3"))},
		{"filter.patient=ext-org-1", ids(byOrg(all, "org-1"))},
		{"filter.patient=u3-" + oneupMarker, ids(byUser(all, "u3", "sys-1"), byUser(all, "u3", ""))},
		{"filter.healthSystem=sys-1", ids(byUser(all, "u1", "sys-1"), byUser(all, "u3", "sys-1"))},
		{"filter.healthSystem=" + url.QueryEscape("Clinic sys-2"), ids(byUser(all, "u2", "sys-2"))},
		{"filter.stalledFor=60s", ids(byOrg(all, "org-2"))},
		{"filter.stalledFor=7200s", nil},
		{"filter.lastEventAfter=" + w.at(15).Format(time.RFC3339), ids(byOrg(all, "org-3"))},
		{"filter.stages=STAGE_DISCOVERY", ids(byUser(all, "u1", ""), byUser(all, "u2", ""), byUser(all, "u3", ""))},
	}
	for _, f := range filters {
		if got := sortedIDs(listConnectionsREST(t, s, f.query)); !slices.Equal(got, f.want) {
			t.Errorf("%s: %v, want %v", f.query, got, f.want)
		}
	}
	resp, body := get(t, s.BaseURL+"/v1/connections?filter.stalledFor=-5s", "")
	if resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != "FILTER_INVALID" {
		t.Errorf("negative stalledFor: %s %s", resp.Status, body)
	}
}

func sortedIDs(js []*conneventsv1.ConnectionJourney) []string {
	out := journeyIDs(js)
	slices.Sort(out)
	return out
}

// checkGetConnection fetches org-1's journey with its events, in the
// order of their occurrence (not of their arrival), and refuses bad ids.
func checkGetConnection(t *testing.T, s *testserver.Server, org1 *conneventsv1.ConnectionJourney) {
	t.Helper()
	resp, body := get(t, s.BaseURL+"/v1/connections/"+org1.GetId(), "")
	var got conneventsv1.GetConnectionResponse
	decodeProtoJSON(t, resp, body, &got)
	if !proto.Equal(got.GetConnection(), org1) {
		t.Errorf("GET the journey: %v, listed as %v", got.GetConnection(), org1)
	}
	var order []string
	for _, ev := range got.GetEvents() {
		order = append(order, ev.GetSourceEventId())
		if ev.GetConnectionId() != org1.GetId() || ev.GetRaw() != nil {
			t.Errorf("event %s: connection %q, raw %d bytes", ev.GetSourceEventId(), ev.GetConnectionId(), len(ev.GetRaw()))
		}
	}
	if !slices.Equal(order, []string{"f1-auth", "f1-export"}) {
		t.Errorf("events %v, want f1-auth then f1-export", order)
	}
	var listed []string
	for _, ev := range listEventsREST(t, s, "filter.connectionId="+org1.GetId()) {
		listed = append(listed, ev.GetSourceEventId())
	}
	if slices.Sort(listed); !slices.Equal(listed, []string{"f1-auth", "f1-export"}) {
		t.Errorf("GET /v1/events?filter.connectionId=…: %v, want the journey's two events", listed)
	}
	for path, want := range map[string]string{"/v1/connections/not-a-connection": "CONNECTION_ID_INVALID", "/v1/connections/cnx_aaaaaaaaaaaaaaaaaaaaaaaaaa": "NOT_FOUND"} {
		resp, body := get(t, s.BaseURL+path, "")
		if errorReason(t, body) != want || (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound) {
			t.Errorf("GET %s: %s %s, want %s", path, resp.Status, body, want)
		}
	}
}

// checkFunnel checks GetFunnel against journey.ComputeFunnel over the
// listed journeys and stored events, and a few figures by hand.
func checkFunnel(t *testing.T, s *testserver.Server, w journeyWorld) {
	t.Helper()
	start := w.at(-1)
	journeys := listConnections(t, s, nil)
	events := allEvents(t, s)
	for _, g := range []conneventsv1.FunnelGroupBy{
		conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_UNSPECIFIED, conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE,
		conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM, conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_PLATFORM_TYPE,
	} {
		var rows []journey.FunnelJourney
		for _, j := range journeys {
			if !j.GetFirstEventAt().AsTime().Before(start) {
				rows = append(rows, journey.FunnelJourneyOf(g, j))
			}
		}
		var disc []journey.FunnelDiscovery
		for _, ev := range events {
			if d, ok := journey.FunnelDiscoveryOf(g, ev); ok && !ev.GetOccurredAt().AsTime().Before(start) {
				disc = append(disc, d)
			}
		}
		want := journey.ComputeFunnel(rows, disc)
		resp, body := get(t, s.BaseURL+"/v1/funnel?startTime="+start.Format(time.RFC3339)+"&groupBy="+g.String(), "")
		var got conneventsv1.GetFunnelResponse
		decodeProtoJSON(t, resp, body, &got)
		if !slices.EqualFunc(got.GetFunnels(), want, func(a, b *conneventsv1.Funnel) bool { return proto.Equal(a, b) }) {
			t.Errorf("%s: the funnel is\n%v\nComputeFunnel over the journeys and events gives\n%v", g, got.GetFunnels(), want)
		}
	}
	resp, err := s.Client.GetFunnel(t.Context(), &conneventsv1.GetFunnelRequest{
		StartTime: timestamppb.New(start), GroupBy: conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range resp.GetFunnels() {
		switch f.GetGroup() {
		case "SOURCE_ONEUP":
			if f.GetPatientsSearched() != 3 || f.GetPatientsSelected() != 3 || f.GetCompleted() != 1 || f.GetConnectionFailed() != 1 || f.GetTransferStarted() != 2 {
				t.Errorf("1upHealth funnel %v", f)
			}
		case "SOURCE_FASTEN":
			if f.GetConnections() != 3 || f.GetAuthorized() != 3 || f.GetCompleted() != 1 || f.GetTransferFailed() != 1 || f.GetStalled() != 1 {
				t.Errorf("Fasten funnel %v", f)
			}
		default:
			t.Errorf("unexpected group %q", f.GetGroup())
		}
	}
	r, body := get(t, s.BaseURL+"/v1/funnel", "")
	if r.StatusCode != http.StatusBadRequest || errorReason(t, body) != "WINDOW_INVALID" {
		t.Errorf("funnel without a window: %s %s", r.Status, body)
	}
}

// streamLine is one NDJSON line of a journey subscription.
type streamLine struct {
	Result struct {
		Cursor     string
		Connection json.RawMessage
		Checkpoint json.RawMessage
	}
}

// checkJourneyStream replays the journey changes over NDJSON, resumes
// from a cursor over gRPC, and checks the SSE framing.
func checkJourneyStream(t *testing.T, s *testserver.Server, all []*conneventsv1.ConnectionJourney) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/v1/connections:subscribe?startPosition=START_POSITION_EARLIEST", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	var cursors []string
	seen := map[string]bool{}
	for lines.Scan() { // the opening checkpoint, the replay, a checkpoint when caught up
		var l streamLine
		if err := json.Unmarshal(lines.Bytes(), &l); err != nil {
			t.Fatalf("line %s: %v", lines.Bytes(), err)
		}
		if l.Result.Checkpoint != nil && len(cursors) > 0 {
			break
		}
		if l.Result.Connection != nil {
			var j conneventsv1.ConnectionJourney
			if err := protojson.Unmarshal(l.Result.Connection, &j); err != nil {
				t.Fatal(err)
			}
			seen[j.GetId()] = true
			cursors = append(cursors, l.Result.Cursor)
		}
	}
	if len(seen) != len(all) {
		t.Fatalf("the replay named %d journeys in %d changes; want all %d journeys", len(seen), len(cursors), len(all))
	}
	k := len(cursors) / 2
	sub, err := s.Client.SubscribeConnections(ctx, &conneventsv1.SubscribeConnectionsRequest{
		Start: &conneventsv1.SubscribeConnectionsRequest_StartCursor{StartCursor: cursors[k]},
	})
	if err != nil {
		t.Fatal(err)
	}
	var resumed []string
	for {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetCheckpoint() != nil && len(resumed) > 0 {
			break
		}
		if item.GetConnection() != nil {
			resumed = append(resumed, item.GetCursor())
		}
	}
	if !slices.Equal(resumed, cursors[k+1:]) {
		t.Errorf("resumed after change %d: %d changes, want the %d after it", k, len(resumed), len(cursors)-k-1)
	}
	sse := openStreamAt(t, s, "/v1/connections:subscribe", "startPosition=START_POSITION_EARLIEST", http.Header{"Accept": {"text/event-stream"}})
	evs := sseEvents(t, sse, 2)
	var data struct{ Cursor string }
	if evs[0].Type != "checkpoint" || evs[1].Type != "connection" || json.Unmarshal([]byte(evs[1].Data), &data) != nil ||
		data.Cursor != evs[1].LastEventID || data.Cursor != cursors[0] {
		t.Errorf("SSE: %q then %q %s (id %s)", evs[0].Type, evs[1].Type, evs[1].Data, evs[1].LastEventID)
	}
}

// checkStallStreamed authorizes a new connection and watches it become
// STALLED, with no event, a second later: stored and streamed. A later
// event moves it on.
func checkStallStreamed(t *testing.T, s *testserver.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sub, err := s.Client.SubscribeConnections(ctx, &conneventsv1.SubscribeConnectionsRequest{
		Filter: &conneventsv1.ConnectionFilter{Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := sub.Recv(); err != nil || first.GetCheckpoint() == nil {
		t.Fatalf("first item %v, %v", first, err)
	}
	accept(t, s, signed(t, authorizedBody(t, "f4-auth", "org-4", time.Now())), "INGEST_STATUS_STORED")
	var statuses []conneventsv1.ConnectionStatus
	var id string
	for !slices.Contains(statuses, stalled) {
		item, err := sub.Recv()
		if err != nil {
			t.Fatalf("after %v: %v", statuses, err)
		}
		if j := item.GetConnection(); j != nil {
			if j.GetConnection().GetOrgConnectionId() != "org-4" {
				t.Fatalf("streamed a change of another journey: %v", j)
			}
			statuses, id = append(statuses, j.GetStatus()), j.GetId()
		}
	}
	got, err := s.Client.GetConnection(ctx, &conneventsv1.GetConnectionRequest{Id: id})
	if err != nil || got.GetConnection().GetStatus() != stalled || got.GetConnection().GetStallAt() == nil {
		t.Fatalf("stored: %v, %v; want STALLED with its stall time", got.GetConnection(), err)
	}
	accept(t, s, signed(t, fastenBody(t, fasten.TypeEHIExportSuccess, "f4-export", "org-4", time.Now())), "INGEST_STATUS_STORED")
	for {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if j := item.GetConnection(); j != nil {
			if j.GetStatus() != completed {
				t.Fatalf("after the export: %s, want COMPLETED", j.GetStatus())
			}
			return
		}
	}
}

// Two replicas on one PostgreSQL database see the same journeys, count the
// same funnel, and stream each other's changes.
func TestJourneysOnTwoReplicas(t *testing.T) {
	db := pgtest.Schema(t)
	w := newJourneyWorld()
	a := startJourneys(t, db, nil)
	b := startJourneys(t, db, nil)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sub, err := b.Client.SubscribeConnections(ctx, &conneventsv1.SubscribeConnectionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := sub.Recv(); err != nil || first.GetCheckpoint() == nil {
		t.Fatalf("first item %v, %v", first, err)
	}
	w.deliverFasten(t, a)
	w.pushOneUpWorld(t, b, w.oneupWorld())
	for {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if j := item.GetConnection(); j != nil && j.GetSource() == conneventsv1.Source_SOURCE_FASTEN {
			break // a change committed by replica a, streamed by b
		}
	}
	stalledOnly := &conneventsv1.ConnectionFilter{Statuses: []conneventsv1.ConnectionStatus{stalled}, StalledFor: durationpb.New(0)}
	eventually(t, "org-2 stalled", func() bool { return byOrg(listConnections(t, b, stalledOnly), "org-2") != nil })
	fromA, fromB := listConnections(t, a, nil), listConnections(t, b, nil)
	if len(fromA) == 0 || !slices.EqualFunc(fromA, fromB, func(x, y *conneventsv1.ConnectionJourney) bool { return proto.Equal(x, y) }) {
		t.Fatalf("replica a lists %d journeys, b %d; they differ", len(fromA), len(fromB))
	}
	for _, j := range fromA {
		got, err := b.Client.GetConnection(ctx, &conneventsv1.GetConnectionRequest{Id: j.GetId()})
		if err != nil || !proto.Equal(got.GetConnection(), j) {
			t.Fatalf("b's GetConnection(%s) = %v, %v; a lists %v", j.GetId(), got.GetConnection(), err, j)
		}
	}
	req := &conneventsv1.GetFunnelRequest{StartTime: timestamppb.New(w.at(-1)), EndTime: timestamppb.Now(), GroupBy: conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE}
	fa, errA := a.Client.GetFunnel(ctx, req)
	fb, errB := b.Client.GetFunnel(ctx, req)
	if errA != nil || errB != nil || !proto.Equal(fa, fb) || len(fa.GetFunnels()) != 2 {
		t.Fatalf("funnels differ: a %v (%v), b %v (%v)", fa, errA, fb, errB)
	}
}

// TestTiedEventsGiveOneStateWhateverTheirArrival: Fasten dates deliveries
// to the second, so an authorization and a revocation often share a time;
// the journey's state must not depend on which arrived first.
func TestTiedEventsGiveOneStateWhateverTheirArrival(t *testing.T) {
	s := testserver.Start(t, nil)
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	deliver := func(conn string, revokedFirst bool) {
		auth := sample(t, fasten.TypeConnectionSuccess, fasten.WithDate(at), fasten.WithVariant("authorized"),
			fasten.WithID("evt-"+conn+"-auth"), fasten.WithData("org_connection_id", conn))
		rev := sample(t, fasten.TypeAuthorizationRevoked, fasten.WithDate(at),
			fasten.WithID("evt-"+conn+"-rev"), fasten.WithData("org_connection_id", conn))
		order := [][]byte{auth, rev}
		if revokedFirst {
			order = [][]byte{rev, auth}
		}
		for _, body := range order {
			accept(t, s, signed(t, body), "INGEST_STATUS_STORED")
		}
	}
	deliver("tie-a", false)
	deliver("tie-b", true)
	page, err := s.Client.ListConnections(t.Context(), &conneventsv1.ListConnectionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]conneventsv1.ConnectionStatus{}
	for _, j := range page.GetConnections() {
		got[j.GetConnection().GetOrgConnectionId()] = j.GetStatus()
	}
	if len(got) != 2 || got["tie-a"] != got["tie-b"] {
		t.Errorf("statuses %v: the same two deliveries in two orders gave two states", got)
	}
}
