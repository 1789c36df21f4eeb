package server

import (
	"context"
	"fmt"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// startBackground starts the loops of s.background: the hub's watch for
// other processes' commits, the health loop, the pruner and the pollers.
func (s *Server) startBackground(ctx context.Context) {
	ctx, s.cancelBg = context.WithCancel(ctx)
	for _, f := range s.background {
		s.bgDone.Add(1)
		go func() { defer s.bgDone.Done(); f(ctx) }()
	}
}

// stopBackground ends the loops and waits for them.
func (s *Server) stopBackground() {
	if s.cancelBg != nil {
		s.cancelBg()
	}
	s.bgDone.Wait()
}

// watchHealth checks the store every healthInterval and sets both health
// answers from it: gRPC health and /healthz say SERVING only while the store
// answers and takes writes. Health checks themselves never touch the store.
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
	err := s.storeHealth(ctx)
	if ctx.Err() != nil && err != nil {
		return // shutting down
	}
	s.storeOK.Store(err == nil)
	st := healthpb.HealthCheckResponse_SERVING
	if err != nil {
		st = healthpb.HealthCheckResponse_NOT_SERVING
		s.logger.Error("the store does not answer", "err", err)
	}
	s.health.SetServingStatus("", st) // ignored once shutdown began
}

// storeHealth pings the store and, while commits are failing (a full disk
// answers pings), tries a write of its own: the store is healthy again once
// that succeeds.
func (s *Server) storeHealth(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	if !s.ingester.WritesFailing() {
		return nil
	}
	if err := s.store.PutCheckpoint(ctx, healthProbeKey, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	s.ingester.WritesRecovered()
	return nil
}

// healthProbeKey is the checkpoint the health loop writes while commits
// fail.
const healthProbeKey = "health.write-probe"

// pruner deletes events older than --retention, hourly (or more often for
// short retentions).
func (s *Server) pruner(ctx context.Context) {
	retention := s.cfg.Retention
	t := time.NewTicker(min(time.Hour, max(retention/10, time.Second)))
	defer t.Stop()
	for {
		n, err := s.store.Prune(ctx, time.Now().Add(-retention))
		if err != nil && ctx.Err() == nil {
			s.logger.Error("pruning old events", "err", err)
		} else if n > 0 {
			s.logger.Info("pruned old events", "events", n)
			s.hub.JourneysChanged() // their journeys were folded again or deleted
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// accessPruner deletes access records older than --access-log-retention,
// hourly (or more often for short retentions).
func (s *Server) accessPruner(ctx context.Context) {
	retention := s.cfg.AccessLogRetention
	t := time.NewTicker(min(time.Hour, max(retention/10, time.Second)))
	defer t.Stop()
	for {
		n, err := s.store.PruneAccessRecords(ctx, time.Now().Add(-retention))
		if err != nil && ctx.Err() == nil {
			s.logger.Error("pruning old access records", "err", err)
		} else if n > 0 {
			s.logger.Info("pruned old access records", "records", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
