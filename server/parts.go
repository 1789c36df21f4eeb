package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/status"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/stream"
)

// parts are the service's components, built once per server.
type parts struct {
	logger    *slog.Logger
	store     store.Store
	storeKind string
	ingester  *ingest.Ingester
	hub       *stream.Hub
	board     *status.Board
	keys      *auth.Keys
	service   *api.Service
	inMemory  *bufconn.Listener // the gateway's own connection to the gRPC server
	gwConn    *grpc.ClientConn

	background []func(context.Context) // pollers, pruners
	draining   atomic.Bool             // set when shutdown begins
	storeOK    atomic.Bool             // the health loop's last store ping
	cancelBg   context.CancelFunc
	bgDone     sync.WaitGroup
}

func buildParts(ctx context.Context, cfg Config, logger *slog.Logger) (*parts, error) {
	st, kind, err := openStore(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	p := &parts{logger: logger, store: st, storeKind: kind, board: status.NewBoard(), keys: auth.NewKeys(cfg.APIKeys)}
	p.hub, err = stream.NewHub(ctx, st, stream.Options{
		Heartbeat:        cfg.HeartbeatInterval,
		MaxSubscriptions: cfg.MaxSubscriptions,
		PollInterval:     externalCommitPoll(kind),
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("reading the log head: %w", err)
	}
	p.background = append(p.background, p.hub.Watch)
	if cfg.Retention > 0 {
		p.background = append(p.background, pruner(st, cfg.Retention, logger))
	}
	p.ingester = ingest.New(st, ingest.WithNotifier(p.hub), ingest.WithRecorder(p.board), ingest.WithLogger(logger))
	verifier, err := p.fastenVerifier(cfg)
	if err != nil {
		p.close()
		return nil, err
	}
	if err := p.addOneUpPoller(cfg); err != nil {
		p.close()
		return nil, err
	}
	p.service = api.New(api.Deps{
		Store: st, Ingester: p.ingester, Streams: p.hub, Board: p.board, Logger: logger,
		Verifier: verifier, SkipFastenVerification: cfg.FastenInsecureNoVerify,
	})
	return p, nil
}

// fastenVerifier returns the webhook verifier. Without secrets it refuses
// every delivery, unless the operator turned verification off.
func (p *parts) fastenVerifier(cfg Config) (*fasten.Verifier, error) {
	if cfg.FastenInsecureNoVerify {
		p.logger.Warn("Fasten webhook signatures are NOT verified (--fasten-insecure-no-verify): anyone can inject events; use only for local development")
	}
	if cfg.FastenInsecureNoVerify || len(cfg.FastenWebhookSecrets) > 0 {
		p.board.Enable(conneventsv1.Source_SOURCE_FASTEN)
	}
	return fasten.NewVerifier(cfg.FastenWebhookSecrets)
}

// ready reports whether the service can take requests, as last checked by
// the health loop.
func (p *parts) ready(context.Context) error {
	if p.draining.Load() {
		return errDraining
	}
	if !p.storeOK.Load() {
		return errStoreDown
	}
	return nil
}

var (
	errDraining  = errors.New("shutting down")
	errStoreDown = errors.New("the store does not answer")
)

// buildHandlers makes the gRPC server and the HTTP handler.
func (s *Server) buildHandlers(ctx context.Context, tlsConf *tls.Config) error {
	p := s.parts
	s.health = health.NewServer()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	s.grpc = p.newGRPCServer(s.health, tlsConf)
	// The gateway's own server: same services and interceptors, on an
	// in-memory listener, without TLS (nothing leaves the process).
	s.inner = p.newGRPCServer(s.health, nil)

	handler, err := p.gateway(ctx)
	if err != nil {
		return err
	}
	// No WriteTimeout: subscriptions stream for as long as the client stays.
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return nil
}

// newGRPCServer returns a gRPC server with auth and every service.
func (p *parts) newGRPCServer(h *health.Server, tlsConf *tls.Config) *grpc.Server {
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(api.UnaryAuth(p.keys)),
		grpc.ChainStreamInterceptor(api.StreamAuth(p.keys)),
		grpc.MaxRecvMsgSize(gateway.MaxOneUpBody + 1<<20),
		stream.ServerOption(),
	}
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	g := grpc.NewServer(opts...)
	registerServices(g, p.service, h)
	return g
}

// registerServices puts every gRPC service on g: the API, health and
// reflection.
func registerServices(g *grpc.Server, svc conneventsv1.ConnectionEventServiceServer, h *health.Server) {
	conneventsv1.RegisterConnectionEventServiceServer(g, svc)
	healthpb.RegisterHealthServer(g, h)
	reflection.Register(g)
}

// gateway dials the gRPC server over an in-memory connection (no TCP hop,
// no TLS to its own certificate, and streaming works) and builds the HTTP
// handler on it.
func (p *parts) gateway(ctx context.Context) (http.Handler, error) {
	p.inMemory = bufconn.Listen(1 << 20)
	conn, err := grpc.NewClient("passthrough:///connevents-in-memory",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return p.inMemory.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(gateway.MaxOneUpBody+1<<20)),
	)
	if err != nil {
		return nil, err
	}
	p.gwConn = conn
	return gateway.New(ctx, gateway.Deps{Conn: conn, Service: p.service, Keys: p.keys, Ready: p.ready, Logger: p.logger})
}

func (p *parts) serveInMemory(g *grpc.Server) error {
	err := g.Serve(p.inMemory)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// startBackground starts the pollers and other loops.
func (p *parts) startBackground(ctx context.Context) {
	ctx, p.cancelBg = context.WithCancel(ctx)
	for _, f := range p.background {
		p.bgDone.Add(1)
		go func() { defer p.bgDone.Done(); f(ctx) }()
	}
}

func (p *parts) stopBackground() {
	if p.cancelBg != nil {
		p.cancelBg()
	}
	p.bgDone.Wait()
}

// close releases everything, in dependency order.
func (p *parts) close() {
	if p.gwConn != nil {
		p.gwConn.Close()
	}
	if p.ingester != nil {
		p.ingester.Close()
	}
	if err := p.store.Close(); err != nil {
		p.logger.Error("closing the store", "err", err)
	}
}

// externalCommitPoll is how often subscriptions look for commits made by
// other processes: replicas on one PostgreSQL database, or `connevents
// oneup pull` writing to the server's SQLite file.
func externalCommitPoll(storeKind string) time.Duration {
	if storeKind == "postgres" {
		return 500 * time.Millisecond
	}
	return time.Second
}

// pruner deletes events older than the retention period, hourly (or more
// often for short retentions).
func pruner(st store.Store, retention time.Duration, logger *slog.Logger) func(context.Context) {
	every := min(time.Hour, max(retention/10, time.Second))
	return func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			n, err := st.Prune(ctx, time.Now().Add(-retention))
			if err != nil && ctx.Err() == nil {
				logger.Error("pruning old events", "err", err)
			} else if n > 0 {
				logger.Info("pruned old events", "events", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}
