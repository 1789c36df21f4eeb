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
	deep := deepPageFilters(end)
	for _, nf := range append(PlanFilters(connection, end), deep...) {
		queries := planQueries(nf.Filter)
		if slices.Contains(deep, nf) {
			queries = []store.Query{queries[1], queries[3]}
		}
		scans := 0
		for _, q := range queries {
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

// deepPageFilters are planned for deep pages only: an occurred_before
// bound an hour ago, which nearly every event meets, alone and with a
// common field. A first page of it walks from the head back to the bound
// (what arrived since), which a planner may rightly choose on a small log.
// A deep page must read the stragglers from their index, not walk its
// page's range testing each row (PostgreSQL did, estimating the
// stragglers' index as broad as a third of the log: 20 ms a deep page at
// 1,000,000 events).
func deepPageFilters(end time.Time) []NamedFilter {
	commons := []struct {
		name string
		set  func(*conneventsv1.EventFilter)
	}{
		{"", func(*conneventsv1.EventFilter) {}},
		{"+sources", func(f *conneventsv1.EventFilter) {
			f.Sources = []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN}
		}},
		{"+stages", func(f *conneventsv1.EventFilter) { f.Stages = []conneventsv1.Stage{conneventsv1.Stage_STAGE_TRANSFER} }},
		{"+api_mode", func(f *conneventsv1.EventFilter) { f.ApiMode = conneventsv1.ApiMode_API_MODE_TEST }},
	}
	out := make([]NamedFilter, len(commons))
	for i, c := range commons {
		f := &conneventsv1.EventFilter{OccurredBefore: timestamppb.New(end.Add(-time.Hour))}
		c.set(f)
		out[i] = NamedFilter{Name: "occurred_before_1h_ago" + c.name + " (deep pages)", Filter: f}
	}
	return out
}

// planQueries are the pages RunPlans plans for f: first and deep, newest
// and oldest first (deepPageFilters take the second and fourth).
func planQueries(f *conneventsv1.EventFilter) []store.Query {
	return []store.Query{
		{Filter: f, Limit: 100},
		{Filter: f, Limit: 100, Before: PlanEvents / 20},
		{Filter: f, Limit: 100, Order: store.Ascending},
		{Filter: f, Limit: 100, Order: store.Ascending, After: PlanEvents / 2},
	}
}
