// Package server assembles connevents: it opens the store, builds the
// ingest path, the API, the subscription hub and the pollers, and serves
// gRPC and HTTP until its context ends. Run is the whole lifecycle; New and
// Serve split it for tests that need the listening addresses.
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
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Server is a built, listening connevents.
type Server struct {
	cfg    Config
	logger *slog.Logger

	grpcLis, httpLis net.Listener
	grpc             *grpc.Server // public listener
	inner            *grpc.Server // in-memory, for the gateway
	http             *http.Server
	health           *health.Server
	parts            *parts
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
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tlsConf, err := loadTLS(cfg)
	if err != nil {
		return nil, err
	}
	p, err := buildParts(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, logger: logger, parts: p}
	if err := s.listen(tlsConf); err != nil {
		p.close()
		return nil, err
	}
	if err := s.buildHandlers(ctx, tlsConf); err != nil {
		s.closeListeners()
		p.close()
		return nil, err
	}
	return s, nil
}

// GRPCAddr is the address the gRPC listener is bound to.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr is the address the HTTP listener is bound to.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }

func (s *Server) listen(tlsConf *tls.Config) error {
	var err error
	if s.grpcLis, err = net.Listen("tcp", s.cfg.GRPCAddr); err != nil {
		return fmt.Errorf("gRPC listener: %w", err)
	}
	if s.httpLis, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		s.grpcLis.Close()
		return fmt.Errorf("HTTP listener: %w", err)
	}
	if tlsConf != nil {
		s.httpLis = tls.NewListener(s.httpLis, tlsConf)
	}
	return nil
}

func (s *Server) closeListeners() {
	s.grpcLis.Close()
	s.httpLis.Close()
}

// Serve serves until ctx ends, then shuts down gracefully: health turns
// NOT_SERVING, open RPCs and streams get --shutdown-timeout to finish, the
// HTTP server drains, queued events are committed and the store closes.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 3)
	go func() { errc <- s.grpc.Serve(s.grpcLis) }()
	go func() { errc <- s.parts.serveInMemory(s.inner) }()
	go func() { errc <- ignoreClosed(s.http.Serve(s.httpLis)) }()
	s.parts.background = append(s.parts.background, s.watchHealth)
	s.parts.startBackground(ctx)
	s.logger.Info("serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr(), "database", s.parts.storeKind, "auth", !s.parts.keys.Open())

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.shutdown()
	return err
}

// watchHealth pings the store every healthInterval and sets both health
// answers from it: gRPC health and /healthz say SERVING only while the store
// answers. Health checks themselves never touch the store.
func (s *Server) watchHealth(ctx context.Context) {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		s.checkHealth(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const healthInterval = 2 * time.Second

func (s *Server) checkHealth(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, healthInterval)
	defer cancel()
	err := s.parts.store.Ping(ctx)
	if ctx.Err() != nil && err != nil {
		return // shutting down
	}
	s.parts.storeOK.Store(err == nil)
	st := healthpb.HealthCheckResponse_SERVING
	if err != nil {
		st = healthpb.HealthCheckResponse_NOT_SERVING
		s.logger.Error("the store does not answer", "err", err)
	}
	s.health.SetServingStatus("", st) // ignored once shutdown began
}

func (s *Server) shutdown() {
	s.logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	s.parts.draining.Store(true) // /healthz: NOT_SERVING
	s.health.Shutdown()          // gRPC health: NOT_SERVING
	var wg sync.WaitGroup
	for _, g := range []*grpc.Server{s.grpc, s.inner} {
		wg.Add(1)
		go func() { defer wg.Done(); stopGRPC(g, time.Until(deadline)) }()
	}
	wg.Wait()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close()
	}
	s.parts.stopBackground()
	s.parts.close()
	s.logger.Info("stopped")
}

// stopGRPC stops gracefully, but no longer than timeout: open streams would
// otherwise hold GracefulStop forever.
func stopGRPC(g *grpc.Server, timeout time.Duration) {
	done := make(chan struct{})
	go func() { g.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		g.Stop()
		<-done
	}
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
