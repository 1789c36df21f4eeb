package bench

import (
	"context"
	"path/filepath"
)

// peersPhase: the naive hand-written receiver and JetStream, loaded like
// the webhook phase.
func (b *Bench) peersPhase(ctx context.Context) error {
	if b.peerCompare == 0 {
		return nil // the webhook phase did not run
	}
	h, closeDB, err := naiveReceiver(filepath.Join(b.tmp, "naive.db"))
	if err != nil {
		return err
	}
	defer closeDB()
	base, stop, err := serveHTTP(h)
	if err != nil {
		return err
	}
	defer stop()
	if err := b.naiveRow(ctx, base); err != nil {
		return err
	}
	return b.jetStreamRow(ctx)
}

func (b *Bench) naiveRow(ctx context.Context, base string) error {
	const phase = "naive receiver"
	ds, err := makeDeliveries(b.maxOps(int(20000 * b.cfg.Duration.Seconds())))
	if err != nil {
		return err
	}
	client := newHTTPClient(b.cfg.Clients)
	defer client.CloseIdleConnections()
	s := b.closedLoop(ctx, phase, b.cfg.Clients, b.cfg.Duration, len(ds), func(ctx context.Context, i int) (int, error) {
		return 1, post(ctx, client, base+"/v1/webhooks/fasten", &ds[i])
	})
	r := Result{Name: "naive receiver: verify + autocommit INSERT", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote(phase, s)}
	r.Ratio = b.peerCompare / r.Value
	r.Note = joinNotes("ratio = connevents webhook ingest ÷ naive", r.Note)
	b.add(r) // the goal is on the slow-disk row, where fsync costs what it does in the cloud
	return nil
}

func (b *Bench) jetStreamRow(ctx context.Context) error {
	const phase = "JetStream publish"
	b.progress.say(phase + ": starting NATS")
	js, err := startJetStream(b.tmp, 4)
	if err != nil {
		return err
	}
	defer js.stop()
	ds, err := makeDeliveries(b.maxOps(int(30000 * b.cfg.Duration.Seconds())))
	if err != nil {
		return err
	}
	s := b.closedLoop(ctx, phase, b.cfg.Clients, b.cfg.Duration, len(ds), func(ctx context.Context, i int) (int, error) {
		return 1, js.publish(ctx, i, &ds[i])
	})
	r := Result{Name: "JetStream durable publish (file, fsync always, Nats-Msg-Id)", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote(phase, s)}
	r.Ratio = b.peerCompare / r.Value
	r.Note = joinNotes("ratio = connevents webhook ingest ÷ JetStream", r.Note)
	b.add(r.withTarget("connevents ≥ 0.5×", r.Ratio >= 0.5))
	return nil
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}
