package durability

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/test/testserver"
)

// soakDuration is 5 s by default, 60 s in CI (CI=true), or
// CONNEVENTS_SOAK (a Go duration such as 10m).
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("CONNEVENTS_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CONNEVENTS_SOAK=%q: %v", s, err)
		}
		return d
	}
	if os.Getenv("CI") == "true" {
		return time.Minute
	}
	return 5 * time.Second
}

// TestSoak ingests steadily (at most 100 events/s, one at a time) (webhooks and gRPC) to 100
// live subscribers and checks that goroutines and memory stay flat between
// the end of the warm-up and the end of the run, and that every subscriber
// got every event.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped with -short")
	}
	d := soakDuration(t)
	srv := testserver.Start(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var delivered atomic.Int64
	var wg, ready sync.WaitGroup
	ready.Add(100)
	for range 100 {
		wg.Go(func() { subscribe(ctx, t, srv.Client, &delivered, ready.Done) })
	}
	ready.Wait() // every subscription has its first checkpoint
	ingested := make(chan int64, 1)
	go func() { ingested <- steadyIngest(ctx, srv, d) }()
	time.Sleep(d / 3)
	warm := sample()
	n := <-ingested
	end := sample()
	waitDelivered(&delivered, 100*n)
	cancel()
	wg.Wait()
	t.Logf("%d events, %d deliveries; warm %+v, end %+v", n, delivered.Load(), warm, end)
	if got := delivered.Load(); got != 100*n {
		t.Errorf("%d deliveries, want %d", got, 100*n)
	}
	checkFlat(t, warm, end)
}

func subscribe(ctx context.Context, t *testing.T, c conneventsv1.ConnectionEventServiceClient, n *atomic.Int64, ready func()) {
	s, err := c.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
	if err != nil {
		t.Errorf("subscribe: %v", err)
		ready()
		return
	}
	once := sync.OnceFunc(ready)
	defer once()
	for {
		item, err := s.Recv()
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("subscription ended: %v", err)
			}
			return
		}
		once() // the first item is the opening checkpoint
		if item.GetEvent() != nil {
			n.Add(1)
		}
	}
}

// steadyIngest sends at most 100 events/s for d, alternating webhook and gRPC,
// and returns how many were stored.
func steadyIngest(ctx context.Context, srv *testserver.Server, d time.Duration) int64 {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var n int64
	for stop := time.Now().Add(d); time.Now().Before(stop); <-tick.C {
		var err error
		if n%2 == 0 {
			_, err = sendFasten(ctx, http.DefaultClient, srv.BaseURL, uuid.NewString())
		} else {
			_, err = sendOneUp(ctx, srv.Client, []string{uuid.NewString()})
		}
		if err == nil {
			n++
		}
	}
	return n
}

func waitDelivered(n *atomic.Int64, want int64) {
	for deadline := time.Now().Add(10 * time.Second); n.Load() < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

type usage struct {
	Goroutines int
	HeapMiB    float64
	RSSMiB     float64
}

func sample() usage {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return usage{Goroutines: runtime.NumGoroutine(), HeapMiB: float64(m.HeapInuse) / (1 << 20), RSSMiB: rssMiB()}
}

// rssMiB reads this process's resident set size (0 where /proc is absent).
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// checkFlat allows for the subscription ring and SQLite's page caches
// still filling up, not for growth with the number of events.
func checkFlat(t *testing.T, warm, end usage) {
	t.Helper()
	if end.Goroutines > warm.Goroutines+20 {
		t.Errorf("goroutines grew from %d to %d", warm.Goroutines, end.Goroutines)
	}
	if end.HeapMiB > warm.HeapMiB+64 {
		t.Errorf("heap grew from %.0f to %.0f MiB", warm.HeapMiB, end.HeapMiB)
	}
	if raceEnabled {
		t.Logf("RSS %.0f -> %.0f MiB, not bounded under the race detector (the run without it checks it)", warm.RSSMiB, end.RSSMiB)
		return
	}
	if end.RSSMiB > warm.RSSMiB+128 {
		t.Errorf("RSS grew from %.0f to %.0f MiB", warm.RSSMiB, end.RSSMiB)
	}
}
