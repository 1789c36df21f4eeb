// Package server assembles connevents: it opens the store, builds the
// ingest path, the API, the subscription hub and the pollers, and serves
// gRPC and HTTP until its context ends. Run is the whole lifecycle; New and
// Serve split it for tests that need the listening addresses.
//
// The wiring reads top to bottom: New (this file) builds every part in
// dependency order, Serve runs them and shuts them down. The files hold
// one job each: storage.go opens the store, listen.go the listeners,
// grpc.go and http.go the two servers, oneup.go the poller, background.go
// the loops that run while serving, shutdown.go the way down.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/test/bufconn"

	"github.com/connevents/connevents/server/access"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/deadletter"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/status"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/server/telemetry"
)

// Server is a built, listening connevents. It is the one owner of every
// part: New sets each field once, Serve and shutdown only use them.
type Server struct {
	cfg         Config
	logger      *slog.Logger
	wrapStore   func(store.Store) store.Store // see WithStoreWrapper
	noAccessLog bool                          // see WithoutAccessLog
	noJourneys  bool                          // see WithoutJourneys
	grpcMaxIdle time.Duration                 // see WithGRPCMaxConnectionIdle

	// The service's components.
	metrics   *telemetry.Metrics
	store     store.Store
	storeKind string // "sqlite" or "postgres"
	board     *status.Board
	keys      *auth.Keys
	hub       *stream.Hub
	ingester  *ingest.Ingester
	keeper    *deadletter.Keeper
	service   *api.Service
	access    api.Recorder // the access log (nil: off, see WithoutAccessLog)
	accessLog *access.Log

	// The transports.
	grpcLis, httpLis net.Listener
	inMemory         *bufconn.Listener // the gateway's own connection to the gRPC server
	gwConn           *grpc.ClientConn
	grpc             *grpc.Server // public listener
	inner            *grpc.Server // in-memory, for the gateway
	http             *http.Server
	health           *health.Server
	metricsSrv       *telemetry.MetricsServer // nil when --metrics-addr is empty

	// What runs while serving.
	background []func(context.Context) // hub watch, pollers, pruner, health
	cancelBg   context.CancelFunc
	bgDone     sync.WaitGroup
	draining   atomic.Bool // set when shutdown begins
	storeOK    atomic.Bool // the health loop's last store ping
}

