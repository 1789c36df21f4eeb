package bench

import (
	"context"
	"net/http"
)

// webhookPhase: signed unique Fasten deliveries from concurrent HTTP
// clients, against an empty handler, then connevents (closed loop), then
// connevents at a fixed 5,000 events/s for latency.
func (b *Bench) webhookPhase(ctx context.Context) error {
	ceiling, err := b.webhookLoad(ctx, "webhook: empty net/http handler", nil)
	if err != nil {
		return err
	}
	svc, err := b.startService(ctx, "")
	if err != nil {
		return err
	}
	defer svc.stop()
	s, err := b.webhookLoad(ctx, "webhook ingest", svc)
	if err != nil {
		return err
	}
	r := Result{Name: "webhook ingest (durable before 200)", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote("webhook ingest", s)}
	r = r.withCeiling("empty net/http handler", ceiling.rate())
	ok := r.Value >= 15000 && r.Ratio >= 0.3
	b.add(r.withTarget("≥ 15,000/s and ≥ 0.3×", ok))
	b.webhookLatency(ctx, svc)
	b.peerCompare = s.rate()
	return nil
}

// webhookLoad posts deliveries from b.cfg.Clients workers, to svc or (nil)
// to an empty handler.
func (b *Bench) webhookLoad(ctx context.Context, phase string, svc *service) (stats, error) {
	url, stop, err := b.webhookTarget(svc)
	if err != nil {
		return stats{}, err
	}
	defer stop()
	n := b.maxOps(int(40000 * b.cfg.Duration.Seconds()))
	b.progress.say(phase + ": signing deliveries")
	ds, err := makeDeliveries(n)
	if err != nil {
		return stats{}, err
	}
	client := newHTTPClient(b.cfg.Clients)
	defer client.CloseIdleConnections()
	return b.closedLoop(ctx, phase, b.cfg.Clients, b.cfg.Duration, len(ds), func(ctx context.Context, i int) (int, error) {
		return 1, post(ctx, client, url, &ds[i])
	}), nil
}

func (b *Bench) webhookTarget(svc *service) (string, func(), error) {
	if svc != nil {
		return svc.baseURL + "/v1/webhooks/fasten", func() {}, nil
	}
	base, stop, err := serveHTTP(emptyWebhook())
	return base + "/v1/webhooks/fasten", stop, err
}

// webhookLatency offers 5,000 deliveries/s and records latency.
func (b *Bench) webhookLatency(ctx context.Context, svc *service) {
	const rate = 5000
	phase := "webhook latency at 5,000/s"
	ds, err := makeDeliveries(int(rate * b.cfg.Duration.Seconds()))
	if err != nil {
		b.noteError(phase, err)
		return
	}
	// Open loop: enough senders that a slow answer delays only itself.
	const senders = 256
	client := newHTTPClient(senders)
	defer client.CloseIdleConnections()
	s := b.paced(ctx, phase, senders, rate, b.cfg.Duration, func(ctx context.Context, i int) (int, error) {
		return 1, post(ctx, client, svc.baseURL+"/v1/webhooks/fasten", &ds[i])
	})
	r := Result{Name: "webhook ingest at 5,000 events/s offered", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), P999: s.percentile(0.999), Note: b.errorNote(phase, s)}
	b.add(r.withTarget("p99 ≤ 20 ms", r.P99 <= 20 && s.errors == 0))
}

var _ http.Handler = emptyWebhook()
