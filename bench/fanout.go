package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// streamsPerConn is how many subscriptions share one client connection.
const streamsPerConn = 100

// fanoutPhase: N subscribers while ingesting at a steady rate, against
// connevents and against a bare gRPC fan-out of same-sized messages.
func (b *Bench) fanoutPhase(ctx context.Context) error {
	for _, n := range []int{1, 100, 1000, 10000} {
		rate := 200.0
		if n == 10000 {
			rate = 20 // 200,000 deliveries/s, near the bare ceiling
		}
		if err := b.fanoutRow(ctx, n, rate); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bench) fanoutRow(ctx context.Context, n int, rate float64) error {
	name := fmt.Sprintf("fan-out to %d subscribers at %.0f events/s", n, rate)
	payloads := auditPayloads(int(rate*b.cfg.Duration.Seconds()), 1)
	bare, err := b.bareFanout(ctx, name, n, rate, payloads)
	if err != nil {
		return err
	}
	svc, err := b.startService(ctx, "")
	if err != nil {
		return err
	}
	defer svc.stop()
	real, err := b.measureFanout(ctx, name, svc.grpcAddr, n, rate, func(ctx context.Context, i int) error {
		_, err := svc.client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
			ContentType: "application/fhir+ndjson", Payload: payloads[i]})
		return err
	})
	if err != nil {
		return err
	}
	r := Result{Name: name, Value: real.rate, Unit: "deliveries/s", P50: real.p(0.5), P99: real.p(0.99), P999: real.p(0.999),
		Note: real.note}
	r = r.withCeiling(fmt.Sprintf("bare gRPC fan-out (p99 %s ms)", ms(bare.p(0.99))), bare.rate)
	if n == 1000 {
		r = r.withTarget("p99 ≤ 50 ms", r.P99 <= 50 && real.note == "")
	}
	b.add(r)
	return nil
}

// bareFanout runs the same load on the bare fan-out server.
func (b *Bench) bareFanout(ctx context.Context, name string, n int, rate float64, payloads [][]byte) (fanStats, error) {
	f := newFanout()
	st, err := serveStub(ctx, &stub{fan: f})
	if err != nil {
		return fanStats{}, err
	}
	defer st.stop()
	return b.measureFanout(ctx, name+", bare", st.grpcAddr, n, rate, func(ctx context.Context, i int) error {
		m := &conneventsv1.SubscribeEventsResponse{Cursor: "bench-cursor-0123456789abcdef", Item: &conneventsv1.SubscribeEventsResponse_Event{
			Event: bareEvent(payloads[i])}}
		f.broadcast(m)
		return nil
	})
}

// bareEvent is an event of the size connevents would deliver, stamped now.
func bareEvent(payload []byte) *conneventsv1.ConnectionEvent {
	events, err := normalizedFrom(payload)
	if err != nil || len(events) == 0 {
		return &conneventsv1.ConnectionEvent{ReceivedAt: timestamppb.Now()}
	}
	ev := events[0]
	ev.Raw, ev.ReceivedAt = nil, timestamppb.Now()
	return ev
}

// fanStats is what subscribers saw.
type fanStats struct {
	rate float64 // deliveries per second
	lat  []time.Duration
	note string
}

func (s fanStats) p(q float64) float64 {
	return stats{lat: s.lat}.percentile(q)
}

// measureFanout opens n subscriptions to grpcAddr, waits for each one's
// first checkpoint, ingests at rate with ingest(i), and collects every
// delivery's ingest→delivery latency (now − received_at).
func (b *Bench) measureFanout(ctx context.Context, name, grpcAddr string, n int, rate float64, ingest func(context.Context, int) error) (fanStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns, err := dialMany(grpcAddr, (n+streamsPerConn-1)/streamsPerConn)
	if err != nil {
		return fanStats{}, err
	}
	defer closeAll(conns)
	var delivered atomic.Int64
	lats := make([][]time.Duration, n)
	var ready, wg sync.WaitGroup
	ready.Add(n)
	b.progress.say(fmt.Sprintf("%s: opening subscriptions", name))
	for i := range n {
		c := conneventsv1.NewConnectionEventServiceClient(conns[i%len(conns)])
		wg.Go(func() { lats[i] = receive(ctx, c, &delivered, ready.Done) })
	}
	ready.Wait()
	want := int64(n) * int64(rate*b.cfg.Duration.Seconds())
	start := time.Now()
	s := b.paced(ctx, name, 4, rate, b.cfg.Duration, func(ctx context.Context, i int) (int, error) {
		return 1, ingest(ctx, i)
	})
	waitFor(&delivered, int64(n)*s.count, 30*time.Second)
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	out := fanStats{rate: float64(delivered.Load()) / elapsed.Seconds(), lat: slices.Concat(lats...)}
	slices.Sort(out.lat)
	if got := delivered.Load(); got < want || s.errors > 0 {
		out.note = fmt.Sprintf("%d of %d deliveries, %d ingest errors", got, want, s.errors)
	}
	return out, nil
}

// receive reads one subscription until ctx ends, returning the latencies.
func receive(ctx context.Context, c conneventsv1.ConnectionEventServiceClient, n *atomic.Int64, ready func()) []time.Duration {
	once := sync.OnceFunc(ready)
	defer once()
	s, err := c.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
	if err != nil {
		return nil
	}
	var lats []time.Duration
	for {
		item, err := s.Recv()
		if err != nil {
			return lats
		}
		once()
		if ev := item.GetEvent(); ev != nil {
			lats = append(lats, time.Since(ev.GetReceivedAt().AsTime()))
			n.Add(1)
		}
	}
}

func waitFor(n *atomic.Int64, want int64, limit time.Duration) {
	for deadline := time.Now().Add(limit); n.Load() < want && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}

func dialMany(addr string, n int) ([]*grpc.ClientConn, error) {
	var out []*grpc.ClientConn
	for range n {
		c, err := dialGRPC(addr)
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func closeAll(conns []*grpc.ClientConn) {
	for _, c := range conns {
		c.Close()
	}
}
