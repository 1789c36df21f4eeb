package api

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/deadletter"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// tracer makes the doors' verify and normalize spans. Their attributes are
// sources, types, counts and reasons: never payload data.
func tracer() trace.Tracer { return otel.Tracer("github.com/connevents/connevents/server/api") }

const fastenSrc = conneventsv1.Source_SOURCE_FASTEN

// IngestFastenWebhook verifies, normalizes and stores one Fasten delivery.
// The HTTP webhook route calls it in-process too, so both doors share every
// rule. A delivery that is not authentic is refused and nothing of it is
// kept; an authentic one that cannot be normalized is kept as a dead letter
// and acknowledged (retrying it cannot help, and failing would get the
// endpoint disabled).
func (s *Service) IngestFastenWebhook(ctx context.Context, req *conneventsv1.IngestFastenWebhookRequest) (*conneventsv1.IngestFastenWebhookResponse, error) {
	mode, err := s.verifyFasten(ctx, req)
	if err != nil {
		return nil, s.rejectFasten(ctx, err)
	}
	// Before normalizing: a delivery kept as a dead letter is held to its
	// signer's mode too (a retry could make it an event).
	if !mode.Allows(fasten.DeclaredAPIMode(req.GetPayload())) {
		return nil, s.rejectFasten(ctx, errWrongModeSecret)
	}
	ev, err := normalize(ctx, fastenSrc, req.GetPayload())
	if err != nil {
		d, err := s.keeper.Keep(ctx, fastenSrc, req.GetPayload(), err)
		if err != nil {
			return nil, s.toStatus(err)
		}
		return &conneventsv1.IngestFastenWebhookResponse{Result: deadLetterResult(d)}, nil
	}
	appended, err := s.ingester.Ingest(ctx, []*conneventsv1.ConnectionEvent{ev})
	if err != nil {
		return nil, s.toStatus(err)
	}
	res := ingestResult(appended[0])
	s.board.Succeeded(fastenSrc, s.now())
	s.logger.InfoContext(ctx, "fasten delivery accepted", "event_id", res.GetEventId(), "type", ev.GetType().String(), "status", res.GetStatus().String())
	return &conneventsv1.IngestFastenWebhookResponse{Result: res}, nil
}

// errWrongModeSecret: a delivery signed with a secret bound to one mode
// (test:whsec_…) that says it is of the other: a widely shared test secret
// must not be able to inject live events.
var errWrongModeSecret = reason.New(reason.SignatureInvalid, "the delivery's api_mode is not the mode of the secret that signed it")

// rejectFasten counts and logs a delivery refused as not authentic, and
// returns its status.
func (s *Service) rejectFasten(ctx context.Context, err error) error {
	s.board.Rejected(fastenSrc, reason.Of(err))
	s.logger.InfoContext(ctx, "fasten delivery rejected", "reason", reason.Of(err))
	return s.toStatus(err)
}

// verifyFasten checks the size and, unless verification is off, the
// signature of a delivery; it returns the mode of the secret that signed it.
func (s *Service) verifyFasten(ctx context.Context, req *conneventsv1.IngestFastenWebhookRequest) (fasten.Mode, error) {
	_, span := tracer().Start(ctx, "fasten.verify", trace.WithAttributes(attribute.Int("bytes", len(req.GetPayload()))))
	defer span.End()
	mode, err := s.checkFasten(req)
	if err != nil {
		span.SetAttributes(attribute.String("reason", string(reason.Of(err))))
	}
	return mode, err
}

func (s *Service) checkFasten(req *conneventsv1.IngestFastenWebhookRequest) (fasten.Mode, error) {
	// The HTTP route stops larger bodies while reading them (413); a relay's
	// arrive whole, so the same limit is checked here.
	if len(req.GetPayload()) > fasten.MaxBodyBytes {
		return fasten.AnyMode, reason.New(reason.BodyTooLarge, "the delivery body is larger than 256 KiB")
	}
	if s.noVerify {
		return fasten.AnyMode, nil
	}
	h := fasten.Headers{ID: req.GetWebhookId(), Timestamp: req.GetWebhookTimestamp(), Signature: req.GetWebhookSignature()}
	return s.verifier.Check(h, req.GetPayload(), s.now())
}

