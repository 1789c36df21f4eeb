package telemetry_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/telemetry"
)

var (
	fasten = conneventsv1.Source_SOURCE_FASTEN
	oneup  = conneventsv1.Source_SOURCE_ONEUP
)

// canary is free text that must never reach /metrics.
const canary = "CANARY-jane.doe@example.com"

// serve starts the metrics listener on a free port and returns its address.
func serve(t *testing.T, m *telemetry.Metrics) string {
	t.Helper()
	s, err := telemetry.ListenMetrics("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s.Addr()
}

// scrape GETs /metrics and parses it as Prometheus text.
func scrape(t *testing.T, addr string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return string(body), fams
}

// value is the value of the series of family name with exactly labels, or
// fails the test if there is none.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no family %s", name)
	}
	for _, m := range f.GetMetric() {
		if !sameLabels(m.GetLabel(), labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func sameLabels(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}

func newMetrics() *telemetry.Metrics { return telemetry.NewMetrics() }

func TestScrapeDomainSeries(t *testing.T) {
	m := newMetrics()
	addr := serve(t, m)

	m.EventStored(fasten, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED)
	m.EventStored(fasten, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED)
	m.EventDuplicate(oneup, conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED)
	m.Rejected(fasten, reason.SignatureInvalid)
	m.DeadLettered(oneup, reason.MalformedJSON)
	m.Committed(3, 4*time.Millisecond)
	m.SetIngestQueueDepth(7)
	closeSub := m.SubscriptionOpened(telemetry.TransportSSE, telemetry.KindEvents)
	m.SubscriptionOpened(telemetry.TransportGRPC, telemetry.KindEvents)
	closeSub()
	closeSub() // a second call does not count twice
	m.Delivered(telemetry.TransportGRPC, telemetry.KindEvents, time.Now().Add(-2*time.Second))
	m.SubscriptionTooSlow(telemetry.TransportNDJSON, telemetry.KindJourneys)
	m.PollSucceeded(oneup, time.Unix(1700000000, 0))
	m.PollPage(oneup)
	m.PollPage(oneup)
	m.PollFailed(oneup, telemetry.PollErrorCredentials)
	m.SetPollCheckpoint(oneup, time.Now().Add(-time.Hour))
	m.SetLogHead(42)
	m.SetLogOldest(5)
	m.SetJourneys(conneventsv1.Stage_STAGE_TRANSFER, 3) // any proto enum: journeys' status enum in the service
	m.SetSourceDegraded(fasten, true)

	_, fams := scrape(t, addr)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"connevents_events_stored_total", map[string]string{"source": "fasten", "type": "CONNECTION_AUTHORIZED"}, 2},
		{"connevents_events_stored_total", map[string]string{"source": "oneup", "type": "TEST"}, 0}, // created at zero
		{"connevents_events_duplicate_total", map[string]string{"source": "oneup", "type": "RESOURCE_INGESTED"}, 1},
		{"connevents_rejections_total", map[string]string{"source": "fasten", "reason": "SIGNATURE_INVALID"}, 1},
		{"connevents_rejections_total", map[string]string{"source": "oneup", "reason": "MALFORMED_JSON"}, 0},
		{"connevents_dead_letters_total", map[string]string{"source": "oneup", "reason": "MALFORMED_JSON"}, 1},
		{"connevents_ingest_commit_batch_size", nil, 1},
		{"connevents_ingest_commit_duration_seconds", nil, 1},
		{"connevents_ingest_queue_depth", nil, 7},
		{"connevents_subscriptions_active", map[string]string{"transport": "sse", "kind": "events"}, 0},
		{"connevents_subscriptions_active", map[string]string{"transport": "grpc", "kind": "events"}, 1},
		{"connevents_deliveries_total", map[string]string{"transport": "grpc", "kind": "events"}, 1},
		{"connevents_delivery_lag_seconds", map[string]string{"kind": "events"}, 1},
		{"connevents_subscriptions_too_slow_total", map[string]string{"transport": "ndjson", "kind": "journeys"}, 1},
		{"connevents_poller_last_success_timestamp_seconds", map[string]string{"source": "oneup"}, 1700000000},
		{"connevents_poller_pages_total", map[string]string{"source": "oneup"}, 2},
		{"connevents_poller_errors_total", map[string]string{"source": "oneup", "kind": "credentials"}, 1},
		{"connevents_poller_errors_total", map[string]string{"source": "oneup", "kind": "network"}, 0}, // created at zero, so increase() sees the first
		{"connevents_log_head_sequence", nil, 42},
		{"connevents_log_oldest_sequence", nil, 5},
		{"connevents_journeys", map[string]string{"status": "TRANSFER"}, 3},
		{"connevents_source_degraded", map[string]string{"source": "fasten"}, 1},
		{"connevents_source_degraded", map[string]string{"source": "oneup"}, 0},
	} {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	lag := value(t, fams, "connevents_poller_checkpoint_lag_seconds", map[string]string{"source": "oneup"})
	if lag < 3600 || lag > 3600+60 {
		t.Errorf("checkpoint lag = %vs, want about an hour", lag)
	}
	// The 2 s delivery lag lands in a bucket above 1.024 s, not below.
	for _, b := range fams["connevents_delivery_lag_seconds"].GetMetric()[0].GetHistogram().GetBucket() {
		if le, n := b.GetUpperBound(), b.GetCumulativeCount(); (le < 2 && n != 0) || (le > 2.1 && n != 1) {
			t.Errorf("delivery lag bucket le=%v holds %d", le, n)
		}
	}
}

func TestScrapeRuntimeAndProcess(t *testing.T) {
	_, fams := scrape(t, serve(t, newMetrics()))
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_resident_memory_bytes", "promhttp_metric_handler_requests_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s in /metrics", name)
		}
	}
}

