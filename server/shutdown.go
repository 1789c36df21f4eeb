package server

import (
	"context"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// shutdown stops everything within one deadline, --shutdown-timeout from
// now: health turns NOT_SERVING, subscriptions end at once (their clients
// resume elsewhere from their cursor), both gRPC servers and then the HTTP
// server drain (or are cut off at the deadline), the background loops
// end, queued events are committed, the store closes and, last, the
// metrics listener.
func (s *Server) shutdown() {
	start := time.Now()
	s.logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String(), "subscriptions", s.hub.Active())
	deadline := start.Add(s.cfg.ShutdownTimeout)
	s.draining.Store(true) // /healthz: NOT_SERVING
	s.health.Shutdown()    // gRPC health: NOT_SERVING
	s.hub.Close()          // streams would otherwise hold the drain until the deadline
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
	s.stopBackground()
	s.closeComponents()
	if err := s.metricsSrv.Shutdown(ctx); err != nil {
		s.logger.Error("stopping the metrics listener", "err", err)
	}
	s.logger.Info("stopped", "took", time.Since(start).String())
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

// release frees what a failed New built: the listeners (nothing serves
// them yet) and the components.
func (s *Server) release() {
	for _, l := range []net.Listener{s.grpcLis, s.httpLis} {
		if l != nil {
			l.Close()
		}
	}
	_ = s.metricsSrv.Shutdown(context.Background())
	s.closeComponents()
}

// closeComponents releases the components, in dependency order: the
// gateway's connection, the ingester (which commits what it queued), the
// access log (likewise), the store.
func (s *Server) closeComponents() {
	if s.gwConn != nil {
		s.gwConn.Close()
	}
	if s.ingester != nil {
		s.ingester.Close()
	}
	if s.accessLog != nil {
		s.accessLog.Close() // commits the records of the last reads
	}
	if s.store == nil {
		return
	}
	if err := s.store.Close(); err != nil {
		s.logger.Error("closing the store", "err", err)
	}
}
