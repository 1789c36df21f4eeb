package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// JourneyExplainer is a store that shows the database's plan for a
// ListJourneys.
type JourneyExplainer interface {
	Explainer
	ExplainListJourneys(ctx context.Context, q store.JourneyQuery) ([]string, error)
}

// NamedJourneyFilter is a connection filter of the plan cases. Common is
// set when every field of it matches a large part of the journeys (walking
// them by last activity finds a page within a few journeys per match).
// Selective is set when a field of it matches few journeys and has an
// index that reads only those, and no time bound limits a walk by last
// activity: such a filter must not walk the journeys by last activity
// checking each. Term is set when it names a patient or a health system:
// the plan reads that term's journeys (a patient's few; a health system's
// grow with it) and orders them.
type NamedJourneyFilter struct {
	Name                    string
	Filter                  *conneventsv1.ConnectionFilter
	Common, Selective, Term bool
}

// JourneyPlanFilters returns every ConnectionFilter field alone and every
// pair of fields, with values like users ask for (each selective value
// matches at most a few percent of the plan data set's journeys); end is the time of the
// newest events of the plan data set.
func JourneyPlanFilters(end time.Time) []NamedJourneyFilter {
	type field struct {
		name              string
		common, selective bool // time bounds are neither
		set               func(*conneventsv1.ConnectionFilter)
	}
	fields := []field{
		{"sources", true, false, func(f *conneventsv1.ConnectionFilter) {
			f.Sources = []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}
		}},
		{"statuses", false, true, func(f *conneventsv1.ConnectionFilter) {
			f.Statuses = []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED}
		}},
		{"statuses(2)", false, true, func(f *conneventsv1.ConnectionFilter) {
			f.Statuses = []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED,
				conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED}
		}},
		{"stages", false, true, func(f *conneventsv1.ConnectionFilter) {
			f.Stages = []conneventsv1.Stage{conneventsv1.Stage_STAGE_AUTHORIZATION}
		}},
		{"patient", false, true, func(f *conneventsv1.ConnectionFilter) { f.Patient = "user-43" }},
		{"health_system", false, true, func(f *conneventsv1.ConnectionFilter) { f.HealthSystem = "Health System 7" }},
		{"api_mode", false, true, func(f *conneventsv1.ConnectionFilter) { f.ApiMode = conneventsv1.ApiMode_API_MODE_TEST }},
		{"last_event_after", false, false, func(f *conneventsv1.ConnectionFilter) {
			f.LastEventAfter = timestamppb.New(end.Add(-time.Hour))
		}},
		{"last_event_before", false, false, func(f *conneventsv1.ConnectionFilter) {
			f.LastEventBefore = timestamppb.New(end.Add(-59 * 24 * time.Hour))
		}},
		{"stalled_for", false, true, func(f *conneventsv1.ConnectionFilter) { f.StalledFor = durationpb.New(time.Hour) }},
	}
	named := func(fs ...field) NamedJourneyFilter {
		nf := NamedJourneyFilter{Filter: &conneventsv1.ConnectionFilter{}, Common: true}
		timed := false
		for i, fd := range fs {
			fd.set(nf.Filter)
			if i > 0 {
				nf.Name += "+"
			}
			nf.Name += fd.name
			nf.Common = nf.Common && fd.common
			nf.Selective = nf.Selective || fd.selective
			timed = timed || !fd.common && !fd.selective
		}
		nf.Selective = nf.Selective && !timed
		nf.Term = nf.Filter.GetPatient() != "" || nf.Filter.GetHealthSystem() != ""
		return nf
	}
	var out []NamedJourneyFilter
	for i, a := range fields {
		out = append(out, named(a))
		for _, b := range fields[i+1:] {
			if strings.HasPrefix(b.name, a.name) {
				continue // statuses twice
			}
			out = append(out, named(a, b))
		}
	}
	return out
}

// journeyPlanEvent is the one event of journey i of the journey plan data
// set: most journeys completed, a few (1 in 45) still authorized, which
// RunJourneyPlans marks stalled, failed (1 in 50) or declined (1 in 70);
// 1 in 33 in test mode; either source, 500 health systems, 30,000 patients,
// last events spread over the 60 days before end.
func journeyPlanEvent(i int, end time.Time) *conneventsv1.ConnectionEvent {
	ev := ScaleEvent(i*eventsPerJourney+9, PlanEvents, end)
	switch {
	case i%45 == 5:
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION
	case i%50 == 7:
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, conneventsv1.Stage_STAGE_AUTHORIZATION
	case i%70 == 3:
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, conneventsv1.Stage_STAGE_AUTHORIZATION
	default:
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION
	}
	if i%33 == 5 {
		ev.ApiMode = conneventsv1.ApiMode_API_MODE_TEST
	}
	return ev
}

// RunJourneyPlans stores PlanEvents journeys of one event each, marks the
// authorized ones stalled, calls analyze (or nil), then asks for the plan of every JourneyPlanFilters
// filter, first page and a deep page, newest first and oldest first, and
// fails the test for each plan that walks reports as reading journeys the
// filter does not select, except the filters named in known (a known
// filter whose plan no longer walks fails too).
func RunJourneyPlans(t *testing.T, s JourneyExplainer, analyze func(t *testing.T), walks func(plan []string, f NamedJourneyFilter) bool, known ...string) {
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events := make([]*conneventsv1.ConnectionEvent, PlanEvents)
	for i := range events {
		events[i] = journeyPlanEvent(i, end)
	}
	for lo := 0; lo < len(events); lo += 1000 {
		if _, err := s.Append(t.Context(), events[lo:lo+1000]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkStalled(t.Context(), end.Add(365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if analyze != nil {
		analyze(t)
	}
	middle := store.JourneyKey{LastEventAt: end.Add(-30 * 24 * time.Hour), ID: "cnx_m"}
	for _, nf := range JourneyPlanFilters(end) {
		walked := 0
		for _, q := range []store.JourneyQuery{
			{Filter: nf.Filter, Limit: 100, Now: end},
			{Filter: nf.Filter, Limit: 100, Now: end, After: &middle},
			{Filter: nf.Filter, Limit: 100, Now: end, Order: store.Ascending},
			{Filter: nf.Filter, Limit: 100, Now: end, Order: store.Ascending, After: &middle},
		} {
			plan, err := s.ExplainListJourneys(t.Context(), q)
			if err != nil {
				t.Fatalf("%s: %v", nf.Name, err)
			}
			if !walks(plan, nf) {
				continue
			}
			walked++
			if !slices.Contains(known, nf.Name) {
				t.Errorf("%s (after %v, order %v) walks the journeys:\n%s", nf.Name, q.After != nil, q.Order,
					strings.Join(plan, "\n"))
			}
		}
		if walked == 0 && slices.Contains(known, nf.Name) {
			t.Errorf("%s is listed as walking the journeys but no longer does: take it off the list", nf.Name)
		}
	}
}