// Every label value comes from a closed set: whatever a caller passes, an
// unknown value becomes OTHER, and free text never reaches /metrics.
func TestLabelValuesAreClosed(t *testing.T) {
	m := newMetrics()
	addr := serve(t, m)

	m.Rejected(fasten, canary)
	m.Rejected(fasten, "UPPER_CASE_BUT_NOT_IN_THE_CATALOG")
	m.DeadLettered(conneventsv1.Source(99), canary)
	m.EventStored(fasten, conneventsv1.EventType(1234))
	m.SubscriptionOpened(telemetry.Transport(canary), telemetry.Kind(canary))
	m.PollFailed(oneup, telemetry.PollError(canary))
	m.SetJourneys(conneventsv1.Stage(77), 1)

	body, fams := scrape(t, addr)
	if strings.Contains(body, "CANARY") || strings.Contains(body, "NOT_IN_THE_CATALOG") || strings.Contains(body, "1234") {
		t.Fatalf("free text reached /metrics:\n%s", body)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"connevents_dead_letters_total", map[string]string{"source": "OTHER", "reason": "OTHER"}},
		{"connevents_events_stored_total", map[string]string{"source": "fasten", "type": "OTHER"}},
		{"connevents_subscriptions_active", map[string]string{"transport": "OTHER", "kind": "OTHER"}},
		{"connevents_poller_errors_total", map[string]string{"source": "oneup", "kind": "OTHER"}},
		{"connevents_journeys", map[string]string{"status": "OTHER"}},
	} {
		if got := value(t, fams, c.name, c.labels); got != 1 {
			t.Errorf("%s%v = %v, want 1", c.name, c.labels, got)
		}
	}
	if got := value(t, fams, "connevents_rejections_total", map[string]string{"source": "fasten", "reason": "OTHER"}); got != 2 {
		t.Errorf("unknown reasons counted %v times as OTHER, want 2", got)
	}
}

