package stream_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/stream"
)

// stream.Match (live delivery) and the store's filter (history) must agree
// on every filter, or a subscription would change its answer when it
// switches from history to live.
func TestMatchAgreesWithStore(t *testing.T) {
	e := newEnv(t, stream.Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*conneventsv1.ConnectionEvent
	for i := 0; i < 200; i++ {
		ev := event(i)
		ev.Stage = conneventsv1.Stage(rng.IntN(5) + 1)
		ev.Outcome = conneventsv1.Outcome(rng.IntN(5))
		ev.ApiMode = conneventsv1.ApiMode(rng.IntN(3))
		ev.OccurredAt = timestamppb.New(base.Add(time.Duration(rng.IntN(100)) * time.Hour))
		ev.Connection = &conneventsv1.Connection{OrgConnectionId: []string{"", "org-a", "org-b"}[rng.IntN(3)]}
		ev.Patient.OneupUserId = []string{"", "u1", "u2"}[rng.IntN(3)]
		ev.Patient.FhirPatientReference = []string{"", "Patient/1", "u1"}[rng.IntN(3)]
		evs = append(evs, ev)
	}
	stored, err := e.ingest.Ingest(t.Context(), evs)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		f := randomFilter(rng, base)
		if rng.IntN(4) == 0 { // a journey's id (or "" for none), as the store set it
			f.ConnectionId = stored[rng.IntN(len(stored))].Event.GetConnectionId()
		}
		var want []int64
		for _, a := range stored {
			if stream.Match(f, a.Event) {
				want = append(want, a.Event.GetSequence())
			}
		}
		if got := e.logSequences(t, f); !slices.Equal(got, want) {
			t.Fatalf("filter %v: store has %v, Match says %v", f, got, want)
		}
	}
}

func randomFilter(rng *rand.Rand, base time.Time) *conneventsv1.EventFilter {
	f := &conneventsv1.EventFilter{}
	if rng.IntN(3) == 0 {
		f.Sources = []conneventsv1.Source{conneventsv1.Source(rng.IntN(2) + 1)}
	}
	if rng.IntN(3) == 0 {
		f.Types = []conneventsv1.EventType{4, conneventsv1.EventType(rng.IntN(14) + 1)}
	}
	if rng.IntN(3) == 0 {
		f.Stages = []conneventsv1.Stage{conneventsv1.Stage(rng.IntN(5) + 1)}
	}
	if rng.IntN(3) == 0 {
		f.Outcomes = []conneventsv1.Outcome{conneventsv1.Outcome(rng.IntN(5)), conneventsv1.Outcome(rng.IntN(5))}
	}
	if rng.IntN(3) == 0 {
		f.Patient = []string{"patient-1", "u1", "Patient/1", "u2"}[rng.IntN(4)]
	}
	if rng.IntN(4) == 0 {
		f.OrgConnectionId = []string{"org-a", "org-b"}[rng.IntN(2)]
	}
	if rng.IntN(4) == 0 {
		f.ApiMode = conneventsv1.ApiMode(rng.IntN(2) + 1)
	}
	if rng.IntN(3) == 0 {
		f.OccurredAfter = timestamppb.New(base.Add(time.Duration(rng.IntN(100)) * time.Hour))
	}
	if rng.IntN(3) == 0 {
		f.OccurredBefore = timestamppb.New(base.Add(time.Duration(rng.IntN(100)) * time.Hour))
	}
	return f
}
