package journey

import (
	"testing"
	"time"

	"github.com/connevents/connevents/server/oneup"
)

// BenchmarkStoredApply is the journey upkeep of one appended event on the
// write path: read the stored state, apply the event, store it again.
func BenchmarkStoredApply(b *testing.B) {
	st := Fold(randomJourney(newRand(7)))
	stored, err := st.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	ev := up(b, oneup.SubtypeResourceIngestionResult, t0.Add(time.Hour), 9999, "0")
	b.ReportAllocs()
	for b.Loop() {
		s, err := Unmarshal(stored)
		if err != nil {
			b.Fatal(err)
		}
		s.Apply(ev)
		if _, err := s.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFold folds a 1,000-event journey from scratch (rebuild).
func BenchmarkFold(b *testing.B) {
	r := newRand(8)
	evs := randomJourney(r)
	for len(evs) < 1000 {
		more := randomJourney(r)
		for i, ev := range more {
			ev.SourceEventId = ev.GetSourceEventId() + "-" + string(rune('a'+len(evs)%26)) + string(rune('a'+i%26)) + time.Duration(len(evs)).String()
		}
		evs = append(evs, more...)
	}
	b.ReportAllocs()
	for b.Loop() {
		Fold(evs)
	}
}
