package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// slowFsyncDelay is what the slow disk adds to every fsync: about what
// cloud block storage takes to flush.
const slowFsyncDelay = 2 * time.Millisecond

// fsyncPhase: connevents and the naive receiver with their databases on a
// FUSE loopback whose fsync takes 2 ms longer, where group commit matters
// (this machine's own disk flushes in ~0.1 ms, which hides it). Skipped,
// with the reason, where FUSE cannot be mounted.
func (b *Bench) fsyncPhase(ctx context.Context) error {
	const name = "on a disk whose fsync takes +2 ms: connevents ÷ naive receiver"
	under, mnt := filepath.Join(b.tmp, "slowdisk"), filepath.Join(b.tmp, "slowdisk-mnt")
	for _, d := range []string{under, mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	unmount, err := mountSlowFsync(under, mnt, slowFsyncDelay)
	if err != nil {
		b.add(Result{Name: name, Note: "skipped: FUSE unavailable: " + err.Error()})
		return nil
	}
	defer unmount()
	svc, proc, err := b.fsyncServer(ctx, filepath.Join(mnt, "events.db"))
	if err != nil {
		return err
	}
	ce, err := b.webhookLoad(ctx, "slow disk: connevents webhook ingest", svc.baseURL)
	svc.stop()
	if err != nil {
		return err
	}
	h, closeDB, err := naiveReceiver(filepath.Join(mnt, "naive.db"))
	if err != nil {
		return err
	}
	defer closeDB()
	base, stop, err := serveHTTP(h)
	if err != nil {
		return err
	}
	defer stop()
	naive, err := b.webhookLoad(ctx, "slow disk: naive receiver", base)
	if err != nil {
		return err
	}
	where := "in-process"
	if proc != nil {
		where = "own process"
	}
	r := Result{Name: "webhook ingest " + name, Value: ce.rate(), Unit: "events/s",
		P50: ce.percentile(0.5), P99: ce.percentile(0.99),
		Note: joinNotes(fmt.Sprintf("FUSE loopback (go-fuse) adding %v to each fsync; connevents %s; naive p50/p99 %s / %s ms",
			slowFsyncDelay, where, ms(naive.percentile(0.5)), ms(naive.percentile(0.99))),
			joinNotes(b.errorNote("slow disk: connevents webhook ingest", ce), b.errorNote("slow disk: naive receiver", naive)))}
	r = r.withCeiling("naive receiver, same disk", naive.rate())
	b.add(r.withTarget("≥ 10×", r.Ratio >= 10))
	return nil
}

func (b *Bench) fsyncServer(ctx context.Context, db string) (*service, *child, error) {
	if b.cfg.Binary == "" {
		svc, err := b.startService(ctx, db)
		return svc, nil, err
	}
	return b.startServeProcess("sqlite:" + db)
}
