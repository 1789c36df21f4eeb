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

// A source expected every d turns DEGRADED after d without an arrival,
// with the reason; an event (or a dead letter) clears it; a poller error
// state is not hidden by it.
func TestBoardSilence(t *testing.T) {
	b := NewBoard()
	const src = conneventsv1.Source_SOURCE_FASTEN
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	b.Enable(src)
	b.ExpectEvery(src, time.Hour, "--fasten-expect-every", t0)
	b.CheckSilence(t0.Add(59 * time.Minute))
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK {
		t.Fatalf("before the hour: %v", st)
	}
	b.CheckSilence(t0.Add(61 * time.Minute))
	st := b.Get(src)
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_DEGRADED || st.GetDegradedReason() != "nothing arrived for 1h1m0s (--fasten-expect-every is 1h0m0s)" {
		t.Fatalf("after the hour: %v", st)
	}
	b.Succeeded(src, t0.Add(62*time.Minute)) // a success without an event keeps it degraded
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_DEGRADED {
		t.Errorf("after a success without events: %v", st)
	}
	b.DeadLettered(src, reason.MissingID, t0.Add(63*time.Minute))
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || st.GetDegradedReason() != "" ||
		st.GetDeadLettersByReason()[string(reason.MissingID)] != 1 {
		t.Errorf("after a dead letter: %v", st)
	}
	b.CheckSilence(t0.Add(2 * time.Hour)) // 57 minutes after the dead letter
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK {
		t.Errorf("the silence is counted from the last arrival: %v", st)
	}
	b.Failed(src, t0.Add(2*time.Hour), conneventsv1.SourceState_SOURCE_STATE_ERROR, "down")
	b.CheckSilence(t0.Add(3 * time.Hour))
	if st := b.Get(src); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_ERROR || st.GetDegradedReason() == "" {
		t.Errorf("an error state under a silence: %v", st)
	}
	b.Ingested(src, 0, 1, t0.Add(3*time.Hour)) // a duplicate arrived too
	if st := b.Get(src); st.GetDegradedReason() != "" {
		t.Errorf("after a duplicate: %v", st)
	}
}
