package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// Explainer is a store that shows the database's plan for a List.
type Explainer interface {
	store.Store
	ExplainList(ctx context.Context, q store.Query) ([]string, error)
}

// PlanEvents is the number of events RunPlans stores: enough for a
// planner with statistics to prefer an index to a scan where one serves.
const PlanEvents = 20_000

// planEvent is event i of the plan data set: ScaleEvent's journeys, with a
// rare failing type and outcome (1 in 250 and 1 in 500) and test mode (1 in
// 33), like real traffic.
func planEvent(i int, end time.Time) *conneventsv1.ConnectionEvent {
	ev := ScaleEvent(i, PlanEvents/eventsPerJourney, end)
	if i%250 == 7 {
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, conneventsv1.Stage_STAGE_AUTHORIZATION
	}
	if i%500 == 11 {
		ev.Outcome = conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE
	}
	if i%33 == 5 {
		ev.ApiMode = conneventsv1.ApiMode_API_MODE_TEST
	}
	return ev
}

// NamedFilter is a filter of the plan cases. Common is set when every
// field of it matches a large part of the log (sources=FASTEN,
// stages=TRANSFER): walking the log in sequence order finds a page of those
// within a few rows per match, and a planner may rightly prefer that.
type NamedFilter struct {
	Name   string
	Filter *conneventsv1.EventFilter
	Common bool
}

// PlanFilters returns every EventFilter field alone, every pair of fields,
// and a filter that matches nothing, with values like users ask for;
// connection is a journey id, end the time of the newest events.
func PlanFilters(connection string, end time.Time) []NamedFilter {
	fields := []struct {
		name   string
		common bool
		set    func(*conneventsv1.EventFilter)
	}{
		{"sources", true, func(f *conneventsv1.EventFilter) {
			f.Sources = []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN}
		}},
		{"types", false, func(f *conneventsv1.EventFilter) {
			f.Types = []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED}
		}},
		{"stages", true, func(f *conneventsv1.EventFilter) { f.Stages = []conneventsv1.Stage{conneventsv1.Stage_STAGE_TRANSFER} }},
		{"outcomes", false, func(f *conneventsv1.EventFilter) {
			f.Outcomes = []conneventsv1.Outcome{conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE}
		}},
		{"patient", false, func(f *conneventsv1.EventFilter) { f.Patient = "patient-42" }},
		{"org_connection_id", false, func(f *conneventsv1.EventFilter) { f.OrgConnectionId = "orgconn-42" }},
		{"connection_id", false, func(f *conneventsv1.EventFilter) { f.ConnectionId = connection }},
		{"api_mode", false, func(f *conneventsv1.EventFilter) { f.ApiMode = conneventsv1.ApiMode_API_MODE_TEST }},
		{"occurred_after", false, func(f *conneventsv1.EventFilter) { f.OccurredAfter = timestamppb.New(end.Add(-time.Hour)) }},
		{"occurred_before", false, func(f *conneventsv1.EventFilter) {
			f.OccurredBefore = timestamppb.New(end.Add(-59 * 24 * time.Hour))
		}},
	}
	out := []NamedFilter{{"types=TEST (matches nothing)", &conneventsv1.EventFilter{
		Types: []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_TEST}}, false}}
	for i, a := range fields {
		f := &conneventsv1.EventFilter{}
		a.set(f)
		out = append(out, NamedFilter{a.name, f, a.common})
		for _, b := range fields[i+1:] {
			f := &conneventsv1.EventFilter{}
			a.set(f)
			b.set(f)
			out = append(out, NamedFilter{a.name + "+" + b.name, f, a.common && b.common})
		}
	}
	return out
}

// RunPlans stores PlanEvents events, calls analyze (the backend's way to
// give its planner statistics, or nil), then asks for the plan of every
// PlanFilters filter, first page and a deep page, newest first and oldest
// first, and fails the test for each plan that scanned reports as reading
// the whole events table (or walking its primary key with the filter
// checked row by row), except the filters named in known (the backend's
// documented gaps; a known filter whose plan no longer scans fails too, so
// that the list shrinks with the code).
func RunPlans(t *testing.T, s Explainer, analyze func(t *testing.T), scanned func(plan []string, f NamedFilter) bool, known ...string) {
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events := make([]*conneventsv1.ConnectionEvent, PlanEvents)
	for i := range events {
		events[i] = planEvent(i, end)
	}
	var connection string
	for lo := 0; lo < len(events); lo += 1000 {
		got, err := s.Append(t.Context(), events[lo:lo+1000])
		if err != nil {
			t.Fatal(err)
		}
		if connection == "" {
			connection = got[0].Event.GetConnectionId()
		}
	}
	if analyze != nil {
		analyze(t)
	}
	for _, nf := range PlanFilters(connection, end) {
		scans := 0
		for _, q := range planQueries(nf.Filter) {
			plan, err := s.ExplainList(t.Context(), q)
			if err != nil {
				t.Fatalf("%s: %v", nf.Name, err)
			}
			if !scanned(plan, nf) {
				continue
			}
			scans++
			if !slices.Contains(known, nf.Name) {
				t.Errorf("%s (after %d, before %d, order %v) scans the log:\n%s", nf.Name, q.After, q.Before, q.Order,
					strings.Join(plan, "\n"))
			}
		}
		if scans == 0 && slices.Contains(known, nf.Name) {
			t.Errorf("%s is listed as scanning the log but no longer does: take it off the list", nf.Name)
		}
	}
}

func planQueries(f *conneventsv1.EventFilter) []store.Query {
	return []store.Query{
		{Filter: f, Limit: 100},
		{Filter: f, Limit: 100, Before: PlanEvents / 20},
		{Filter: f, Limit: 100, Order: store.Ascending},
		{Filter: f, Limit: 100, Order: store.Ascending, After: PlanEvents / 2},
	}
}
