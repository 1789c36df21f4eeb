package bench

import (
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

// normalizedEvents returns n events as the ingest path would hand them to
// the store: half Fasten deliveries, half 1upHealth AuditEvents, each with
// a fresh time-ordered id and received_at.
func normalizedEvents(n int) ([]*conneventsv1.ConnectionEvent, error) {
	ds, err := makeDeliveries(n / 2)
	if err != nil {
		return nil, err
	}
	out := make([]*conneventsv1.ConnectionEvent, 0, n)
	for i := range ds {
		ev, err := fasten.Normalize(ds[i].body)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	// A push holds at most oneup.MaxPushItems AuditEvents: build them in
	// pushes of 1,000 (and one of the rest).
	rest := n - len(ds)
	payloads := auditPayloads(rest/1000, 1000)
	if rest%1000 > 0 {
		payloads = append(payloads, auditPayloads(1, rest%1000)...)
	}
	for _, p := range payloads {
		audit, err := normalizedFrom(p)
		if err != nil {
			return nil, err
		}
		out = append(out, audit...)
	}
	now := timestamppb.New(time.Now())
	for _, ev := range out {
		ev.Id, ev.ReceivedAt = uuid.Must(uuid.NewV7()).String(), now
		if ev.OccurredAt == nil {
			ev.OccurredAt = now
		}
	}
	return out, nil
}

// normalizedFrom parses and normalizes an NDJSON AuditEvent payload.
func normalizedFrom(payload []byte) ([]*conneventsv1.ConnectionEvent, error) {
	items, err := oneup.Parse("application/fhir+ndjson", payload)
	if err != nil {
		return nil, err
	}
	out := make([]*conneventsv1.ConnectionEvent, 0, len(items))
	for _, it := range items {
		if it.Err != nil {
			return nil, it.Err
		}
		out = append(out, it.Event)
	}
	return out, nil
}
