package server

import (
	"context"
	"log/slog"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup"
)

// oneupConfig translates the 1upHealth flags into the poller's
// configuration. An explicit --oneup-since becomes the poller's Since (a
// floor no poll reads before); left empty, the poller's own default bounds
// only its first poll, so that after an outage of any length polling
// resumes from the stored checkpoint (docs/oneup.md).
func oneupConfig(c OneUpConfig, now time.Time, logger *slog.Logger) (oneup.Config, error) {
	cfg := oneup.Config{
		BaseURL: c.BaseURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Subtypes: c.Subtypes, Interval: c.PollInterval, Logger: logger,
	}
	if c.Since == "" {
		return cfg, nil
	}
	since, err := c.SinceTime(now)
	if err != nil {
		return oneup.Config{}, err
	}
	cfg.Since = since
	return cfg, nil
}

// addOneUpPoller adds the 1upHealth poller to the background loops when it
// is configured. It ingests through the shared ingester (which counts what
// it stores on the board), keeps its checkpoint in the store, and reports
// its rejected entries, state and checkpoint on the board too.
func (s *Server) addOneUpPoller() error {
	if !s.cfg.OneUp.Enabled() {
		return nil
	}
	ocfg, err := oneupConfig(s.cfg.OneUp, time.Now(), s.logger)
	if err != nil {
		return err
	}
	ocfg.Status, ocfg.DeadLetters, ocfg.Metrics = s.board, s.keeper, s.metrics
	poller, err := oneup.NewPoller(ocfg, s.ingester, s.store)
	if err != nil {
		return err
	}
	s.background = append(s.background, func(ctx context.Context) { _ = poller.Run(ctx) })
	s.board.Enable(conneventsv1.Source_SOURCE_ONEUP)
	s.logger.Info("1upHealth poller enabled", "interval", ocfg.Interval.String())
	return nil
}
