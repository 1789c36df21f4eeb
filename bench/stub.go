package bench

import (
	"context"
	"net"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// stub is the empty ConnectionEventService: every unary method answers a
// fixed response of the real one's size without doing anything, and
// SubscribeEvents is a bare fan-out. It is the ceiling the real service is
// compared with.
type stub struct {
	conneventsv1.UnimplementedConnectionEventServiceServer
	get  *conneventsv1.GetEventResponse
	list *conneventsv1.ListEventsResponse
	fan  *fanout
}

func (s *stub) GetEvent(context.Context, *conneventsv1.GetEventRequest) (*conneventsv1.GetEventResponse, error) {
	return s.get, nil
}

func (s *stub) ListEvents(context.Context, *conneventsv1.ListEventsRequest) (*conneventsv1.ListEventsResponse, error) {
	return s.list, nil
}

func (s *stub) IngestOneUpAuditEvents(context.Context, *conneventsv1.IngestOneUpAuditEventsRequest) (*conneventsv1.IngestOneUpAuditEventsResponse, error) {
	return &conneventsv1.IngestOneUpAuditEventsResponse{}, nil
}

func (s *stub) SubscribeEvents(_ *conneventsv1.SubscribeEventsRequest, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	return s.fan.serve(ss)
}

// stubServer serves s over gRPC on loopback, and over REST through an
// in-process grpc-gateway mux.
type stubServer struct {
	grpcAddr, baseURL string
	stop              func()
}

func serveStub(ctx context.Context, s *stub) (*stubServer, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := grpc.NewServer()
	conneventsv1.RegisterConnectionEventServiceServer(g, s)
	go func() { _ = g.Serve(lis) }()
	mux := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
		MarshalOptions: protojson.MarshalOptions{EmitDefaultValues: true}}))
	if err := conneventsv1.RegisterConnectionEventServiceHandlerServer(ctx, mux, s); err != nil {
		g.Stop()
		return nil, err
	}
	base, stopHTTP, err := serveHTTP(mux)
	if err != nil {
		g.Stop()
		return nil, err
	}
	return &stubServer{grpcAddr: lis.Addr().String(), baseURL: base, stop: func() { stopHTTP(); g.Stop() }}, nil
}

var _ http.Handler = (*runtime.ServeMux)(nil)
