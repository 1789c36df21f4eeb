package api

import (
	"context"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reject"
	"github.com/connevents/connevents/server/status"
)

// ListSourceStatuses reports every source.
func (s *Service) ListSourceStatuses(context.Context, *conneventsv1.ListSourceStatusesRequest) (*conneventsv1.ListSourceStatusesResponse, error) {
	resp := &conneventsv1.ListSourceStatusesResponse{}
	for _, src := range status.Sources() {
		resp.Statuses = append(resp.Statuses, s.sourceStatus(src))
	}
	return resp, nil
}

// GetSourceStatus reports one source.
func (s *Service) GetSourceStatus(_ context.Context, req *conneventsv1.GetSourceStatusRequest) (*conneventsv1.GetSourceStatusResponse, error) {
	st := s.sourceStatus(req.GetSource())
	if st == nil {
		return nil, s.toStatus(reject.New("SOURCE_UNKNOWN", "source must be SOURCE_FASTEN or SOURCE_ONEUP"))
	}
	return &conneventsv1.GetSourceStatusResponse{Status: st}, nil
}

// sourceStatus is the board's status of src, or nil for an unknown source.
// Each field has one owner: the board counts events, duplicates and
// rejections from every door (poll and push); a running 1upHealth poller
// owns SOURCE_ONEUP's state, last success, last error and checkpoint.
func (s *Service) sourceStatus(src conneventsv1.Source) *conneventsv1.SourceStatus {
	st := s.board.Get(src)
	if st == nil || src != conneventsv1.Source_SOURCE_ONEUP || s.oneup == nil {
		return st
	}
	poller := s.oneup()
	st.State = poller.GetState()
	st.LastSuccessAt = poller.GetLastSuccessAt()
	st.LastErrorAt = poller.GetLastErrorAt()
	st.LastError = poller.GetLastError()
	st.Checkpoint = poller.GetCheckpoint()
	return st
}
