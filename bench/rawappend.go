package bench

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/connevents/connevents/server/store/sqlite"
)

// rawAppendRow appends 1,000-event batches straight into a new SQLite
// store: the most the store takes, with no RPC, parsing or group commit.
func (b *Bench) rawAppendRow(ctx context.Context) error {
	const phase, batch = "raw store Append", 1000
	st, err := sqlite.Open(ctx, filepath.Join(b.tmp, "raw.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	b.progress.say(phase + ": building events")
	events, err := normalizedEvents(b.maxOps(int(80000 * b.cfg.Duration.Seconds())))
	if err != nil {
		return err
	}
	var count atomic.Int64
	stop := b.progress.start(phase, &count)
	start := time.Now()
	for i := 0; i < len(events) && time.Since(start) < b.cfg.Duration; i += batch {
		if _, err := st.Append(ctx, events[i:min(i+batch, len(events))]); err != nil {
			stop()
			return err
		}
		count.Add(int64(min(batch, len(events)-i)))
	}
	rate := float64(count.Load()) / time.Since(start).Seconds()
	stop()
	r := Result{Name: "raw store Append, 1,000 events per transaction", Value: rate, Unit: "events/s"}
	b.add(r.withTarget("≥ 35,000/s", rate >= 35000))
	if b.batchedRate > 0 {
		g := Result{Name: "gRPC batched ingest ÷ raw store Append", Value: b.batchedRate, Unit: "events/s"}
		g = g.withCeiling("raw store Append", rate)
		b.add(g.withTarget("≥ 0.9×", g.Ratio >= 0.9))
	}
	return nil
}
