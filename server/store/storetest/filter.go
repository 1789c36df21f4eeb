package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// filterSpec describes one event of the filter data set.
type filterSpec struct {
	name       string
	source     v1.Source
	typ        v1.EventType
	stage      v1.Stage
	outcome    v1.Outcome
	mode       v1.ApiMode
	ext, oneup string
	fhir, org  string
}

// filterData: patient "p1" is a's external id, c's 1upHealth user id and f's
// FHIR reference; each Fasten event's external state is "st-" and its name.
// Event i occurred at occurredAt(i).
func filterData() []filterSpec {
	const f, o = v1.Source_SOURCE_FASTEN, v1.Source_SOURCE_ONEUP
	return []filterSpec{
		{"a", f, v1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, v1.Stage_STAGE_AUTHORIZATION, v1.Outcome_OUTCOME_SUCCESS, v1.ApiMode_API_MODE_LIVE, "p1", "", "", "org1"},
		{"b", f, v1.EventType_EVENT_TYPE_CONNECTION_DECLINED, v1.Stage_STAGE_AUTHORIZATION, v1.Outcome_OUTCOME_MINOR_FAILURE, v1.ApiMode_API_MODE_TEST, "p2", "", "", "org2"},
		{"c", o, v1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, v1.Stage_STAGE_DISCOVERY, v1.Outcome_OUTCOME_SUCCESS, v1.ApiMode_API_MODE_UNSPECIFIED, "", "p1", "", ""},
		{"d", o, v1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, v1.Stage_STAGE_COMPLETION, v1.Outcome_OUTCOME_SERIOUS_FAILURE, v1.ApiMode_API_MODE_UNSPECIFIED, "", "u3", "Patient/p3", ""},
		{"e", f, v1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, v1.Stage_STAGE_COMPLETION, v1.Outcome_OUTCOME_SUCCESS, v1.ApiMode_API_MODE_LIVE, "p4", "", "", "org1"},
		{"f", o, v1.EventType_EVENT_TYPE_UNSPECIFIED, v1.Stage_STAGE_OTHER, v1.Outcome_OUTCOME_UNSPECIFIED, v1.ApiMode_API_MODE_UNSPECIFIED, "", "", "p1", ""},
		{"g", f, v1.EventType_EVENT_TYPE_TEST, v1.Stage_STAGE_OTHER, v1.Outcome_OUTCOME_UNSPECIFIED, v1.ApiMode_API_MODE_TEST, "", "", "", ""},
	}
}

func occurredAt(i int) time.Time { return baseTime().Add(time.Duration(i) * time.Minute) }

func (f filterSpec) event(i int) *v1.ConnectionEvent {
	ev := minimalEvent(f.source, baseTime())
	ev.Type, ev.Stage, ev.Outcome, ev.ApiMode = f.typ, f.stage, f.outcome, f.mode
	ev.OccurredAt = timestamppb.New(occurredAt(i))
	ev.Patient = &v1.Patient{ExternalId: f.ext, OneupUserId: f.oneup, FhirPatientReference: f.fhir}
	if f.source == v1.Source_SOURCE_FASTEN {
		ev.Patient.ExternalState = "st-" + f.name
	}
	ev.Connection = &v1.Connection{OrgConnectionId: f.org}
	return ev
}

// appendFilterData stores the data set, one event per call, and returns the
// sequence of each event by name.
func appendFilterData(t *testing.T, s store.Store) map[string]int64 {
	t.Helper()
	seqs := map[string]int64{}
	for i, spec := range filterData() {
		seqs[spec.name] = mustAppend(t, s, spec.event(i))[0].Event.GetSequence()
	}
	return seqs
}

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

type filterCase struct {
	name   string
	filter *v1.EventFilter
	want   string // names of the matching events
}

