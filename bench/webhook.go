package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// webhookPhase: signed unique Fasten deliveries from concurrent HTTP
// clients, against an empty handler, then connevents (closed loop) running
// as its own process so that its CPU time per webhook can be read, then
// connevents at a fixed 5,000 events/s for latency.
func (b *Bench) webhookPhase(ctx context.Context) error {
	ceiling, err := b.webhookLoad(ctx, "webhook: empty net/http handler", "")
	if err != nil {
		return err
	}
	svc, proc, err := b.webhookServer(ctx)
	if err != nil {
		return err
	}
	defer svc.stop()
	var cpu0 time.Duration
	if proc != nil {
		cpu0 = proc.cpu()
	}
	s, err := b.webhookLoad(ctx, "webhook ingest", svc.baseURL)
	if err != nil {
		return err
	}
	r := Result{Name: "webhook ingest (durable before 200)", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote("webhook ingest", s)}
	r = r.withCeiling("empty net/http handler", ceiling.rate())
	b.add(r.withTarget("≥ 0.35×", r.Ratio >= 0.35))
	if proc != nil && s.count > 0 {
		perEvent := float64(proc.cpu()-cpu0) / float64(time.Microsecond) / float64(s.count)
		c := Result{Name: "server CPU per webhook (connevents serve, logs on)", Value: perEvent, Unit: "µs",
			Note: fmt.Sprintf("user + system CPU of the server process over %d webhooks, from /proc/PID/stat (10 ms ticks)", s.count)}
		b.add(c.withTarget("≤ 70 µs", perEvent <= 70))
	} else {
		b.add(Result{Name: "server CPU per webhook", Note: "skipped: the server ran in-process (no --connevents binary)"})
	}
	b.webhookLatency(ctx, svc)
	b.peerCompare = s.rate()
	return b.stalledRow(ctx, s)
}

// webhookServer is connevents as its own process, or in-process where no
// binary was given.
func (b *Bench) webhookServer(ctx context.Context) (*service, *child, error) {
	if b.cfg.Binary == "" {
		svc, err := b.startService(ctx, "")
		return svc, nil, err
	}
	db := filepath.Join(b.tmp, "webhook-"+time.Now().Format("150405.000000")+".db")
	return b.startServeProcess("sqlite:" + db)
}

// webhookLoad posts deliveries from b.cfg.Clients workers, to the service
// at baseURL or ("") to an empty handler.
func (b *Bench) webhookLoad(ctx context.Context, phase, baseURL string) (stats, error) {
	url, stop, err := b.webhookTarget(baseURL)
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

func (b *Bench) webhookTarget(baseURL string) (string, func(), error) {
	if baseURL != "" {
		return baseURL + "/v1/webhooks/fasten", func() {}, nil
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
