package telemetry

import (
	"context"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// newGRPCMetrics is the standard grpc_server_* series, with the
// grpc_server_handling_seconds histogram on.
func newGRPCMetrics() *grpcprom.ServerMetrics {
	return grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
		grpcprom.WithHistogramBuckets([]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
	))
}

// UnaryServerInterceptor counts unary RPCs in the grpc_server_* series.
func (m *Metrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	if m == nil {
		return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			return h(ctx, req)
		}
	}
	return m.grpc.UnaryServerInterceptor(grpcprom.WithExemplarFromContext(exemplar))
}

// StreamServerInterceptor counts streaming RPCs in the grpc_server_*
// series.
func (m *Metrics) StreamServerInterceptor() grpc.StreamServerInterceptor {
	if m == nil {
		return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			return h(srv, ss)
		}
	}
	return m.grpc.StreamServerInterceptor(grpcprom.WithExemplarFromContext(exemplar))
}

// InitializeGRPC creates every method's series of srv at zero. Call it
// after every service is registered.
func (m *Metrics) InitializeGRPC(srv *grpc.Server) {
	if m != nil {
		m.grpc.InitializeMetrics(srv)
	}
}

// exemplar links a latency observation to its trace when the span is
// sampled (visible in the OpenMetrics format).
func exemplar(ctx context.Context) prometheus.Labels {
	if sc := trace.SpanContextFromContext(ctx); sc.IsSampled() {
		return prometheus.Labels{"trace_id": sc.TraceID().String()}
	}
	return nil
}

// GRPCServerStatsHandler traces every RPC the server handles (except
// health checks), with the global tracer provider and propagator that
// SetupTracing installs. Messages are not recorded.
func GRPCServerStatsHandler() grpc.ServerOption {
	return grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithFilter(notHealth)))
}

// GRPCClientStatsHandler traces the RPCs of a client connection and passes
// the trace on to the server (the gateway's connection to the gRPC server).
func GRPCClientStatsHandler() grpc.DialOption {
	return grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithFilter(notHealth)))
}

func notHealth(info *stats.RPCTagInfo) bool {
	return info.FullMethodName != "/grpc.health.v1.Health/Check" &&
		info.FullMethodName != "/grpc.health.v1.Health/Watch"
}
