package bench

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
)

// journeysPhase: what keeping connection journeys costs ingest. Webhook
// and batched gRPC ingest, each into a fresh in-process service with
// journeys kept (as `connevents serve` runs) and with upkeep off
// (server.WithoutJourneys), over traffic that spreads over many
// connections.
func (b *Bench) journeysPhase(ctx context.Context) error {
	loads := []struct {
		name string
		run  func(ctx context.Context, phase string, svc *service) (stats, error)
	}{
		{"webhook ingest", func(ctx context.Context, phase string, svc *service) (stats, error) {
			return b.webhookLoad(ctx, phase, svc.baseURL)
		}},
		{"gRPC ingest, 100 AuditEvents per call", b.batchedLoad},
	}
	for _, l := range loads {
		kept, err := b.withService(ctx, l.name+", journeys kept", l.run)
		if err != nil {
			return err
		}
		off, err := b.withService(ctx, l.name+", journey upkeep off", l.run, server.WithoutJourneys())
		if err != nil {
			return err
		}
		r := Result{Name: fmt.Sprintf("%s with journeys kept (%d connections)", l.name, connections),
			Value: kept.rate(), Unit: "events/s", P50: kept.percentile(0.5), P99: kept.percentile(0.99),
			Note: b.errorNote(l.name+", journeys kept", kept)}
		r = r.withCeiling("journey upkeep off", off.rate())
		b.add(r.withTarget("≥ 0.85×", r.Ratio >= 0.85))
	}
	return nil
}

// withService runs load against a fresh in-process service built with opts.
func (b *Bench) withService(ctx context.Context, phase string, load func(context.Context, string, *service) (stats, error), opts ...server.Option) (stats, error) {
	svc, err := b.startService(ctx, "", opts...)
	if err != nil {
		return stats{}, err
	}
	defer svc.stop()
	return load(ctx, phase, svc)
}

// batchedLoad sends 100 AuditEvents per IngestOneUpAuditEvents call from a
// quarter of the clients, as the batched gRPC row does.
func (b *Bench) batchedLoad(ctx context.Context, phase string, svc *service) (stats, error) {
	const per = 100
	b.progress.say(phase + ": building payloads")
	payloads := auditPayloads(b.maxOps(int(25000*b.cfg.Duration.Seconds()))/per, per)
	return b.closedLoop(ctx, phase, max(1, b.cfg.Clients/4), b.cfg.Duration, len(payloads), func(ctx context.Context, i int) (int, error) {
		_, err := svc.client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
			ContentType: "application/fhir+ndjson", Payload: payloads[i]})
		return per, err
	}), nil
}
