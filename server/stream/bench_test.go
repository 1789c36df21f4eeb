package stream_test

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/stream"
)

// BenchmarkFanout measures ingest→delivery latency: each iteration commits
// one event and waits until every subscriber has received it. Latency is
// measured from the event's received_at (stamped just before the commit)
// to its arrival at each subscriber.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{1, 100, 1000} {
		b.Run(benchName(subs), func(b *testing.B) { benchFanout(b, subs) })
	}
}

func benchName(subs int) string { return "subscribers=" + strconv.Itoa(subs) }

func benchFanout(b *testing.B, subs int) {
	e := newEnv(b, stream.Options{MaxSubscriptions: subs + 1})
	defer e.close()
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrived := make(chan struct{}, subs)
	for i := 0; i < subs; i++ {
		s, err := e.client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Recv(); err != nil { // the opening checkpoint
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				item, err := s.Recv()
				if err != nil {
					return
				}
				if ev := item.GetEvent(); ev != nil {
					d := time.Since(ev.GetReceivedAt().AsTime())
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
					arrived <- struct{}{}
				}
			}
		}()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.ingest.Ingest(ctx, []*conneventsv1.ConnectionEvent{event(i)}); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < subs; j++ {
			<-arrived
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	reportPercentiles(b, latencies)
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(float64(len(d))/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkIdleSubscriberMemory measures the heap held per idle
// subscription, client and server side together, on one shared connection.
func BenchmarkIdleSubscriberMemory(b *testing.B) {
	const subs = 1000
	for i := 0; i < b.N; i++ {
		e := newEnv(b, stream.Options{MaxSubscriptions: subs})
		ctx, cancel := context.WithCancel(context.Background())
		before := heapInUse()
		for j := 0; j < subs; j++ {
			s, err := e.client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Recv(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(heapInUse()-before)/subs, "heap-bytes/subscriber")
		cancel()
		e.close()
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse) + int64(m.StackInuse)
}
