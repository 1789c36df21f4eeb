package status

import (
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

func TestBoardOneWriterPerField(t *testing.T) {
	b := NewBoard()
	const src = conneventsv1.Source_SOURCE_ONEUP
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_DISABLED {
		t.Fatalf("new board: %v", st)
	}
	b.Enable(src)
	b.Ingested(src, 3, 1, t0)
	b.Rejected(src, reason.NotAnAuditEvent)
	b.Rejected(src, reason.NotAnAuditEvent)
	b.Checkpointed(src, t0.Add(-time.Hour))
	b.Failed(src, t0, conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR, "refused")
	st := b.Get(src)
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR || st.GetLastError() != "refused" ||
		!st.GetLastErrorAt().AsTime().Equal(t0) || st.GetLastSuccessAt() != nil {
		t.Errorf("after a failure: %v", st)
	}
	b.Succeeded(src, t0.Add(time.Minute))
	st = b.Get(src)
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || !st.GetLastSuccessAt().AsTime().Equal(t0.Add(time.Minute)) ||
		st.GetLastError() != "refused" {
		t.Errorf("after a success: %v", st)
	}
	if st.GetEventsIngested() != 3 || st.GetDuplicates() != 1 || st.GetRejectionsByReason()[string(reason.NotAnAuditEvent)] != 2 ||
		!st.GetCheckpoint().AsTime().Equal(t0.Add(-time.Hour)) {
		t.Errorf("counts and checkpoint: %v", st)
	}
	if other := b.Get(conneventsv1.Source_SOURCE_FASTEN); other.GetEventsIngested() != 0 || len(other.GetRejectionsByReason()) != 0 {
		t.Errorf("another source changed: %v", other)
	}
	if b.Get(conneventsv1.Source_SOURCE_UNSPECIFIED) != nil {
		t.Error("an unknown source has a status")
	}
}
