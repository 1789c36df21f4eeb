package api

import (
	"context"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// IngestFastenWebhook verifies, normalizes and stores one Fasten delivery.
// The HTTP webhook route calls it in-process too, so both doors share every
// rule.
func (s *Service) IngestFastenWebhook(ctx context.Context, req *conneventsv1.IngestFastenWebhookRequest) (*conneventsv1.IngestFastenWebhookResponse, error) {
	ev, err := s.acceptFasten(req)
	if err != nil {
		s.board.Rejected(conneventsv1.Source_SOURCE_FASTEN, reason.Of(err))
		s.logger.Info("fasten delivery rejected", "reason", reason.Of(err))
		return nil, s.toStatus(err)
	}
	appended, err := s.ingester.Ingest(ctx, []*conneventsv1.ConnectionEvent{ev})
	if err != nil {
		return nil, s.toStatus(err)
	}
	res := ingestResult(appended[0])
	s.board.Succeeded(conneventsv1.Source_SOURCE_FASTEN, s.now())
	s.logger.Info("fasten delivery accepted", "event_id", res.GetEventId(), "type", ev.GetSourceEventType(), "status", res.GetStatus().String())
	return &conneventsv1.IngestFastenWebhookResponse{Result: res}, nil
}

func (s *Service) acceptFasten(req *conneventsv1.IngestFastenWebhookRequest) (*conneventsv1.ConnectionEvent, error) {
	// The HTTP route stops larger bodies while reading them (413); a relay's
	// arrive whole, so the same limit is checked here.
	if len(req.GetPayload()) > fasten.MaxBodyBytes {
		return nil, reason.New(reason.BodyTooLarge, "the delivery body is larger than 256 KiB")
	}
	if !s.noVerify {
		h := fasten.Headers{ID: req.GetWebhookId(), Timestamp: req.GetWebhookTimestamp(), Signature: req.GetWebhookSignature()}
		if err := s.verifier.Verify(h, req.GetPayload(), s.now()); err != nil {
			return nil, err
		}
	}
	ev, err := fasten.Normalize(req.GetPayload())
	if err != nil {
		return nil, err
	}
	// Ingest checks this too; here it counts as the delivery's rejection.
	if err := ingest.Storable(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// IngestOneUpAuditEvents stores every good AuditEvent of a payload and
// answers each item. Whole-payload errors (not JSON, unsupported media type)
// are INVALID_ARGUMENT; item errors are REJECTED results.
func (s *Service) IngestOneUpAuditEvents(ctx context.Context, req *conneventsv1.IngestOneUpAuditEventsRequest) (*conneventsv1.IngestOneUpAuditEventsResponse, error) {
	if len(req.GetPayload()) > oneup.MaxPushBytes {
		s.board.Rejected(conneventsv1.Source_SOURCE_ONEUP, reason.BodyTooLarge)
		return nil, s.toStatus(reason.New(reason.BodyTooLarge, "the payload is larger than 10 MiB"))
	}
	items, err := oneup.Parse(req.GetContentType(), req.GetPayload())
	if err != nil {
		s.board.Rejected(conneventsv1.Source_SOURCE_ONEUP, reason.Of(err))
		return nil, s.toStatus(err)
	}
	results := make([]*conneventsv1.IngestResult, len(items))
	var good []*conneventsv1.ConnectionEvent
	var goodIdx []int
	for i, it := range items {
		if it.Err != nil {
			results[i] = rejectedResult(it.Err)
			s.board.Rejected(conneventsv1.Source_SOURCE_ONEUP, reason.Of(it.Err))
			continue
		}
		good = append(good, it.Event)
		goodIdx = append(goodIdx, i)
	}
	appended, err := s.ingester.Ingest(ctx, good)
	if err != nil {
		return nil, s.toStatus(err)
	}
	for j, a := range appended {
		results[goodIdx[j]] = ingestResult(a)
	}
	s.logger.Info("oneup audit events pushed", "items", len(items), "accepted", len(good))
	return &conneventsv1.IngestOneUpAuditEventsResponse{Results: results}, nil
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

func rejectedResult(err error) *conneventsv1.IngestResult {
	res := &conneventsv1.IngestResult{Status: conneventsv1.IngestStatus_INGEST_STATUS_REJECTED, Reason: string(reason.Of(err))}
	if r, ok := err.(*reason.Error); ok {
		res.Message = r.Message
	}
	return res
}
