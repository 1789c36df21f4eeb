package api

import (
	"context"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/status"
)

// ListSourceStatuses reports every source, as the status board (the one
// owner of source status) has it.
func (s *Service) ListSourceStatuses(context.Context, *conneventsv1.ListSourceStatusesRequest) (*conneventsv1.ListSourceStatusesResponse, error) {
	resp := &conneventsv1.ListSourceStatusesResponse{}
	for _, src := range status.Sources() {
		resp.Statuses = append(resp.Statuses, s.board.Get(src))
	}
	return resp, nil
}

// GetSourceStatus reports one source.
func (s *Service) GetSourceStatus(_ context.Context, req *conneventsv1.GetSourceStatusRequest) (*conneventsv1.GetSourceStatusResponse, error) {
	st := s.board.Get(req.GetSource())
	if st == nil {
		return nil, s.toStatus(reason.New(reason.SourceUnknown, "source must be SOURCE_FASTEN or SOURCE_ONEUP"))
	}
	return &conneventsv1.GetSourceStatusResponse{Status: st}, nil
}
