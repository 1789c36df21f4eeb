package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/telemetry"
)

// These tests set the global tracer provider: none of them runs in
// parallel.

// clearOTELEnv unsets what the environment of the test run may say about
// tracing.
func clearOTELEnv(t *testing.T) {
	for _, k := range []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
		"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
	} {
		t.Setenv(k, "")
	}
}

func setupTracing(t *testing.T, o telemetry.TracingOptions) {
	t.Helper()
	shutdown, err := telemetry.SetupTracing(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = shutdown(context.Background())
		clearOTELEnv(t)
		if _, err := telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{}); err != nil {
			t.Error(err)
		}
	})
}

func TestTracingOffWithoutEndpoint(t *testing.T) {
	clearOTELEnv(t)
	if telemetry.TracingEnabled() {
		t.Fatal("tracing enabled without an endpoint")
	}
	setupTracing(t, telemetry.TracingOptions{})
	_, span := otel.Tracer("test").Start(context.Background(), "probe")
	defer span.End()
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Fatal("tracing is off, but a span records")
	}
}

func TestTracingDisabledByEnvironment(t *testing.T) {
	for _, kv := range [][2]string{{"OTEL_SDK_DISABLED", "true"}, {"OTEL_TRACES_EXPORTER", "none"}} {
		clearOTELEnv(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
		if !telemetry.TracingEnabled() {
			t.Fatal("an endpoint does not enable tracing")
		}
		t.Setenv(kv[0], kv[1])
		if telemetry.TracingEnabled() {
			t.Errorf("%s=%s does not disable tracing", kv[0], kv[1])
		}
	}
}

func TestTracingRejectsUnknownProtocol(t *testing.T) {
	clearOTELEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")
	if _, err := telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{}); err == nil {
		t.Fatal("an unknown OTLP protocol is accepted")
	}
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach an OTLP/HTTP endpoint
// the test runs, with the service's resource.
func TestTracingExportsOTLPHTTP(t *testing.T) {
	got := make(chan *collectortrace.ExportTraceServiceRequest, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := new(collectortrace.ExportTraceServiceRequest)
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		got <- req
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	defer srv.Close()

	clearOTELEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	exportProbe(t, got, "connevents")
}

// OTEL_EXPORTER_OTLP_PROTOCOL=grpc exports over OTLP/gRPC instead.
func TestTracingExportsOTLPGRPC(t *testing.T) {
	got := make(chan *collectortrace.ExportTraceServiceRequest, 10)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, collector{got: got})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	clearOTELEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+lis.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_SERVICE_NAME", "connevents-canary")
	exportProbe(t, got, "connevents-canary")
}

type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	got chan *collectortrace.ExportTraceServiceRequest
}

func (c collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.got <- req
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// exportProbe sets tracing up from the environment, ends a span, flushes,
// and expects the span at the endpoint under serviceName.
func exportProbe(t *testing.T, got <-chan *collectortrace.ExportTraceServiceRequest, serviceName string) {
	t.Helper()
	shutdown, err := telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{Version: "v1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		clearOTELEnv(t)
		_, _ = telemetry.SetupTracing(context.Background(), telemetry.TracingOptions{})
	}()
	_, span := otel.Tracer("test").Start(context.Background(), "probe")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil { // flushes the batch
		t.Fatal(err)
	}
	select {
	case req := <-got:
		rs := req.GetResourceSpans()[0]
		attrs := map[string]string{}
		for _, a := range rs.GetResource().GetAttributes() {
			attrs[a.GetKey()] = a.GetValue().GetStringValue()
		}
		if attrs["service.name"] != serviceName || attrs["service.version"] != "v1.2.3" {
			t.Errorf("resource = %v, want service.name %s and service.version v1.2.3", attrs, serviceName)
		}
		if name := rs.GetScopeSpans()[0].GetSpans()[0].GetName(); name != "probe" {
			t.Errorf("exported span %q, want probe", name)
		}
	case <-ctx.Done():
		t.Fatal("no span reached the OTLP endpoint")
	}
}

// Log records carry the trace and span ids of the span in their context.
func TestLogHandlerAddsTraceID(t *testing.T) {
	setupTracing(t, telemetry.TracingOptions{Exporter: tracetest.NewInMemoryExporter()})
	var buf bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")

	ctx, span := otel.Tracer("test").Start(context.Background(), "probe")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")

	dec := json.NewDecoder(&buf)
	var inside, outside map[string]any
	if err := dec.Decode(&inside); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&outside); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if inside["trace_id"] != sc.TraceID().String() || inside["span_id"] != sc.SpanID().String() {
		t.Errorf("record in a span = %v, want trace_id %s span_id %s", inside, sc.TraceID(), sc.SpanID())
	}
	if inside["component"] != "test" {
		t.Errorf("the wrapped handler lost With attributes: %v", inside)
	}
	if _, ok := outside["trace_id"]; ok {
		t.Errorf("record outside a span has a trace_id: %v", outside)
	}
}