// Run builds the server and serves until ctx ends, then shuts down.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	s, err := New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// New validates cfg, opens the store, builds every part and opens both
// listeners. Serve must be called to release them.
func New(ctx context.Context, cfg Config, logger *slog.Logger, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	keys, err := auth.Load(cfg.APIKeys, cfg.APIKeysFile)
	if err != nil {
		return nil, err
	}
	metrics := telemetry.NewMetrics()
	s := &Server{cfg: cfg, logger: logger, metrics: metrics, board: status.NewBoard(status.WithMetrics(metrics)), keys: keys}
	for _, o := range opts {
		o(s)
	}
	if err := s.build(ctx); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

// build makes every part in dependency order; on error, release frees
// what it made.
func (s *Server) build(ctx context.Context) error {
	tlsConf, err := loadTLS(s.cfg)
	if err != nil {
		return err
	}
	// The store, and the components over it.
	storeOpts := []sqlstore.Option{sqlstore.WithStallThresholds(s.cfg.StallAfter)}
	if s.noJourneys {
		storeOpts = append(storeOpts, sqlstore.WithoutJourneys())
	}
	if s.store, s.storeKind, err = openStore(ctx, s.cfg.Database, storeOpts...); err != nil {
		return err
	}
	if s.wrapStore != nil {
		s.store = s.wrapStore(s.store)
	}
	if s.hub, err = s.newHub(ctx); err != nil {
		return err
	}
	s.keeper = deadletter.NewKeeper(s.store, s.board, s.logger)
	s.ingester = ingest.New(s.store, ingest.WithNotifier(s.hub), ingest.WithRecorder(s.board),
		ingest.WithLogger(s.logger), ingest.WithMetrics(s.metrics))
	verifier, err := s.fastenVerifier()
	if err != nil {
		return err
	}
	s.service = api.New(api.Deps{
		Store: s.store, Ingester: s.ingester, Streams: s.hub, Board: s.board, Logger: s.logger, Keeper: s.keeper,
		Verifier: verifier, SkipFastenVerification: s.cfg.FastenInsecureNoVerify,
	})
	if !s.noAccessLog {
		s.accessLog = access.New(s.store, access.WithLogger(s.logger))
		s.access = s.accessLog
	}
	// What runs in the background while serving.
	s.background = append(s.background, s.hub.Watch, s.watchHealth, s.watchLog, stallLoop(s.store, s.hub.JourneysChanged, s.logger))
	if s.expectSources() {
		s.background = append(s.background, s.watchSilence)
	}
	if s.cfg.Retention > 0 {
		s.background = append(s.background, s.pruner)
	}
	if s.cfg.AccessLogRetention > 0 {
		s.background = append(s.background, s.accessPruner)
	}
	if err := s.addOneUpPoller(); err != nil {
		return err
	}
	// The listeners, and the gRPC and HTTP servers on them.
	if err := s.listen(tlsConf); err != nil {
		return err
	}
	s.health = newHealth()
	s.grpc = s.newGRPCServer(tlsConf, api.AccessOptions{}, s.metrics, s.publicTransport()...)
	// The gateway's own server: same services and interceptors, on an
	// in-memory listener, without TLS (nothing leaves the process); its
	// calls carry the HTTP route and peer for the access log. It is not
	// counted in the grpc_server_* series (the HTTP series count what comes
	// through the gateway).
	s.inner = s.newGRPCServer(nil, api.AccessOptions{FromGateway: true}, nil)
	return s.buildHTTP(ctx, tlsConf != nil)
}

// Option changes how New builds a server. `connevents serve` uses none.
type Option func(*Server)

// WithStoreWrapper has the server use wrap(store) instead of the store
// --database opens, from the start; closing the server closes the wrapper.
// Tests use it to inject storage faults into an otherwise real server.
func WithStoreWrapper(wrap func(store.Store) store.Store) Option {
	return func(s *Server) { s.wrapStore = wrap }
}

// WithoutAccessLog serves reads without recording them in the access log.
// Only for benchmarks that measure what the access log costs: `connevents
// serve` always records.
func WithoutAccessLog() Option {
	return func(s *Server) { s.noAccessLog = true }
}

// WithoutJourneys serves without keeping connection journeys (appends
// still name each event's connection). Only for benchmarks that measure
// what journey upkeep costs: `connevents serve` always keeps them.
func WithoutJourneys() Option {
	return func(s *Server) { s.noJourneys = true }
}

// WithGRPCMaxConnectionIdle changes how long the public gRPC server keeps
// a connection that carries no call (default DefaultGRPCMaxConnectionIdle).
func WithGRPCMaxConnectionIdle(d time.Duration) Option {
	return func(s *Server) { s.grpcMaxIdle = d }
}

// GRPCAddr is the address the gRPC listener is bound to.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr is the address the HTTP listener is bound to.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }

// MetricsAddr is the address the metrics listener is bound to, "" when
// --metrics-addr is empty.
func (s *Server) MetricsAddr() string { return s.metricsSrv.Addr() }

// Serve serves until ctx ends, then shuts down gracefully: health turns
// NOT_SERVING, subscriptions end at once (UNAVAILABLE, SHUTTING_DOWN, after
// what they already queued), other open RPCs get --shutdown-timeout to
// finish, the HTTP server drains, queued events are committed and the
// store closes.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 4)
	go func() { errc <- s.grpc.Serve(s.grpcLis) }()
	go func() { errc <- s.serveInMemory() }()
	go func() { errc <- ignoreClosed(s.http.Serve(s.httpLis)) }()
	if s.metricsSrv != nil { // --metrics-addr "" disables it: nothing to serve
		go func() { errc <- s.metricsSrv.Serve() }()
	}
	s.startBackground(ctx)
	s.logger.Info("serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr(), "metrics", s.MetricsAddr(),
		"console", s.consoleURL(), "database", s.storeKind, "auth", !s.keys.Open())

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.shutdown()
	return err
}

// newHub returns the subscription hub, starting at the store's head.
func (s *Server) newHub(ctx context.Context) (*stream.Hub, error) {
	hub, err := stream.NewHub(ctx, s.store, stream.Options{
		Heartbeat:        s.cfg.HeartbeatInterval,
		MaxSubscriptions: s.cfg.MaxSubscriptions,
		PollInterval:     externalCommitPoll(s.storeKind),
		Logger:           s.logger,
		Metrics:          s.metrics,
	})
	if err != nil {
		return nil, fmt.Errorf("reading the log head: %w", err)
	}
	return hub, nil
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
