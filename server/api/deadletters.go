package api

import (
	"context"
	"errors"

	"github.com/google/uuid"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

var (
	errDeadLetterNotFound = reason.New(reason.DeadLetterNotFound, "no such dead letter")
	errDeadLetterPage     = reason.New(reason.PageTokenInvalid, "page_token is malformed")
)

// ListDeadLetters returns one page of dead letters, newest first, without
// their raw bytes. The page token is the last id of the page.
func (s *Service) ListDeadLetters(ctx context.Context, req *conneventsv1.ListDeadLettersRequest) (*conneventsv1.ListDeadLettersResponse, error) {
	limit := int(req.GetPageSize())
	switch {
	case limit < 0:
		return nil, s.toStatus(reason.New(reason.PageSizeNegative, "page_size must not be negative"))
	case limit == 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	before := req.GetPageToken()
	if before != "" && !isDeadLetterID(before) {
		return nil, s.toStatus(errDeadLetterPage)
	}
	list, err := s.store.ListDeadLetters(ctx, store.DeadLetterQuery{Source: req.GetSource(), Before: before, Limit: limit + 1})
	if err != nil {
		return nil, s.toStatus(err)
	}
	resp := &conneventsv1.ListDeadLettersResponse{DeadLetters: list}
	if len(list) > limit {
		resp.DeadLetters = list[:limit]
		resp.NextPageToken = list[limit-1].GetId()
	}
	return resp, nil
}

// GetDeadLetter returns one dead letter with its raw bytes.
func (s *Service) GetDeadLetter(ctx context.Context, req *conneventsv1.GetDeadLetterRequest) (*conneventsv1.GetDeadLetterResponse, error) {
	d, err := s.getDeadLetter(ctx, req.GetId())
	if err != nil {
		return nil, s.toStatus(err)
	}
	return &conneventsv1.GetDeadLetterResponse{DeadLetter: d}, nil
}

// RetryDeadLetter normalizes a dead letter again. On success the event
// goes through the one ingest path (which stores it exactly once: a second
// retry, or a redelivery, is a duplicate) and the dead letter is deleted;
// otherwise the dead letter stays with the new reason and a retry counted.
func (s *Service) RetryDeadLetter(ctx context.Context, req *conneventsv1.RetryDeadLetterRequest) (*conneventsv1.RetryDeadLetterResponse, error) {
	d, err := s.getDeadLetter(ctx, req.GetId())
	if err != nil {
		return nil, s.toStatus(err)
	}
	ev, nerr := normalize(ctx, d.GetSource(), d.GetRaw())
	if nerr != nil {
		r := reason.Of(nerr)
		msg := nerr.Error()
		var re *reason.Error
		if errors.As(nerr, &re) {
			msg = re.Message
		}
		if err := s.store.DeadLetterRetried(ctx, d.GetId(), string(r), msg); err != nil {
			return nil, s.toStatus(s.deadLetterErr(err))
		}
		s.logger.InfoContext(ctx, "dead letter still unreadable", "dead_letter_id", d.GetId(), "reason", string(r))
		return nil, s.toStatus(&reason.Error{
			Reason: reason.DeadLetterStillUnreadable, Message: "the dead letter still cannot be normalized: " + msg,
			Metadata: map[string]string{"reason": string(r)},
		})
	}
	appended, err := s.ingester.Ingest(ctx, []*conneventsv1.ConnectionEvent{ev})
	if err != nil {
		return nil, s.toStatus(err)
	}
	// The event is durable: deleting the dead letter may now fail (or
	// lose to a concurrent retry) without anything being lost.
	if err := s.store.DeleteDeadLetter(ctx, d.GetId()); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.logger.ErrorContext(ctx, "deleting a retried dead letter", "dead_letter_id", d.GetId(), "err", err)
	}
	res := ingestResult(appended[0])
	s.logger.InfoContext(ctx, "dead letter retried", "dead_letter_id", d.GetId(), "event_id", res.GetEventId(), "status", res.GetStatus().String())
	return &conneventsv1.RetryDeadLetterResponse{Result: res}, nil
}

// DiscardDeadLetter deletes a dead letter.
func (s *Service) DiscardDeadLetter(ctx context.Context, req *conneventsv1.DiscardDeadLetterRequest) (*conneventsv1.DiscardDeadLetterResponse, error) {
	if req.GetId() == "" {
		return nil, s.toStatus(reason.New(reason.IDRequired, "id is required"))
	}
	if err := s.store.DeleteDeadLetter(ctx, req.GetId()); err != nil {
		return nil, s.toStatus(s.deadLetterErr(err))
	}
	s.logger.InfoContext(ctx, "dead letter discarded", "dead_letter_id", req.GetId())
	return &conneventsv1.DiscardDeadLetterResponse{}, nil
}

func (s *Service) getDeadLetter(ctx context.Context, id string) (*conneventsv1.DeadLetter, error) {
	if id == "" {
		return nil, reason.New(reason.IDRequired, "id is required")
	}
	d, err := s.store.GetDeadLetter(ctx, id)
	return d, s.deadLetterErr(err)
}

// deadLetterErr names the store's not-found for dead letters.
func (s *Service) deadLetterErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errDeadLetterNotFound
	}
	return err
}

// isDeadLetterID reports whether s is a dead letter id: a UUID in its
// canonical form.
func isDeadLetterID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}
