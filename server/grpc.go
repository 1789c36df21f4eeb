package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/server/telemetry"
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

// The public gRPC server's connection policy (see publicTransport).
const (
	DefaultGRPCMaxConnectionIdle = 5 * time.Minute
	// grpcPingInterval: a connection silent this long is pinged, and
	// closed when the ping is not answered within grpcPingTimeout.
	grpcPingInterval = time.Minute
	grpcPingTimeout  = 20 * time.Second
	// grpcMinClientPing: clients pinging more often are disconnected.
	grpcMinClientPing = 10 * time.Second
)

// publicTransport is the public gRPC server's connection policy: a
// connection without a call for the idle time is closed, a silent one is
// pinged and closed when the peer is gone, and clients may ping (even
// between calls) at most every grpcMinClientPing. Subscriptions are calls,
// so they keep their connection however quiet (their heartbeats answer the
// pings).
func (s *Server) publicTransport() []grpc.ServerOption {
	idle := s.grpcMaxIdle
	if idle == 0 {
		idle = DefaultGRPCMaxConnectionIdle
	}
	return []grpc.ServerOption{
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle: idle, Time: grpcPingInterval, Timeout: grpcPingTimeout,
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime: grpcMinClientPing, PermitWithoutStream: true,
		}),
	}
}

// newGRPCServer returns a gRPC server with auth, the access log and every
// service: the API, health and reflection, and extra options. Every RPC is
// traced; with m, it is counted in the grpc_server_* series too (every
// method from zero).
func (s *Server) newGRPCServer(tlsConf *tls.Config, ao api.AccessOptions, m *telemetry.Metrics, extra ...grpc.ServerOption) *grpc.Server {
	unary := []grpc.UnaryServerInterceptor{m.UnaryServerInterceptor(), api.UnaryAuth(s.keys), api.UnaryRequestCheck}
	streams := []grpc.StreamServerInterceptor{m.StreamServerInterceptor(), api.StreamAuth(s.keys), api.StreamRequestCheck}
	if !ao.FromGateway {
		streams = append(streams, stream.UntrustedTransport)
	}
	if s.access != nil {
		unary = append(unary, api.UnaryAccess(s.access, ao))
		streams = append(streams, api.StreamAccess(s.access, ao))
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(streams...),
		telemetry.GRPCServerStatsHandler(),
		grpc.MaxRecvMsgSize(maxMessage),
		grpccodec.ServerOption(),
	}
	opts = append(opts, extra...)
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	g := grpc.NewServer(opts...)
	conneventsv1.RegisterConnectionEventServiceServer(g, s.service)
	healthpb.RegisterHealthServer(g, s.health)
	reflection.Register(g)
	m.InitializeGRPC(g)
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
		telemetry.GRPCClientStatsHandler(),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)),
		grpc.WithChainStreamInterceptor(api.StreamClientRequestCheck),
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