func filterCases() []filterCase {
	const f, o = v1.Source_SOURCE_FASTEN, v1.Source_SOURCE_ONEUP
	return []filterCase{
		{"nil filter", nil, "abcdefg"},
		{"empty filter", &v1.EventFilter{}, "abcdefg"},
		{"one source", &v1.EventFilter{Sources: []v1.Source{f}}, "abeg"},
		{"both sources", &v1.EventFilter{Sources: []v1.Source{o, f}}, "abcdefg"},
		{"types", &v1.EventFilter{Types: []v1.EventType{v1.EventType_EVENT_TYPE_CONNECTION_DECLINED, v1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED}}, "ab"},
		{"unmapped type", &v1.EventFilter{Types: []v1.EventType{v1.EventType_EVENT_TYPE_UNSPECIFIED}}, "f"},
		{"one stage", &v1.EventFilter{Stages: []v1.Stage{v1.Stage_STAGE_COMPLETION}}, "de"},
		{"two stages", &v1.EventFilter{Stages: []v1.Stage{v1.Stage_STAGE_DISCOVERY, v1.Stage_STAGE_OTHER}}, "cfg"},
		{"outcome success", &v1.EventFilter{Outcomes: []v1.Outcome{v1.Outcome_OUTCOME_SUCCESS}}, "ace"},
		{"outcome unspecified", &v1.EventFilter{Outcomes: []v1.Outcome{v1.Outcome_OUTCOME_UNSPECIFIED}}, "fg"},
		{"failure outcomes", &v1.EventFilter{Outcomes: []v1.Outcome{v1.Outcome_OUTCOME_MINOR_FAILURE, v1.Outcome_OUTCOME_SERIOUS_FAILURE, v1.Outcome_OUTCOME_MAJOR_FAILURE}}, "bd"},
		{"patient in any field", &v1.EventFilter{Patient: "p1"}, "acf"},
		{"patient by fhir reference", &v1.EventFilter{Patient: "Patient/p3"}, "d"},
		{"patient by 1up user", &v1.EventFilter{Patient: "u3"}, "d"},
		{"patient by external state", &v1.EventFilter{Patient: "st-b"}, "b"},
		{"unknown patient", &v1.EventFilter{Patient: "nobody"}, ""},
		{"org connection", &v1.EventFilter{OrgConnectionId: "org1"}, "ae"},
		{"api mode live", &v1.EventFilter{ApiMode: v1.ApiMode_API_MODE_LIVE}, "ae"},
		{"api mode test", &v1.EventFilter{ApiMode: v1.ApiMode_API_MODE_TEST}, "bg"},
		{"occurred after is inclusive", &v1.EventFilter{OccurredAfter: ts(occurredAt(2))}, "cdefg"},
		{"occurred after, 1ns later", &v1.EventFilter{OccurredAfter: ts(occurredAt(2).Add(time.Nanosecond))}, "defg"},
		{"occurred before is exclusive", &v1.EventFilter{OccurredBefore: ts(occurredAt(2))}, "ab"},
		{"occurred before, 1ns later", &v1.EventFilter{OccurredBefore: ts(occurredAt(2).Add(time.Nanosecond))}, "abc"},
		{"occurred window", &v1.EventFilter{OccurredAfter: ts(occurredAt(1)), OccurredBefore: ts(occurredAt(4))}, "bcd"},
		{"occurred empty window", &v1.EventFilter{OccurredAfter: ts(occurredAt(3)), OccurredBefore: ts(occurredAt(3))}, ""},
		{"source and outcome", &v1.EventFilter{Sources: []v1.Source{f}, Outcomes: []v1.Outcome{v1.Outcome_OUTCOME_SUCCESS}}, "ae"},
		{"source and patient", &v1.EventFilter{Sources: []v1.Source{o}, Patient: "p1"}, "cf"},
		{"patient and time", &v1.EventFilter{Patient: "p1", OccurredAfter: ts(occurredAt(1)), OccurredBefore: ts(occurredAt(5))}, "c"},
		{"four fields", &v1.EventFilter{Sources: []v1.Source{f}, Stages: []v1.Stage{v1.Stage_STAGE_COMPLETION}, ApiMode: v1.ApiMode_API_MODE_LIVE, OrgConnectionId: "org1"}, "e"},
		{"contradiction", &v1.EventFilter{Sources: []v1.Source{o}, ApiMode: v1.ApiMode_API_MODE_LIVE}, ""},
		{"type and stage", &v1.EventFilter{Types: []v1.EventType{v1.EventType_EVENT_TYPE_TEST, v1.EventType_EVENT_TYPE_SYSTEM_SEARCHED}, Stages: []v1.Stage{v1.Stage_STAGE_OTHER}}, "g"},
	}
}

