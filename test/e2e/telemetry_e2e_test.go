package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc/metadata"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/server/telemetry"
	"github.com/connevents/connevents/test/testserver"
)

// canary is in every piece of personal data the telemetry tests send:
// patient ids, names, e-mail addresses, download links. It must reach no
// metric and no span.
const canary = "canary-7f3e"

var (
	canaryPatient = "pat-" + canary
	canaryName    = "Jane " + canary
	canaryEmail   = "jane." + canary + "@example.org"
	canaryLink    = "https://files.example.org/" + canary + "/export.zip"
)

// busyDay sends the server deliveries and requests full of canaries
// through every door: signed Fasten deliveries (one twice), a forged one,
// an unreadable signed one, a 1upHealth push with a bad line, REST and gRPC
// reads that name the patient, and subscriptions over gRPC and SSE that
// stay open until the test ends.
func busyDay(t *testing.T, s *testserver.Server) {
	t.Helper()
	withCanaries := []fasten.SampleOption{
		fasten.WithData("external_id", canaryPatient), fasten.WithData("patient_name", canaryName),
		fasten.WithData("email", canaryEmail), fasten.WithData("download_link", canaryLink),
	}
	success := signed(t, sample(t, fasten.TypeConnectionSuccess, withCanaries...))
	for _, d := range []delivery{success, success, signed(t, sample(t, fasten.TypeEHIExportSuccess, withCanaries...))} {
		if code, body, err := post(s.BaseURL, d); err != nil || code != http.StatusOK {
			t.Fatalf("delivery: %d %s %v", code, body, err)
		}
	}
	forged := signedAt(t, otherSecret, sample(t, fasten.TypeConnectionSuccess, withCanaries...), time.Now())
	if code, _, _ := post(s.BaseURL, forged); code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d", code)
	}
	if code, _, _ := post(s.BaseURL, signed(t, []byte(`{"type":"x","data":{"email":"`+canaryEmail+`"}}`))); code != http.StatusOK {
		t.Fatalf("unreadable delivery: %d", code)
	}

	ev := oneupEvents("tel", 3, time.Now().Add(-time.Hour), time.Minute)
	var push strings.Builder
	for i := range ev {
		ev[i].UserID, ev[i].PatientID, ev[i].SystemName = "usr-"+canary, canaryPatient, "Clinic "+canary
		push.Write(oneuptest.AuditEvent(ev[i]))
		push.WriteString("\n")
	}
	push.WriteString(`{"resourceType":"AuditEvent","patient":"` + canaryPatient + `"` + "\n")
	pushResults(t, s, "application/fhir+ndjson", []byte(push.String()), "")

	for _, path := range []string{
		"/v1/events?filter.patient=" + url.QueryEscape(canaryPatient),
		"/v1/events/" + canaryPatient,
		"/v1/" + canaryEmail,
		"/v1/dead-letters",
	} {
		resp, err := http.Get(s.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Headers a client chooses freely: a span records none of them as sent.
	hreq, _ := http.NewRequest("GET", s.BaseURL+"/v1/dead-letters", nil)
	hreq.Host = canary + ".example"
	hreq.Header.Set("User-Agent", "app "+canaryPatient)
	hreq.Header.Set("X-Forwarded-For", "10.0.0.1, "+canary)
	if resp, err := http.DefaultClient.Do(hreq); err == nil {
		resp.Body.Close()
	}
	ctx := context.Background()
	_, _ = s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{Filter: &conneventsv1.EventFilter{Patient: canaryPatient}})
	_, _ = s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: canaryPatient})

	// Subscriptions from the start: each reads an event and stays open.
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	sub, err := s.Client.SubscribeEvents(sctx, &conneventsv1.SubscribeEventsRequest{
		Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetEvent() != nil {
			break
		}
	}
	jsub, err := s.Client.SubscribeConnections(sctx, &conneventsv1.SubscribeConnectionsRequest{
		Start: &conneventsv1.SubscribeConnectionsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		item, err := jsub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetConnection() != nil {
			break
		}
	}
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, s.BaseURL+"/v1/events:subscribe?startPosition=START_POSITION_EARLIEST", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && sc.Text() != "event: event" {
	}
}

// scrape reads GET /metrics and parses it as Prometheus does.
func scrape(t *testing.T, s *testserver.Server) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get("http://" + s.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return string(body), fams
}

// sum adds up the samples of a family whose labels include want: counter
// and gauge values, histogram sample counts.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	total := 0.0
	for _, m := range fams[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if match {
			total += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// TestMetricsThroughTheServer: after a busy day, /metrics parses, holds no
// canary anywhere (labels, values, help), and every kind of series moved.
func TestMetricsThroughTheServer(t *testing.T) {
	s := testserver.Start(t, nil)
	busyDay(t, s)
	var text string
	var fams map[string]*dto.MetricFamily
	eventually(t, "the SSE delivery counted", func() bool {
		text, fams = scrape(t, s)
		return sum(fams, "connevents_deliveries_total", map[string]string{"transport": "sse"}) >= 1
	})
	if strings.Contains(strings.ToLower(text), canary) {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(strings.ToLower(line), canary) {
				t.Errorf("personal data in /metrics: %s", line)
			}
		}
	}
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"connevents_events_stored_total", map[string]string{"source": "fasten"}, 2},
		{"connevents_events_stored_total", map[string]string{"source": "oneup"}, 3},
		{"connevents_events_duplicate_total", map[string]string{"source": "fasten"}, 1},
		{"connevents_rejections_total", map[string]string{"source": "fasten", "reason": "SIGNATURE_INVALID"}, 1},
		{"connevents_dead_letters_total", map[string]string{"source": "fasten", "reason": "MISSING_ID"}, 1},
		{"connevents_dead_letters_total", map[string]string{"source": "oneup", "reason": "MALFORMED_JSON"}, 1},
		{"connevents_ingest_commit_batch_size", nil, 3},
		{"connevents_ingest_commit_duration_seconds", nil, 3},
		{"connevents_log_head_sequence", nil, 5},
		{"connevents_subscriptions_active", map[string]string{"transport": "grpc", "kind": "events"}, 1},
		{"connevents_subscriptions_active", map[string]string{"transport": "sse", "kind": "events"}, 1},
		{"connevents_deliveries_total", map[string]string{"transport": "grpc"}, 1},
		{"connevents_delivery_lag_seconds", map[string]string{"kind": "events"}, 2},
		{"connevents_delivery_lag_seconds", map[string]string{"kind": "journeys"}, 1},
		{"connevents_http_requests_total", map[string]string{"method": "POST", "route": "/v1/webhooks/fasten", "code": "200"}, 3},
		{"connevents_http_requests_total", map[string]string{"route": "/v1/events/{id}", "code": "404"}, 1},
		{"connevents_http_requests_total", map[string]string{"route": "/v1/dead-letters", "code": "200"}, 1},
		{"connevents_http_request_duration_seconds", map[string]string{"route": "/v1/oneup/audit-events"}, 1},
		{"grpc_server_handled_total", map[string]string{"grpc_method": "ListEvents", "grpc_code": "OK"}, 1},
		{"grpc_server_handling_seconds", map[string]string{"grpc_method": "GetEvent"}, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	}
	for _, c := range checks {
		if got := sum(fams, c.name, c.labels); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	// The gateway's own gRPC traffic is not counted twice.
	if got := sum(fams, "grpc_server_started_total", map[string]string{"grpc_method": "SubscribeEvents"}); got != 1 {
		t.Errorf("SubscribeEvents started %v times on the gRPC listener, want 1 (the SSE one came through the gateway)", got)
	}
}

// TestTracesThroughTheServer: with an in-memory exporter, one webhook is
// one trace — the HTTP server span, verify, normalize and queue under it —
// and the shared commit is a span of its own linked to the queue span. No
// span attribute, event or name holds a canary.
func TestTracesThroughTheServer(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	exp := tracetest.NewInMemoryExporter()
	shutdown, err := telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = shutdown(context.Background())
		_, _ = telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{}) // off again
	})
	s := testserver.Start(t, nil)
	busyDay(t, s)

	spans := exp.GetSpans()
	var hook tracetest.SpanStub
	for _, sp := range spans {
		if sp.Name == "POST /v1/webhooks/fasten" && !hook.SpanContext.IsValid() {
			hook = sp
		}
		checkSpanClean(t, sp)
	}
	if !hook.SpanContext.IsValid() {
		t.Fatalf("no webhook span among %v", spanNames(spans))
	}
	trace := map[string]tracetest.SpanStub{}
	for _, sp := range spans {
		if sp.SpanContext.TraceID() == hook.SpanContext.TraceID() {
			trace[sp.Name] = sp
		}
	}
	for _, name := range []string{"fasten.verify", "normalize", "ingest.queue"} {
		sp, ok := trace[name]
		if !ok {
			t.Errorf("the webhook's trace lacks %s: %v", name, keys(trace))
			continue
		}
		if sp.Parent.SpanID() != hook.SpanContext.SpanID() {
			t.Errorf("%s is not a child of the webhook span", name)
		}
	}
	queue := trace["ingest.queue"]
	linked := false
	for _, sp := range spans {
		if sp.Name != "ingest.commit" {
			continue
		}
		for _, l := range sp.Links {
			linked = linked || l.SpanContext.SpanID() == queue.SpanContext.SpanID()
		}
	}
	if !linked {
		t.Error("no ingest.commit span links to the webhook's queue span")
	}
}