// normalize is deadletter.Normalize in a span.
func normalize(ctx context.Context, src conneventsv1.Source, raw []byte) (*conneventsv1.ConnectionEvent, error) {
	_, span := tracer().Start(ctx, "normalize", trace.WithAttributes(attribute.String("source", src.String())))
	defer span.End()
	ev, err := deadletter.Normalize(src, raw)
	if err != nil {
		span.SetAttributes(attribute.String("reason", string(reason.Of(err))))
		return nil, err
	}
	span.SetAttributes(attribute.String("event_type", ev.GetType().String()))
	return ev, nil
}

// IngestOneUpAuditEvents stores every good AuditEvent of a payload and
// answers each item. Whole-payload errors (not JSON, unsupported media type)
// are INVALID_ARGUMENT; an item that cannot be normalized is kept as a dead
// letter and answered DEAD_LETTERED.
func (s *Service) IngestOneUpAuditEvents(ctx context.Context, req *conneventsv1.IngestOneUpAuditEventsRequest) (*conneventsv1.IngestOneUpAuditEventsResponse, error) {
	if len(req.GetPayload()) > oneup.MaxPushBytes {
		s.board.Rejected(oneupSrc, reason.BodyTooLarge)
		return nil, s.toStatus(reason.New(reason.BodyTooLarge, "the payload is larger than 10 MiB"))
	}
	items, err := parseOneUp(ctx, req)
	if err != nil {
		s.board.Rejected(oneupSrc, reason.Of(err))
		return nil, s.toStatus(err)
	}
	results := make([]*conneventsv1.IngestResult, len(items))
	var good []*conneventsv1.ConnectionEvent
	var goodIdx, badIdx []int
	var bad []oneup.Item
	for i, it := range items {
		if it.Err != nil {
			bad, badIdx = append(bad, it), append(badIdx, i)
			continue
		}
		good = append(good, it.Event)
		goodIdx = append(goodIdx, i)
	}
	if len(bad) > 0 {
		kept, err := s.keeper.KeepItems(ctx, oneupSrc, bad)
		if err != nil {
			return nil, s.toStatus(err)
		}
		for j, d := range kept {
			results[badIdx[j]] = deadLetterResult(d)
		}
	}
	appended, err := s.ingester.Ingest(ctx, good)
	if err != nil {
		return nil, s.toStatus(err)
	}
	for j, a := range appended {
		results[goodIdx[j]] = ingestResult(a)
	}
	s.logger.InfoContext(ctx, "oneup audit events pushed", "items", len(items), "accepted", len(good))
	return &conneventsv1.IngestOneUpAuditEventsResponse{Results: results}, nil
}

const oneupSrc = conneventsv1.Source_SOURCE_ONEUP

// parseOneUp splits and normalizes a push, in a span (oneup.Parse applies
// ingest.Storable to every item, so an item no store can hold fails alone).
func parseOneUp(ctx context.Context, req *conneventsv1.IngestOneUpAuditEventsRequest) ([]oneup.Item, error) {
	_, span := tracer().Start(ctx, "normalize", trace.WithAttributes(attribute.String("source", oneupSrc.String())))
	defer span.End()
	items, err := oneup.Parse(req.GetContentType(), req.GetPayload())
	if err != nil {
		span.SetAttributes(attribute.String("reason", string(reason.Of(err))))
		return nil, err
	}
	bad := 0
	for _, it := range items {
		if it.Err != nil {
			bad++
		}
	}
	span.SetAttributes(attribute.Int("items", len(items)), attribute.Int("unreadable", bad))
	return items, nil
}

func ingestResult(a store.Appended) *conneventsv1.IngestResult {
	st := conneventsv1.IngestStatus_INGEST_STATUS_STORED
	if a.Duplicate {
		st = conneventsv1.IngestStatus_INGEST_STATUS_DUPLICATE
	}
	return &conneventsv1.IngestResult{
		Status:        st,
		EventId:       a.Event.GetId(),
		Sequence:      a.Event.GetSequence(),
		SourceEventId: a.Event.GetSourceEventId(),
	}
}

func deadLetterResult(d *conneventsv1.DeadLetter) *conneventsv1.IngestResult {
	return &conneventsv1.IngestResult{
		Status:       conneventsv1.IngestStatus_INGEST_STATUS_DEAD_LETTERED,
		Reason:       d.GetReason(),
		Message:      d.GetMessage(),
		DeadLetterId: d.GetId(),
	}
}