func testFilter(t *testing.T, newStore NewStore) {
	s := newStore(t)
	seqs := appendFilterData(t, s)
	for _, c := range filterCases() {
		want := namedSeqs(seqs, c.want)
		asc := mustList(t, s, store.Query{Filter: c.filter, Order: store.Ascending, Limit: 100})
		assertSeqs(t, c.name+" (asc)", seqsOf(asc), want)
		desc := mustList(t, s, store.Query{Filter: c.filter, Order: store.Descending, Limit: 100})
		assertSeqs(t, c.name+" (desc)", seqsOf(desc), reversed(want))
	}
}

// testFilterPaging pages through a filtered result one event at a time.
func testFilterPaging(t *testing.T, newStore NewStore) {
	s := newStore(t)
	seqs := appendFilterData(t, s)
	filter := &v1.EventFilter{Patient: "p1"}
	var got []int64
	q := store.Query{Filter: filter, Order: store.Ascending, Limit: 1}
	for range 10 {
		page := mustList(t, s, q)
		if len(page) == 0 {
			break
		}
		got = append(got, page[0].GetSequence())
		q.After = page[0].GetSequence()
	}
	assertSeqs(t, "patient p1, one per page", got, namedSeqs(seqs, "acf"))
	q = store.Query{Filter: filter, Order: store.Descending, Before: seqs["f"], Limit: 5}
	assertSeqs(t, "patient p1 before f", seqsOf(mustList(t, s, q)), namedSeqs(seqs, "ca"))
}

// namedSeqs returns the sequences of the named events (one letter each), in
// the order named.
func namedSeqs(seqs map[string]int64, names string) []int64 {
	out := []int64{}
	for _, r := range names {
		out = append(out, seqs[string(r)])
	}
	return out
}

// testOccurredLate: occurred_after and occurred_before (alone, together,
// and with another field) find exactly the events they name when events
// arrive out of order (late, early, without a time) across appends of
// several sizes, whatever the bound, the order and the page size. The store
// may bound its reads by the running maximum of occurred_at; this holds it
// to the plain meaning of the filter.
func testOccurredLate(t *testing.T, newStore NewStore) {
	s := newStore(t)
	rng := rand.New(rand.NewPCG(7, 14))
	var events []*v1.ConnectionEvent
	for i := range 60 {
		src := v1.Source_SOURCE_FASTEN
		if rng.IntN(3) == 0 {
			src = v1.Source_SOURCE_ONEUP
		}
		ev := minimalEvent(src, baseTime())
		// Mostly in order, some late by up to 40 minutes, some with no time.
		at := occurredAt(i)
		if rng.IntN(4) == 0 {
			at = at.Add(-time.Duration(rng.IntN(40)) * time.Minute)
		}
		if rng.IntN(10) != 0 {
			ev.OccurredAt = timestamppb.New(at)
		}
		events = append(events, ev)
	}
	type stored struct {
		at  *time.Time // nil: no occurred_at
		src v1.Source
	}
	bySeq := map[int64]stored{}
	for lo := 0; lo < len(events); {
		hi := min(len(events), lo+1+rng.IntN(9))
		got, err := s.Append(t.Context(), events[lo:hi])
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range got {
			e := stored{src: events[lo+i].GetSource()}
			if at := events[lo+i].GetOccurredAt(); at != nil {
				t := at.AsTime()
				e.at = &t
			}
			bySeq[a.Event.GetSequence()] = e
		}
		lo = hi
	}
	bound := func(minutes int) time.Time {
		return occurredAt(minutes).Add(time.Duration(minutes%2) * time.Second)
	}
	for _, after := range []int{-100, -1, 0, 17, 42, 59, 90} {
		for _, before := range []int{-1, 0, 5, 30, 55, 60, 1000} {
			for _, oneup := range []bool{false, true} {
				filter := &v1.EventFilter{}
				if after > -100 {
					filter.OccurredAfter = timestamppb.New(bound(after))
				}
				if before < 1000 {
					filter.OccurredBefore = timestamppb.New(bound(before))
				}
				if oneup {
					filter.Sources = []v1.Source{v1.Source_SOURCE_ONEUP}
				}
				var want []int64
				for seq, e := range bySeq {
					if (filter.OccurredAfter == nil || e.at != nil && !e.at.Before(bound(after))) &&
						(filter.OccurredBefore == nil || e.at != nil && e.at.Before(bound(before))) &&
						(!oneup || e.src == v1.Source_SOURCE_ONEUP) {
						want = append(want, seq)
					}
				}
				slices.Sort(want)
				name := fmt.Sprintf("occurred after %d, before %d, oneup only %v", after, before, oneup)
				assertSeqs(t, name+" (asc)", seqsOf(mustList(t, s, store.Query{Filter: filter, Order: store.Ascending, Limit: 100})), want)
				assertSeqs(t, name+" (desc)", seqsOf(mustList(t, s, store.Query{Filter: filter, Order: store.Descending, Limit: 100})), reversed(want))
				assertSeqs(t, name+" (pages of 3)", pagedSeqs(t, s, filter, store.Ascending, 3), want)
				assertSeqs(t, name+" (pages of 4, newest first)", pagedSeqs(t, s, filter, store.Descending, 4), reversed(want))
			}
		}
	}
}