// An HTTP request becomes a server span named after its route, and a
// gRPC call made under it continues the same trace on the server.
func TestHTTPAndGRPCSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	setupTracing(t, telemetry.TracingOptions{Exporter: exp})

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(telemetry.GRPCServerStatsHandler())
	conneventsv1.RegisterConnectionEventServiceServer(gs, conneventsv1.UnimplementedConnectionEventServiceServer{})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), telemetry.GRPCClientStatsHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := conneventsv1.NewConnectionEventServiceClient(conn)

	var handlerTrace trace.TraceID
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/events/{id}", func(w http.ResponseWriter, r *http.Request) {
		handlerTrace = trace.SpanContextFromContext(r.Context()).TraceID()
		_, err := client.GetEvent(r.Context(), &conneventsv1.GetEventRequest{Id: r.PathValue("id")})
		if status.Code(err) != codes.Unimplemented {
			t.Errorf("GetEvent: %v", err)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {})
	srv := httptest.NewServer(telemetry.TraceHTTP(telemetry.NewMetrics().HTTPMiddleware(mux)))
	defer srv.Close()
	for _, path := range []string{"/v1/events/e1", "/healthz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// The gRPC server span ends after its answer is written, so it may
	// reach the exporter after the client has its answer: wait for it.
	for deadline := time.Now().Add(5 * time.Second); len(exp.GetSpans()) < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	byName := map[string]tracetest.SpanStub{} // the server span of each name
	for _, s := range exp.GetSpans() {
		if s.SpanKind == trace.SpanKindServer {
			byName[s.Name] = s
		}
	}
	httpSpan, ok := byName["GET /v1/events/{id}"]
	if !ok {
		t.Fatalf("no span named after the route; spans: %v", names(exp.GetSpans()))
	}
	if httpSpan.SpanContext.TraceID() != handlerTrace {
		t.Error("the handler's context does not hold the request's span")
	}
	grpcSpan, ok := byName["connevents.v1.ConnectionEventService/GetEvent"]
	if !ok {
		t.Fatalf("no server span of the RPC; spans: %v", names(exp.GetSpans()))
	}
	if grpcSpan.SpanContext.TraceID() != httpSpan.SpanContext.TraceID() {
		t.Error("the gRPC server span is not in the HTTP request's trace")
	}
	if len(exp.GetSpans()) != 3 { // HTTP server, gRPC client, gRPC server; no /healthz
		t.Errorf("spans: %v, want 3 (health probes are not traced)", names(exp.GetSpans()))
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// grpc-go and grpc-gateway log through grpclog; GRPCLogger makes those
// lines JSON records of the service's logger.
func TestGRPCLoggerWritesJSON(t *testing.T) {
	var buf bytes.Buffer
	l := telemetry.GRPCLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Infof("chatter %d", 1) // debug: below the level
	l.Errorf("Failed to write response: %v", io.ErrClosedPipe)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON record: %q", buf.String())
	}
	if rec["level"] != "ERROR" || rec["msg"] != "Failed to write response: io: read/write on closed pipe" || rec["component"] != "grpc" {
		t.Errorf("record = %v", rec)
	}
	if l.V(2) {
		t.Error("verbose gRPC logging is on")
	}
	var _ grpclog.LoggerV2 = l
}