func checkSpanClean(t *testing.T, sp tracetest.SpanStub) {
	t.Helper()
	texts := []string{sp.Name, sp.Status.Description}
	for _, a := range sp.Attributes {
		texts = append(texts, string(a.Key)+"="+a.Value.Emit())
	}
	for _, e := range sp.Events {
		texts = append(texts, e.Name)
		for _, a := range e.Attributes {
			texts = append(texts, string(a.Key)+"="+a.Value.Emit())
		}
	}
	for _, s := range texts {
		if strings.Contains(strings.ToLower(s), canary) {
			t.Errorf("personal data in span %q: %s", sp.Name, s)
		}
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var out []string
	for _, sp := range spans {
		out = append(out, sp.Name)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestJourneysMetric: connevents_journeys counts the store's journeys by
// status (every status present, zero included) within a tick of the log
// watcher.
func TestJourneysMetric(t *testing.T) {
	s := testserver.Start(t, nil)
	busyDay(t, s)
	list, err := s.Client.ListConnections(t.Context(), &conneventsv1.ListConnectionsRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, j := range list.GetConnections() {
		want[strings.TrimPrefix(j.GetStatus().String(), "CONNECTION_STATUS_")]++
	}
	if len(want) == 0 {
		t.Fatal("the busy day made no journey")
	}
	var fams map[string]*dto.MetricFamily
	for stop := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, fams = scrape(t, s)
		if sum(fams, "connevents_journeys", nil) == float64(len(list.GetConnections())) {
			break
		}
		if time.Now().After(stop) {
			t.Fatalf("connevents_journeys sums to %v, want %d", sum(fams, "connevents_journeys", nil), len(list.GetConnections()))
		}
	}
	for status, n := range want {
		if got := sum(fams, "connevents_journeys", map[string]string{"status": status}); got != n {
			t.Errorf("connevents_journeys{status=%q} = %v, want %v", status, got, n)
		}
	}
	if len(fams["connevents_journeys"].GetMetric()) != len(conneventsv1.ConnectionStatus_name)-1 {
		t.Errorf("connevents_journeys has %d series, want one per status", len(fams["connevents_journeys"].GetMetric()))
	}
}

// TestMetricsDisabled: an empty --metrics-addr turns the metrics listener
// off, and the service keeps serving (it once stopped at start-up).
func TestMetricsDisabled(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.MetricsAddr = "" })
	if got := s.MetricsAddr(); got != "" {
		t.Fatalf("MetricsAddr = %q, want none", got)
	}
	time.Sleep(200 * time.Millisecond) // the listeners' goroutines have run
	resp, err := http.Get(s.BaseURL + "/healthz")
	if err != nil {
		t.Fatalf("the service stopped: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
}

// TestTransportLabelNotSpoofed: an NDJSON subscription that sends its own
// metadata header naming a transport is still counted as NDJSON, and a
// gRPC one that names a transport in its metadata as gRPC.
func TestTransportLabelNotSpoofed(t *testing.T) {
	s := testserver.Start(t, nil)
	resp := openStream(t, s, "", http.Header{"Grpc-Metadata-X-Connevents-Transport": {"grpc"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscribe: %s", resp.Status)
	}
	ctx := metadata.AppendToOutgoingContext(t.Context(), stream.TransportMetadata, "sse")
	sub, err := s.Client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Recv(); err != nil { // the first checkpoint: subscribed
		t.Fatal(err)
	}
	eventually(t, "one subscription counted as NDJSON, one as gRPC", func() bool {
		_, fams := scrape(t, s)
		active := func(transport string) float64 {
			return sum(fams, "connevents_subscriptions_active", map[string]string{"transport": transport})
		}
		return active("ndjson") == 1 && active("grpc") == 1 && active("sse") == 0
	})
}
