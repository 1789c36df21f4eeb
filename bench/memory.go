package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// memoryPhase: resident memory of idle subscriptions in a connevents
// process and in a bare gRPC streaming process, each on its own
// connection and sharing connections.
func (b *Bench) memoryPhase(ctx context.Context) error {
	if b.cfg.Binary == "" || b.cfg.BareBinary == "" {
		b.add(Result{Name: "memory per idle subscriber", Note: "skipped: no connevents binary to run (--connevents)"})
		return nil
	}
	own, shared := 1000, 10000
	if b.cfg.Quick {
		own, shared = 200, 2000
	}
	for _, m := range []struct {
		n, perConn int
		label      string
	}{{own, 1, "own connection"}, {shared, 1000, "1,000 per connection"}} {
		if err := b.memoryRow(ctx, m.n, m.perConn, m.label); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bench) memoryRow(ctx context.Context, n, perConn int, label string) error {
	db := filepath.Join(b.tmp, fmt.Sprintf("memory-%d.db", n))
	real, err := b.idleRSS(ctx, n, perConn, b.cfg.Binary, "serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--database", "sqlite:"+db, "--max-subscriptions", "100000", "--oneup-poll-interval", "0")
	if err != nil {
		return err
	}
	bare, err := b.idleRSS(ctx, n, perConn, b.cfg.BareBinary, "--bare-server")
	if err != nil {
		return err
	}
	r := Result{Name: fmt.Sprintf("RSS per idle subscriber, %s (%d)", label, n), Value: real.perSubKiB, Unit: "KiB",
		Note: fmt.Sprintf("server RSS %.0f MiB with %d subscribers (%.0f MiB idle)", real.total, n, real.base)}
	r = r.withCeiling("bare gRPC stream", bare.perSubKiB)
	if r.Value > 0 {
		r.Ratio = bare.perSubKiB / r.Value
		r.Note = joinNotes(r.Note, "ratio = bare ÷ connevents (higher is better)")
	}
	if n >= 10000 {
		r = r.withTarget("10,000 in ≤ 512 MiB", real.total <= 512)
	}
	b.add(r)
	return nil
}

type rss struct{ base, total, perSubKiB float64 }

// idleRSS starts a server process, opens n idle subscriptions to it and
// reports its resident memory before and after.
func (b *Bench) idleRSS(ctx context.Context, n, perConn int, bin string, args ...string) (rss, error) {
	c, err := startChild(bin, args...)
	if err != nil {
		return rss{}, err
	}
	defer c.stop()
	time.Sleep(time.Second)
	base := c.rssMiB()
	conns, err := dialMany(c.grpcAddr, (n+perConn-1)/perConn)
	if err != nil {
		return rss{}, err
	}
	defer closeAll(conns)
	ctx, cancel := context.WithCancel(ctx)
	var ready, wg sync.WaitGroup
	var opened atomic.Int64
	ready.Add(n)
	stop := b.progress.start(fmt.Sprintf("memory: %d idle subscribers (%s)", n, args[0]), &opened)
	for i := range n {
		client := conneventsv1.NewConnectionEventServiceClient(conns[i%len(conns)])
		wg.Go(func() { receive(ctx, client, new(atomic.Int64), func() { opened.Add(1); ready.Done() }) })
	}
	ready.Wait()
	time.Sleep(2 * time.Second)
	total := c.rssMiB()
	stop()
	cancel()
	wg.Wait()
	return rss{base: base, total: total, perSubKiB: (total - base) * 1024 / float64(n)}, nil
}
