package storetest

import (
	_ "embed"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// earlierJSONState is a journey state as releases before migration 8
// stored it (JSON; 20 events of SampleEvent's connection orgconn-0),
// written by that release's code.
//
//go:embed testdata/journey-state-v1.json
var earlierJSONState string

// RunEarlierJourneyState checks that a journey whose state an earlier
// release stored as JSON still reads, and that the next event folds into
// it. setState writes a state, as text, the way the earlier release did,
// into journey id's row, and returns the store to go on with (the same, or
// one reopened, having migrated).
func RunEarlierJourneyState(t *testing.T, s store.Store, setState func(t *testing.T, id, state string) store.Store) {
	got := mustAppend(t, s, SampleEvent(0))
	id := got[0].Event.GetConnectionId()
	s = setState(t, id, earlierJSONState)
	j, _, err := s.GetJourney(t.Context(), id, 0)
	if err != nil || j.GetEventCount() != 20 || j.GetPatient().GetExternalId() != "patient-0" {
		t.Fatalf("journey with an earlier JSON state: %v, %v; want 20 events of patient-0", j, err)
	}
	mustAppend(t, s, SampleEvent(5000)) // the same connection
	page, err := s.ListJourneys(t.Context(), store.JourneyQuery{Limit: 10, Filter: &conneventsv1.ConnectionFilter{Patient: "patient-0"}})
	if err != nil || len(page) != 1 || page[0].GetEventCount() != 21 {
		t.Fatalf("after one more event: %v, %v; want one journey of 21 events", page, err)
	}
}
