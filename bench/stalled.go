package bench

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// stalledSubscribers is how many subscriptions read nothing during the
// stalled-subscribers row.
const stalledSubscribers = 300

// stalledRow measures webhook ingest into a fresh service while
// stalledSubscribers subscriptions that never read are open, against plain
// (webhook ingest into a fresh service without them, measured just before
// for as long), so that both start from an empty database.
func (b *Bench) stalledRow(ctx context.Context, plain stats) error {
	svc, _, err := b.webhookServer(ctx)
	if err != nil {
		return err
	}
	defer svc.stop()
	stop, err := b.openStalled(ctx, svc.grpcAddr, stalledSubscribers)
	if err != nil {
		return err
	}
	defer stop()
	phase := fmt.Sprintf("webhook ingest, %d stalled subscribers", stalledSubscribers)
	s, err := b.webhookLoad(ctx, phase, svc.baseURL)
	if err != nil {
		return err
	}
	r := Result{Name: fmt.Sprintf("webhook ingest with %d subscribers that never read", stalledSubscribers),
		Value: s.rate(), Unit: "events/s", P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote(phase, s)}
	r = r.withCeiling("webhook ingest without them", plain.rate())
	b.add(r.withTarget("≥ 0.8×", r.Ratio >= 0.8))
	return nil
}

// openStalled opens n subscriptions to grpcAddr that never call Recv:
// their connections keep gRPC's fixed 64 KiB windows (no BDP growth), so
// each stalls the server's sends once a window is full, as a client that
// stopped reading does. It returns once every stream is open.
func (b *Bench) openStalled(ctx context.Context, grpcAddr string, n int) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	var conns []*grpc.ClientConn
	stop := func() { cancel(); closeAll(conns) }
	for range (n + streamsPerConn - 1) / streamsPerConn {
		c, err := grpc.NewClient(grpcAddr, append(dialOptions(), grpc.WithInitialWindowSize(64<<10),
			grpc.WithInitialConnWindowSize(64<<10))...)
		if err != nil {
			stop()
			return nil, err
		}
		conns = append(conns, c)
	}
	b.progress.say(fmt.Sprintf("opening %d subscriptions that never read", n))
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		client := conneventsv1.NewConnectionEventServiceClient(conns[i%len(conns)])
		wg.Go(func() {
			// Header waits for the server to accept the stream; nothing
			// after it is ever read.
			st, err := client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
			if err == nil {
				_, err = st.Header()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			stop()
			return nil, fmt.Errorf("open a stalled subscription: %w", err)
		}
	}
	return stop, nil
}
