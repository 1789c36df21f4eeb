package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// op performs operation i of a load; it returns how many events or
// requests it stands for, or an error.
type op func(ctx context.Context, i int) (int, error)

// stats is what a load measured.
type stats struct {
	count   int64 // events or requests completed
	errors  int64
	elapsed time.Duration
	lat     []time.Duration // one per operation
}

func (s stats) rate() float64 { return float64(s.count) / s.elapsed.Seconds() }

// percentile returns the q-quantile of the latencies in milliseconds.
func (s stats) percentile(q float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	i := min(len(s.lat)-1, int(q*float64(len(s.lat))))
	return float64(s.lat[i]) / float64(time.Millisecond)
}

// closedLoop runs workers that each call f back to back, until d has passed
// or maxOps operations were started.
func (b *Bench) closedLoop(ctx context.Context, phase string, workers int, d time.Duration, maxOps int, f op) stats {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next, count, errs atomic.Int64
	lats := make([][]time.Duration, workers)
	stop := b.progress.start(phase, &count)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if maxOps > 0 && i >= maxOps {
					return
				}
				t := time.Now()
				n, err := f(ctx, i)
				if err != nil {
					// gRPC fails a call at the deadline a moment before
					// ctx reports it: those are the end of the phase.
					if dl, _ := ctx.Deadline(); time.Now().Before(dl) {
						errs.Add(1)
						b.noteError(phase, err)
					}
					continue
				}
				lats[w] = append(lats[w], time.Since(t))
				count.Add(int64(n))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	return finish(count.Load(), errs.Load(), elapsed, lats)
}

// paced starts operations at rate per second for d, on at most workers
// concurrent goroutines; latency counts from the scheduled start, so
// queueing behind a slow server is included.
func (b *Bench) paced(ctx context.Context, phase string, workers int, rate float64, d time.Duration, f op) stats {
	total := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job, total)
	var count, errs atomic.Int64
	lats := make([][]time.Duration, workers)
	stop := b.progress.start(phase, &count)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := range jobs {
				time.Sleep(time.Until(j.at))
				n, err := f(ctx, j.i)
				if err != nil {
					errs.Add(1)
					b.noteError(phase, err)
					continue
				}
				lats[w] = append(lats[w], time.Since(j.at))
				count.Add(int64(n))
			}
		})
	}
	for i := range total {
		jobs <- job{i: i, at: start.Add(time.Duration(i) * interval)}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	return finish(count.Load(), errs.Load(), elapsed, lats)
}

func finish(count, errs int64, elapsed time.Duration, lats [][]time.Duration) stats {
	all := slices.Concat(lats...)
	slices.Sort(all)
	return stats{count: count, errors: errs, elapsed: elapsed, lat: all}
}
