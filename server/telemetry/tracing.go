package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceName is the service.name of the traces unless OTEL_SERVICE_NAME
// says otherwise.
const ServiceName = "connevents"

// TracingOptions configure SetupTracing.
type TracingOptions struct {
	// Version is the service.version resource attribute.
	Version string
	// Exporter, when set, receives every span as soon as it ends, whatever
	// the environment says (tests: tracetest.NewInMemoryExporter).
	Exporter sdktrace.SpanExporter
}

// SetupTracing installs the global tracer provider and propagator that
// the instrumentation (TraceHTTP, GRPCServerStatsHandler, otel.Tracer)
// uses, and returns the function that flushes and stops it.
//
// Tracing is off — a no-op provider, no propagation — unless
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set, and OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off
// again. When on, spans go to an OTLP exporter over
// OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, or grpc); the
// exporter, the sampler (OTEL_TRACES_SAMPLER), the batch processor
// (OTEL_BSP_*) and the resource (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES) read the rest of the standard variables.
func SetupTracing(ctx context.Context, o TracingOptions) (shutdown func(context.Context) error, err error) {
	var proc sdktrace.SpanProcessor
	switch {
	case o.Exporter != nil:
		proc = sdktrace.NewSimpleSpanProcessor(o.Exporter)
	case TracingEnabled():
		exp, err := newOTLPExporter(ctx)
		if err != nil {
			return nil, err
		}
		proc = sdktrace.NewBatchSpanProcessor(exp)
	default:
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
		return func(context.Context) error { return nil }, nil
	}
	res, err := newResource(ctx, o.Version)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(proc), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// TracingEnabled reports whether the environment turns tracing on.
func TracingEnabled() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") ||
		strings.EqualFold(os.Getenv("OTEL_TRACES_EXPORTER"), "none") {
		return false
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// newOTLPExporter is the OTLP exporter of the protocol the environment
// names; the exporter reads its endpoint, headers, TLS, compression and
// timeout from the environment itself.
func newOTLPExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "http/protobuf":
		return otlptracehttp.New(ctx)
	case "grpc":
		return otlptracegrpc.New(ctx)
	}
	return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: want http/protobuf or grpc", protocol)
}

// newResource describes the process: service.name (connevents unless
// OTEL_SERVICE_NAME says otherwise), service.version, the SDK, and
// OTEL_RESOURCE_ATTRIBUTES.
func newResource(ctx context.Context, version string) (*resource.Resource, error) {
	attrs := []resource.Option{
		resource.WithAttributes(semconv.ServiceName(ServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // later options win: the environment overrides the name
	}
	if version != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(version)))
	}
	res, err := resource.New(ctx, attrs...)
	if errors.Is(err, resource.ErrPartialResource) {
		err = nil // a malformed OTEL_RESOURCE_ATTRIBUTES entry is skipped, not fatal
	}
	return res, err
}
