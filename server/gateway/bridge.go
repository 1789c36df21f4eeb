package gateway

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/metadata"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/server/telemetry"
)

// newMuxes returns the two grpc-gateway bridges. Unary calls (Get, List,
// source status) call the service in-process: no gRPC encoding, no
// connection, no second copy of each message, which roughly doubles REST
// throughput. Server-streaming calls cannot be bridged in-process (the
// gateway answers 501), so SubscribeEvents and SubscribeConnections keep
// the gRPC connection.
func newMuxes(ctx context.Context, d Deps) (unary, streams *runtime.ServeMux, err error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	unary = runtime.NewServeMux(append(muxOptions(d.Logger), runtime.WithMiddlewares(telemetry.GatewayRoute, requireKey(d.Keys), strictQuery, limitBody))...)
	// In-process calls meet no gRPC server: the request check and the
	// access log run here.
	svc := api.Intercepted(d.Service, api.ChainUnary(api.UnaryRequestCheck, d.Access))
	if err := conneventsv1.RegisterConnectionEventServiceHandlerServer(ctx, unary, svc); err != nil {
		return nil, nil, err
	}
	// The gRPC server checks streams again; checking here too answers the
	// HTTP caller before a stream is opened.
	streams = runtime.NewServeMux(append(muxOptions(d.Logger),
		runtime.WithMiddlewares(telemetry.GatewayRoute, requireKey(d.Keys), strictQuery, limitBody, resume),
		runtime.WithMetadata(streamTransport))...)
	if err := conneventsv1.RegisterConnectionEventServiceHandler(ctx, streams, d.Conn); err != nil {
		return nil, nil, err
	}
	return unary, streams, nil
}

func muxOptions(logger *slog.Logger) []runtime.ServeMuxOption {
	return []runtime.ServeMuxOption{
		runtime.WithMarshalerOption(runtime.MIMEWildcard, jsonMarshaler()),
		runtime.WithMarshalerOption(MIMENDJSON, ndjson{jsonMarshaler()}),
		runtime.WithMarshalerOption(MIMEEventStream, sse{jsonMarshaler()}),
		runtime.WithErrorHandler(errorHandler(logger)),
		runtime.WithStreamErrorHandler(streamErrorHandler(logger)),
		runtime.WithRoutingErrorHandler(routingError),
		// A form POST is never a GET in disguise: the body would be read
		// before any check (and without limitBody's bounds).
		runtime.WithDisablePathLengthFallback(),
		// The service sets no gRPC response metadata for REST clients;
		// grpc-go's own (content-type: application/grpc) would otherwise
		// come out as Grpc-Metadata-Content-Type on streams.
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
	}
}

// streamTransport tells the subscription which transport it is served on
// (server/stream counts subscriptions by it): NDJSON or Server-Sent Events,
// as subscribe chose from Accept.
func streamTransport(_ context.Context, r *http.Request) metadata.MD {
	t := telemetry.TransportNDJSON
	if r.Header.Get("Accept") == MIMEEventStream {
		t = telemetry.TransportSSE
	}
	return metadata.Pairs(stream.TransportMetadata, string(t))
}