// pagedSeqs lists every event of filter in pages of size, in order.
func pagedSeqs(t *testing.T, s store.Store, filter *v1.EventFilter, order store.Order, size int) []int64 {
	var out []int64
	for q := (store.Query{Filter: filter, Order: order, Limit: size}); ; {
		page := mustList(t, s, q)
		if len(page) == 0 {
			return out
		}
		out = append(out, seqsOf(page)...)
		if last := page[len(page)-1].GetSequence(); order == store.Ascending {
			q.After = last
		} else {
			q.Before = last
		}
	}
}

// testExtremeTimes: events dated outside what int64 nanoseconds hold (year
// 1, year 9999), the first of their log included, are stored with their
// journeys, read back with their own times, and found by time bounds on the
// right side of ordinary times.
func testExtremeTimes(t *testing.T, newStore NewStore) {
	s := newStore(t)
	dates := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), // the first event of the log
		time.Date(1677, 9, 21, 0, 20, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	}
	seqs := make([]int64, len(dates))
	for i, d := range dates {
		ev := SampleEvent(i)
		ev.OccurredAt = timestamppb.New(d)
		got, err := s.Append(t.Context(), []*v1.ConnectionEvent{ev})
		if err != nil {
			t.Fatalf("append of an event dated %v: %v", d, err)
		}
		seqs[i] = got[0].Event.GetSequence()
		back, err := s.Get(t.Context(), ev.GetId(), false)
		if err != nil || !back.GetOccurredAt().AsTime().Equal(d) {
			t.Fatalf("event dated %v read back as %v, %v", d, back.GetOccurredAt().AsTime(), err)
		}
	}
	list := func(f *v1.EventFilter) []int64 {
		page, err := s.List(t.Context(), store.Query{Filter: f, Order: store.Ascending, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, ev := range page {
			out = append(out, ev.GetSequence())
		}
		return out
	}
	if got := list(&v1.EventFilter{OccurredBefore: timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}); !slices.Equal(got, seqs[:2]) {
		t.Errorf("occurred_before 2000: %v, want %v", got, seqs[:2])
	}
	if got := list(&v1.EventFilter{OccurredAfter: timestamppb.New(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))}); !slices.Equal(got, seqs[2:3]) {
		t.Errorf("occurred_after 3000: %v, want %v", got, seqs[2:3])
	}
}