// HTTP requests are counted by route pattern: the ServeMux pattern, or the
// grpc-gateway template the request matched, never the path.
func TestHTTPMiddlewareCountsByRoute(t *testing.T) {
	m := newMetrics()
	gw := runtime.NewServeMux(runtime.WithMiddlewares(telemetry.GatewayRoute))
	ok := func(w http.ResponseWriter, _ *http.Request, _ map[string]string) { w.WriteHeader(http.StatusNoContent) }
	if err := gw.HandlePath(http.MethodGet, "/v1/events/{id}", ok); err != nil {
		t.Fatal(err)
	}
	if err := gw.HandlePath(http.MethodGet, "/v1/events:subscribe", ok); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", gw)
	mux.HandleFunc("POST /v1/webhooks/{source}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(telemetry.TraceHTTP(m.HTTPMiddleware(mux)))
	defer srv.Close()

	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/events/" + canary},
		{"GET", "/v1/events/" + canary + "2"},
		{"GET", "/v1/events:subscribe"},
		{"POST", "/v1/webhooks/" + canary},
		{"GET", "/nothing/" + canary}, // the gateway's 404, under the catch-all
		{"BREW", "/v1/events/x"},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	body, fams := scrape(t, serve(t, m))
	if strings.Contains(body, "CANARY") {
		t.Fatalf("a path reached /metrics:\n%s", body)
	}
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"method": "GET", "route": "/v1/events/{id}", "code": "204"}, 2},
		{map[string]string{"method": "GET", "route": "/v1/events:subscribe", "code": "204"}, 1},
		{map[string]string{"method": "POST", "route": "/v1/webhooks/{source}", "code": "202"}, 1},
		{map[string]string{"method": "GET", "route": "/", "code": "404"}, 1},
	} {
		if got := value(t, fams, "connevents_http_requests_total", c.labels); got != c.want {
			t.Errorf("http_requests_total%v = %v, want %v", c.labels, got, c.want)
		}
	}
	if got := value(t, fams, "connevents_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/v1/events/{id}"}); got != 2 {
		t.Errorf("duration observations = %v, want 2", got)
	}
	var brewed float64
	for _, s := range fams["connevents_http_requests_total"].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == "method" && l.GetValue() == "OTHER" {
				brewed += s.GetCounter().GetValue()
			}
		}
	}
	if brewed != 1 {
		t.Errorf("requests with an unknown method counted %v times as OTHER, want 1", brewed)
	}
}

// The standard grpc_server_* series, latency histogram included, count the
// RPCs through the interceptors.
func TestGRPCServerSeries(t *testing.T) {
	m := newMetrics()
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(m.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.StreamServerInterceptor()),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	m.InitializeGRPC(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}

	_, fams := scrape(t, serve(t, m))
	check := map[string]string{"grpc_service": "grpc.health.v1.Health", "grpc_method": "Check", "grpc_type": "unary"}
	withCode := map[string]string{"grpc_code": "OK"}
	for k, v := range check {
		withCode[k] = v
	}
	if got := value(t, fams, "grpc_server_handled_total", withCode); got != 1 {
		t.Errorf("grpc_server_handled_total = %v, want 1", got)
	}
	if got := value(t, fams, "grpc_server_handling_seconds", check); got != 1 {
		t.Errorf("grpc_server_handling_seconds count = %v, want 1", got)
	}
	watch := map[string]string{"grpc_service": "grpc.health.v1.Health", "grpc_method": "Watch", "grpc_type": "server_stream"}
	if got := value(t, fams, "grpc_server_started_total", watch); got != 0 {
		t.Errorf("grpc_server_started_total for Watch = %v, want an initialized 0", got)
	}
}

func TestMetricsDisabled(t *testing.T) {
	s, err := telemetry.ListenMetrics("", newMetrics())
	if s != nil || err != nil {
		t.Fatalf("ListenMetrics(\"\") = %v, %v; want nil, nil", s, err)
	}
	if s.Addr() != "" || s.Serve() != nil || s.Shutdown(context.Background()) != nil {
		t.Error("a disabled metrics server is not a no-op")
	}
	// A nil *Metrics records nothing and does not panic.
	var m *telemetry.Metrics
	m.EventStored(fasten, conneventsv1.EventType_EVENT_TYPE_TEST)
	m.SubscriptionOpened(telemetry.TransportGRPC, telemetry.KindEvents)()
	h := m.HTTPMiddleware(http.NotFoundHandler())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestListenMetricsBusyAddress(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	if _, err := telemetry.ListenMetrics(lis.Addr().String(), newMetrics()); err == nil {
		t.Fatal("ListenMetrics on a busy address: no error")
	}
}
