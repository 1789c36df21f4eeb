package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlstore"
)

// stallInterval is how often the stall loop looks for journeys whose stall
// time has passed: a journey becomes STALLED within about this long of its
// threshold passing.
const stallInterval = time.Second

// stallLoop marks the journeys whose stall time has passed STALLED, every
// stallInterval, and wakes the journey subscriptions when it changed any.
// Every replica runs one; the store changes each journey once.
func stallLoop(st store.Store, changed func(), logger *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(stallInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := st.MarkStalled(ctx, time.Now())
			switch {
			case err != nil && ctx.Err() == nil:
				logger.Error("marking stalled journeys", "err", err)
			case n > 0:
				logger.Info("journeys stalled", "journeys", n)
				changed()
			}
		}
	}
}

// RebuildJourneys recomputes every journey of the store at database from
// its events (`connevents journeys rebuild`), judging stalls by th, batch
// journeys per transaction (0: the store's default), while a server may be
// using the store; it returns how many journeys changed.
func RebuildJourneys(ctx context.Context, database string, th journey.Thresholds, batch int) (int64, error) {
	st, _, err := openStore(ctx, database, sqlstore.WithStallThresholds(th))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.RebuildJourneys(ctx, batch)
}

// ThresholdsFlag is the flag.Value of `--stall-after`: phase=duration
// pairs over the thresholds it holds (journey.ParseThresholds).
type ThresholdsFlag struct{ T *journey.Thresholds }

func (f ThresholdsFlag) String() string {
	if f.T == nil {
		return ""
	}
	return f.T.String()
}

// Set reads a value such as `authorized=2h,transfer=24h`; phases not named
// keep their value.
func (f ThresholdsFlag) Set(s string) error {
	t, err := journey.ParseThresholds(s, *f.T)
	if err != nil {
		return err
	}
	*f.T = t
	return nil
}
