package journey

import (
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// t0 is the time the example journeys start at.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testSecret keys the Namer in tests.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// fastenEvent normalizes a Fasten sample delivery of typ at time at, as
// sequence seq, with the given options (for example WithVariant).
func fastenEvent(tb testing.TB, typ string, at time.Time, seq int64, opts ...fasten.SampleOption) *conneventsv1.ConnectionEvent {
	tb.Helper()
	body, err := fasten.Sample(typ, append([]fasten.SampleOption{fasten.WithDate(at)}, opts...)...)
	if err != nil {
		tb.Fatalf("fasten.Sample(%s): %v", typ, err)
	}
	ev, err := fasten.Normalize(body)
	if err != nil {
		tb.Fatalf("fasten.Normalize(%s): %v", typ, err)
	}
	ev.Sequence = seq
	return ev
}

// oneupEvent normalizes a 1upHealth AuditEvent.
func oneupEvent(tb testing.TB, e oneuptest.Event, seq int64) *conneventsv1.ConnectionEvent {
	tb.Helper()
	if e.ID == "" {
		e.ID = e.Subtype + "-" + e.Recorded.Format(time.RFC3339Nano)
	}
	if e.UserID == "" {
		e.UserID = "118044"
	}
	if e.SystemID == "" {
		e.SystemID, e.SystemName = "4706", "Humana"
	}
	ev, err := oneup.Normalize(oneuptest.AuditEvent(e))
	if err != nil {
		tb.Fatalf("oneup.Normalize(%s): %v", e.Subtype, err)
	}
	ev.Sequence = seq
	return ev
}

// journeyOf folds events and renders the journey at now with the default
// thresholds.
func journeyOf(now time.Time, events ...*conneventsv1.ConnectionEvent) *conneventsv1.ConnectionJourney {
	st := Fold(events)
	return st.Journey("cnx_test", now, DefaultThresholds())
}
