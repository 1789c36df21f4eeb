package bench

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// grpcPhase: 1upHealth AuditEvents over gRPC, one per call and 100 per
// call, against the empty handler and connevents; then raw batched
// appends into the same store.
func (b *Bench) grpcPhase(ctx context.Context) error {
	st, err := serveStub(ctx, &stub{})
	if err != nil {
		return err
	}
	defer st.stop()
	stubConn, err := dialGRPC(st.grpcAddr)
	if err != nil {
		return err
	}
	defer stubConn.Close()
	svc, err := b.startService(ctx, "")
	if err != nil {
		return err
	}
	defer svc.stop()
	stubClient := conneventsv1.NewConnectionEventServiceClient(stubConn)
	for _, per := range []int{1, 100} {
		if err := b.grpcRow(ctx, per, stubClient, svc.client); err != nil {
			return err
		}
	}
	return b.rawAppendRow(ctx)
}

func (b *Bench) grpcRow(ctx context.Context, per int, stubClient, client conneventsv1.ConnectionEventServiceClient) error {
	workers := b.cfg.Clients
	if per > 1 {
		workers = max(1, b.cfg.Clients/4)
	}
	calls := b.maxOps(int(25000*b.cfg.Duration.Seconds())) / per
	name := fmt.Sprintf("gRPC ingest, %d AuditEvent(s) per call", per)
	b.progress.say(name + ": building payloads")
	payloads := auditPayloads(calls, per)
	load := func(phase string, c conneventsv1.ConnectionEventServiceClient) stats {
		return b.closedLoop(ctx, phase, workers, b.cfg.Duration, len(payloads), func(ctx context.Context, i int) (int, error) {
			_, err := c.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
				ContentType: "application/fhir+ndjson", Payload: payloads[i]})
			return per, err
		})
	}
	ceiling := load(name+": empty gRPC handler", stubClient)
	s := load(name, client)
	r := Result{Name: name + " (durable)", Value: s.rate(), Unit: "events/s",
		P50: s.percentile(0.5), P99: s.percentile(0.99), Note: b.errorNote(name, s)}
	r = r.withCeiling("empty gRPC handler", ceiling.rate())
	if per > 1 {
		b.batchedRate = r.Value
	}
	b.add(r)
	return nil
}
