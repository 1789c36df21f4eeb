package bench

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// replicaSubscribers and replicaRate are the replica row's load: a few
// subscribers on one process, events ingested on the other at a steady
// rate.
const (
	replicaSubscribers = 10
	replicaRate        = 50.0
)

// replicasPhase: two `connevents serve` processes on one PostgreSQL
// database (a schema of random name); events ingested over gRPC on the
// first reach subscribers of the second. Latency = arrival − received_at
// (stamped by the first process; one machine, one clock).
func (b *Bench) replicasPhase(ctx context.Context) error {
	const name = "replicas: ingested on one serve process, delivered by another (PostgreSQL)"
	if b.cfg.Binary == "" {
		b.add(Result{Name: name, Note: "skipped: no connevents binary to run (--connevents)"})
		return nil
	}
	pgURL, drop, err := b.postgresSchema(ctx)
	if err != nil {
		if errorsIsSkip(err) {
			b.add(Result{Name: name, Note: "skipped: " + err.Error()})
			return nil
		}
		return err
	}
	defer drop()
	a, _, err := b.startServeProcess(pgURL)
	if err != nil {
		return err
	}
	defer a.stop()
	other, _, err := b.startServeProcess(pgURL)
	if err != nil {
		return err
	}
	defer other.stop()
	payloads := auditPayloads(int(replicaRate*b.cfg.Duration.Seconds()), 1)
	got, err := b.measureFanout(ctx, "replicas", other.grpcAddr, replicaSubscribers, replicaRate, func(ctx context.Context, i int) error {
		_, err := a.client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
			ContentType: "application/fhir+ndjson", Payload: payloads[i]})
		return err
	})
	if err != nil {
		return err
	}
	r := Result{Name: name, Value: got.rate, Unit: "deliveries/s", P50: got.p(0.5), P99: got.p(0.99), P999: got.p(0.999),
		Note: joinNotes(fmt.Sprintf("%d subscribers on the second process, %.0f events/s ingested on the first", replicaSubscribers, replicaRate), got.note)}
	b.add(r.withTarget("p99 ≤ 50 ms", r.P99 <= 50 && got.note == ""))
	return nil
}
