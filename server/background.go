package server

import (
	"context"
	"fmt"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
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

// watchLog reports the log's bounds and the journeys by status in the
// metrics every logInterval (the ingester reports the head at each commit;
// this also sees other replicas' commits and the pruner's cuts).
func (s *Server) watchLog(ctx context.Context) {
	t := time.NewTicker(logInterval)
	defer t.Stop()
	for {
		if b, err := s.store.Bounds(ctx); err == nil {
			s.metrics.SetLogHead(b.Head)
			s.metrics.SetLogOldest(b.Oldest)
		}
		s.reportJourneys(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const logInterval = 15 * time.Second

// reportJourneys sets connevents_journeys for every status, zero included,
// from the store's count (one read of the status index).
func (s *Server) reportJourneys(ctx context.Context) {
	counts, err := s.store.CountJourneys(ctx)
	if err != nil {
		return // the health loop reports a store that does not answer
	}
	for v := range conneventsv1.ConnectionStatus_name {
		status := conneventsv1.ConnectionStatus(v)
		if status != conneventsv1.ConnectionStatus_CONNECTION_STATUS_UNSPECIFIED {
			s.metrics.SetJourneys(status, int(counts[status]))
		}
	}
}

// expectSources has the board expect events from every source with an
// --…-expect-every, and reports whether there is one.
func (s *Server) expectSources() bool {
	now := time.Now()
	on := false
	for _, e := range []struct {
		src  conneventsv1.Source
		d    time.Duration
		flag string
	}{
		{conneventsv1.Source_SOURCE_FASTEN, s.cfg.FastenExpectEvery, "--fasten-expect-every"},
		{conneventsv1.Source_SOURCE_ONEUP, s.cfg.OneUp.ExpectEvery, "--oneup-expect-every"},
	} {
		if e.d > 0 {
			s.board.ExpectEvery(e.src, e.d, e.flag, now)
			on = true
		}
	}
	return on
}

// watchSilence marks sources that sent nothing for longer than expected
// as DEGRADED; they recover by themselves with their next event.
func (s *Server) watchSilence(ctx context.Context) {
	shortest := s.cfg.FastenExpectEvery
	if d := s.cfg.OneUp.ExpectEvery; d > 0 && (shortest == 0 || d < shortest) {
		shortest = d
	}
	t := time.NewTicker(min(max(shortest/10, 100*time.Millisecond), time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.board.CheckSilence(now)
		}
	}
}

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
			if b, err := s.store.Bounds(ctx); err == nil {
				s.metrics.SetLogOldest(b.Oldest)
			}
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
