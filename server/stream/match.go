package stream

import (
	"slices"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Match reports whether ev passes f, with the semantics of store.Query's
// filter (a test holds the two to the same answers).
func Match(f *conneventsv1.EventFilter, ev *conneventsv1.ConnectionEvent) bool {
	if f == nil {
		return true
	}
	return anyOf(f.GetSources(), ev.GetSource()) &&
		anyOf(f.GetTypes(), ev.GetType()) &&
		anyOf(f.GetStages(), ev.GetStage()) &&
		anyOf(f.GetOutcomes(), ev.GetOutcome()) &&
		matchPatient(f.GetPatient(), ev.GetPatient()) &&
		(f.GetOrgConnectionId() == "" || f.GetOrgConnectionId() == ev.GetConnection().GetOrgConnectionId()) &&
		(f.GetConnectionId() == "" || f.GetConnectionId() == ev.GetConnectionId()) &&
		(f.GetApiMode() == conneventsv1.ApiMode_API_MODE_UNSPECIFIED || f.GetApiMode() == ev.GetApiMode()) &&
		matchTime(f, ev)
}

func anyOf[T comparable](want []T, got T) bool {
	return len(want) == 0 || slices.Contains(want, got)
}

func matchPatient(want string, p *conneventsv1.Patient) bool {
	return want == "" || want == p.GetExternalId() || want == p.GetOneupUserId() || want == p.GetFhirPatientReference() ||
		want == p.GetExternalState()
}

func matchTime(f *conneventsv1.EventFilter, ev *conneventsv1.ConnectionEvent) bool {
	at := ev.GetOccurredAt().AsTime()
	if f.GetOccurredAfter() != nil && at.Before(f.GetOccurredAfter().AsTime()) {
		return false
	}
	if f.GetOccurredBefore() != nil && !at.Before(f.GetOccurredBefore().AsTime()) {
		return false
	}
	return true
}
