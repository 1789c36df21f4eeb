package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/stream"
)

// maxMessage is the largest gRPC message either way: a 1upHealth push of
// the largest accepted body, with room for the envelope.
const maxMessage = gateway.MaxOneUpBody + 1<<20

// newHealth returns the gRPC health service, NOT_SERVING until the health
// loop (background.go) has reached the store.
func newHealth() *health.Server {
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	return h
}

// newGRPCServer returns a gRPC server with auth and every service: the
// API, health and reflection.
func (s *Server) newGRPCServer(tlsConf *tls.Config) *grpc.Server {
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(api.UnaryAuth(s.keys)),
		grpc.ChainStreamInterceptor(api.StreamAuth(s.keys)),
		grpc.MaxRecvMsgSize(maxMessage),
		stream.ServerOption(),
	}
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	g := grpc.NewServer(opts...)
	conneventsv1.RegisterConnectionEventServiceServer(g, s.service)
	healthpb.RegisterHealthServer(g, s.health)
	reflection.Register(g)
	return g
}

// dialInMemory connects the gateway to the inner gRPC server over an
// in-memory listener: no TCP hop, no TLS to its own certificate, and
// streaming works.
func (s *Server) dialInMemory() error {
	s.inMemory = bufconn.Listen(1 << 20)
	conn, err := grpc.NewClient("passthrough:///connevents-in-memory",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return s.inMemory.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)),
	)
	if err != nil {
		return err
	}
	s.gwConn = conn
	return nil
}

func (s *Server) serveInMemory() error {
	err := s.inner.Serve(s.inMemory)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}
