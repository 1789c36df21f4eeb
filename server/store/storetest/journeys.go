package storetest

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
)

// journeyCases are the journey cases of RunAll.
var journeyCases = []struct {
	name string
	run  func(*testing.T, NewStore)
}{
	{"ConnectionIDs", testConnectionIDs},
	{"JourneysFoldTheLog", testJourneysFoldTheLog},
	{"JourneyPermutations", testJourneyPermutations},
	{"JourneyDuplicates", testJourneyDuplicates},
	{"JourneyNeverAheadOrBehind", testJourneyNeverAheadOrBehind},
	{"GetJourney", testGetJourney},
	{"ListJourneysFilters", testListJourneysFilters},
	{"ListJourneysPaging", testListJourneysPaging},
	{"JourneyChanges", testJourneyChanges},
	{"MarkStalled", testMarkStalled},
	{"CountJourneys", testCountJourneys},
	{"RebuildConsistent", testRebuildConsistent},
	{"PruneJourneys", testPruneJourneys},
	{"Funnel", testFunnel},
}

// testConnectionIDs: events of one connection share an id, others differ,
// events of no connection have none, and the input value is ignored.
func testConnectionIDs(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(1, baseTime())
	a1, a2, b, none := g.event(0), g.event(0), g.event(1), g.event(-1)
	a2.ConnectionId, none.ConnectionId = "cnx_forged", "cnx_forged"
	got := mustAppend(t, s, a1, a2, b, none)
	id := func(i int) string { return got[i].Event.GetConnectionId() }
	if !journey.ValidID(id(0)) || id(0) != id(1) || !journey.ValidID(id(2)) || id(2) == id(0) || id(3) != "" {
		t.Errorf("connection ids %q %q %q %q: want a, a, b, none", id(0), id(1), id(2), id(3))
	}
	dup := mustAppend(t, s, proto.Clone(a1).(*conneventsv1.ConnectionEvent))[0]
	if !dup.Duplicate || dup.Event.GetConnectionId() != id(0) {
		t.Errorf("duplicate's connection id %q, want %q", dup.Event.GetConnectionId(), id(0))
	}
	if ev := mustGet(t, s, got[0].Event.GetId(), false); ev.GetConnectionId() != id(0) {
		t.Errorf("Get's connection id %q, want %q", ev.GetConnectionId(), id(0))
	}
	listed := mustList(t, s, store.Query{Filter: &conneventsv1.EventFilter{ConnectionId: id(0)}, Order: store.Ascending, Limit: 10})
	assertSeqs(t, "List by connection_id", seqsOf(listed), []int64{1, 2})
	listed = mustList(t, s, store.Query{Filter: &conneventsv1.EventFilter{ConnectionId: "cnx_unknown"}, Limit: 10})
	assertSeqs(t, "List by an unknown connection_id", seqsOf(listed), nil)
}

// testJourneysFoldTheLog: after random appends, every journey is the fold
// of its events, and there is one per connection of the log.
func testJourneysFoldTheLog(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(2, baseTime())
	appendInBatches(t, s, g.rng, g.events(300, 12))
	assertJourneysMatchLog(t, "after appends", s, time.Now())
}

// testJourneyPermutations: the same deliveries in other orders and batches
// (with duplicates) give the same journeys, sequences aside.
func testJourneyPermutations(t *testing.T, newStore NewStore) {
	g := newJourneyGen(3, baseTime())
	events := g.events(80, 5)
	var want map[string]*conneventsv1.ConnectionJourney
	for round := range 4 {
		s := newStore(t)
		rng := rand.New(rand.NewPCG(uint64(round), 9))
		perm := slices.Clone(events)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for range 10 { // deliveries twice
			perm = append(perm, proto.Clone(perm[rng.IntN(len(perm))]).(*conneventsv1.ConnectionEvent))
		}
		appendInBatches(t, s, rng, perm)
		got := map[string]*conneventsv1.ConnectionJourney{}
		for _, j := range allJourneys(t, s) {
			got[keyOfJourney(t, s, j)] = comparable(j, false)
		}
		if round == 0 {
			want = got
			assertJourneysMatchLog(t, "first order", s, time.Now())
			continue
		}
		if len(got) != len(want) {
			t.Fatalf("order %d: %d journeys, want %d", round, len(got), len(want))
		}
		for k, j := range got {
			w := proto.Clone(want[k]).(*conneventsv1.ConnectionJourney)
			j = proto.Clone(j).(*conneventsv1.ConnectionJourney)
			w.Id, j.Id = "", "" // each store has its own secret
			if !proto.Equal(j, w) {
				t.Errorf("order %d: journey differs\n got %v\nwant %v", round, j, w)
			}
		}
	}
}

// keyOfJourney names a journey independently of the store's secret: by
// the vendor key of its first event.
func keyOfJourney(t *testing.T, s store.Store, j *conneventsv1.ConnectionJourney) string {
	t.Helper()
	_, evs, err := s.GetJourney(t.Context(), j.GetId(), 1)
	if err != nil || len(evs) == 0 {
		t.Fatalf("GetJourney: %v, %d events", err, len(evs))
	}
	k, _ := journey.KeyOf(evs[0])
	return k.Source.String() + "/" + k.Value
}

// testJourneyDuplicates: appending stored events again changes no journey
// and records no change.
func testJourneyDuplicates(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(4, baseTime())
	events := g.events(40, 4)
	appendInBatches(t, s, g.rng, events)
	before, cb := allJourneys(t, s), mustChangeBounds(t, s)
	appendInBatches(t, s, g.rng, events)
	after, ca := allJourneys(t, s), mustChangeBounds(t, s)
	if len(before) != len(after) {
		t.Fatalf("%d journeys after duplicates, want %d", len(after), len(before))
	}
	for i := range before {
		if !proto.Equal(before[i], after[i]) {
			t.Errorf("journey changed by duplicates:\n got %v\nwant %v", after[i], before[i])
		}
	}
	if ca != cb {
		t.Errorf("change bounds %+v after duplicates, want %+v", ca, cb)
	}
}

// testJourneyNeverAheadOrBehind: while appends run, a reader never sees a
// journey without all of its events, nor events a journey does not count.
func testJourneyNeverAheadOrBehind(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(5, baseTime())
	first := mustAppend(t, s, g.event(0))[0].Event
	id := first.GetConnectionId()
	batches := make([][]*conneventsv1.ConnectionEvent, 60)
	for i := range batches {
		batches[i] = []*conneventsv1.ConnectionEvent{g.event(0), g.event(2), g.event(0)}
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for _, b := range batches {
			if _, err := s.Append(t.Context(), b); err != nil {
				t.Errorf("Append: %v", err)
				return
			}
		}
	}()
	for checks := 0; !done.Load() || checks < 3; checks++ {
		// Events first, then the journey: it must count at least those.
		evs := mustList(t, s, store.Query{Filter: &conneventsv1.EventFilter{ConnectionId: id}, Limit: 1000})
		j, jevs, err := s.GetJourney(t.Context(), id, 1000)
		if err != nil {
			t.Fatalf("GetJourney: %v", err)
		}
		if j.GetEventCount() < int64(len(evs)) || j.GetSequence() < evs[0].GetSequence() {
			t.Fatalf("journey behind its events: count %d seq %d, log has %d up to %d",
				j.GetEventCount(), j.GetSequence(), len(evs), evs[0].GetSequence())
		}
		if int64(len(jevs)) != j.GetEventCount() {
			t.Fatalf("journey ahead of its events: count %d, %d events up to its sequence", j.GetEventCount(), len(jevs))
		}
	}
	wg.Wait()
	assertJourneysMatchLog(t, "after concurrent appends", s, time.Now())
}

// testGetJourney: events in fold order, limited; unknown ids not found.
func testGetJourney(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(6, baseTime())
	stored := appendInBatches(t, s, g.rng, []*conneventsv1.ConnectionEvent{g.event(0), g.event(0), g.event(0), g.event(0)})
	id := stored[0].GetConnectionId()
	want := slices.Clone(stored)
	slices.SortFunc(want, func(a, b *conneventsv1.ConnectionEvent) int {
		return a.GetOccurredAt().AsTime().Compare(b.GetOccurredAt().AsTime())
	})
	j, evs, err := s.GetJourney(t.Context(), id, 10)
	if err != nil {
		t.Fatalf("GetJourney: %v", err)
	}
	if !proto.Equal(comparable(j, true), comparable(refJourney(id, stored, time.Now()), true)) {
		t.Errorf("GetJourney = %v", j)
	}
	assertSeqs(t, "GetJourney events", seqsOf(evs), seqsOf(want))
	if _, evs, _ = s.GetJourney(t.Context(), id, 2); len(evs) != 2 {
		t.Errorf("GetJourney with 2 events returned %d", len(evs))
	}
	if _, evs, _ = s.GetJourney(t.Context(), id, 0); len(evs) != 0 {
		t.Errorf("GetJourney with 0 events returned %d", len(evs))
	}
	if _, _, err := s.GetJourney(t.Context(), "cnx_aaaaaaaaaaaaaaaaaaaaaaaaaa", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetJourney(unknown) error = %v, want ErrNotFound", err)
	}

	// Events at the same time come in the order of the vendor's ids, byte
	// by byte (upper case first, whatever the database's collation), not
	// in the order they arrived.
	var tied []*conneventsv1.ConnectionEvent
	at := timestamppb.New(g.base.Add(time.Hour))
	for _, key := range []string{"alpha", "Zeta", "Mid"} {
		ev := g.event(1)
		ev.SourceEventId, ev.OccurredAt = "tie-"+key, at
		tied = append(tied, ev)
	}
	got, err := s.Append(t.Context(), tied)
	if err != nil {
		t.Fatal(err)
	}
	_, evs, err = s.GetJourney(t.Context(), got[0].Event.GetConnectionId(), 10)
	var keys []string
	for _, ev := range evs {
		keys = append(keys, ev.GetSourceEventId())
	}
	if want := []string{"tie-Mid", "tie-Zeta", "tie-alpha"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("tied events: %v (%v), want %v", keys, err, want)
	}
}

// matchJourney is the reference semantics of a ConnectionFilter.
func matchJourney(f *conneventsv1.ConnectionFilter, j *conneventsv1.ConnectionJourney, now time.Time) bool {
	any := func(n int, ok func(int) bool) bool {
		if n == 0 {
			return true
		}
		for i := range n {
			if ok(i) {
				return true
			}
		}
		return false
	}
	p, h := j.GetPatient(), j.GetHealthSystem()
	last := j.GetLastEventAt().AsTime()
	return any(len(f.GetSources()), func(i int) bool { return f.GetSources()[i] == j.GetSource() }) &&
		any(len(f.GetStatuses()), func(i int) bool { return f.GetStatuses()[i] == j.GetStatus() }) &&
		any(len(f.GetStages()), func(i int) bool { return f.GetStages()[i] == j.GetStage() }) &&
		(f.GetPatient() == "" || slices.Contains([]string{p.GetExternalId(), p.GetOneupUserId(), p.GetFhirPatientReference(), p.GetExternalState()}, f.GetPatient())) &&
		(f.GetHealthSystem() == "" || slices.Contains([]string{h.GetEndpointId(), h.GetPortalId(), h.GetBrandId(),
			h.GetTefcaDirectoryId(), h.GetOrgId(), h.GetOneupSystemId(), h.GetName()}, f.GetHealthSystem())) &&
		(f.GetApiMode() == conneventsv1.ApiMode_API_MODE_UNSPECIFIED || f.GetApiMode() == j.GetApiMode()) &&
		(f.GetLastEventAfter() == nil || !last.Before(f.GetLastEventAfter().AsTime())) &&
		(f.GetLastEventBefore() == nil || last.Before(f.GetLastEventBefore().AsTime())) &&
		(f.GetStalledFor() == nil || (j.GetStatus() == conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED &&
			!j.GetStallAt().AsTime().After(now.Add(-f.GetStalledFor().AsDuration()))))
}

func journeyFilters(base time.Time) []*conneventsv1.ConnectionFilter {
	return []*conneventsv1.ConnectionFilter{
		{},
		{Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}},
		{Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED}},
		{Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED, conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED}},
		{Stages: []conneventsv1.Stage{conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Stage_STAGE_COMPLETION}},
		{Patient: "ext-2"},
		{Patient: "user-1"},
		{Patient: "nobody"},
		{Patient: "state-4"},
		{HealthSystem: "sys-b"},
		{HealthSystem: "Name of sys-a"},
		{ApiMode: conneventsv1.ApiMode_API_MODE_LIVE},
		{LastEventAfter: timestamppb.New(base.Add(500 * time.Hour))},
		{LastEventBefore: timestamppb.New(base.Add(700 * time.Hour)), Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN}},
		{StalledFor: durationpb.New(24 * 300 * time.Hour)},
		{StalledFor: durationpb.New(0), Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}},
	}
}

// testListJourneysFilters: each filter returns what the reference
// semantics select, in order.
func testListJourneysFilters(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(7, baseTime())
	appendInBatches(t, s, g.rng, g.events(100, 30))
	all := allJourneys(t, s)
	now := time.Now()
	selective := 0
	for i, f := range journeyFilters(baseTime()) {
		var want []string
		for _, j := range all {
			if matchJourney(f, j, now) {
				want = append(want, j.GetId())
			}
		}
		got, err := s.ListJourneys(t.Context(), store.JourneyQuery{Filter: f, Limit: 1000, Now: now})
		if err != nil {
			t.Fatalf("filter %d: %v", i, err)
		}
		ids := make([]string, len(got))
		for k, j := range got {
			ids[k] = j.GetId()
		}
		if !slices.Equal(ids, want) {
			t.Errorf("filter %d (%v): %d journeys %v, want %d %v", i, f, len(ids), ids, len(want), want)
		}
		// Small pages, both ways, cover the same journeys in order (a
		// filter on several statuses or stages reads a page per value).
		if got := pageJourneys(t, s, f, store.Descending, 3, now); !slices.Equal(got, want) {
			t.Errorf("filter %d (%v), pages of 3: %v, want %v", i, f, got, want)
		}
		oldest := slices.Clone(want)
		slices.Reverse(oldest)
		if got := pageJourneys(t, s, f, store.Ascending, 3, now); !slices.Equal(got, oldest) {
			t.Errorf("filter %d (%v), pages of 3 oldest first: %v, want %v", i, f, got, oldest)
		}
		if len(want) > 0 && len(want) < len(all) {
			selective++
		}
	}
	if selective < 10 {
		t.Errorf("only %d filters select some but not all journeys: the data tests too little", selective)
	}
}

// pageJourneys lists the ids of the journeys f selects, size at a time.
func pageJourneys(t *testing.T, s store.Store, f *conneventsv1.ConnectionFilter, order store.Order, size int, now time.Time) []string {
	t.Helper()
	var ids []string
	var after *store.JourneyKey
	for {
		page, err := s.ListJourneys(t.Context(), store.JourneyQuery{Filter: f, Order: order, After: after, Limit: size, Now: now})
		if err != nil {
			t.Fatalf("ListJourneys: %v", err)
		}
		for _, j := range page {
			ids = append(ids, j.GetId())
		}
		if len(page) < size {
			return ids
		}
		k := store.JourneyKeyOf(page[len(page)-1])
		after = &k
	}
}

// testListJourneysPaging: pages of every size cover the list once, in
// order, both ways.
func testListJourneysPaging(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(8, baseTime())
	appendInBatches(t, s, g.rng, g.events(200, 25))
	all := allJourneys(t, s)
	for i := 1; i < len(all); i++ {
		a, b := all[i-1].GetLastEventAt().AsTime(), all[i].GetLastEventAt().AsTime()
		if a.Before(b) || (a.Equal(b) && all[i-1].GetId() < all[i].GetId()) {
			t.Fatalf("ListJourneys not newest first at %d", i)
		}
	}
	for _, order := range []store.Order{store.Descending, store.Ascending} {
		want := sortedIDsInOrder(all, order)
		for _, size := range []int{1, 3, 7, 100} {
			var got []string
			var after *store.JourneyKey
			for {
				page, err := s.ListJourneys(t.Context(), store.JourneyQuery{Order: order, After: after, Limit: size})
				if err != nil {
					t.Fatalf("ListJourneys: %v", err)
				}
				for _, j := range page {
					got = append(got, j.GetId())
				}
				if len(page) < size {
					break
				}
				k := store.JourneyKeyOf(page[len(page)-1])
				after = &k
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s pages of %d: %v, want %v", orderName(order), size, got, want)
			}
		}
	}
	if _, err := s.ListJourneys(t.Context(), store.JourneyQuery{}); err == nil {
		t.Error("ListJourneys with limit 0 succeeded")
	}
}

func sortedIDsInOrder(newestFirst []*conneventsv1.ConnectionJourney, order store.Order) []string {
	ids := make([]string, len(newestFirst))
	for i, j := range newestFirst {
		ids[i] = j.GetId()
	}
	if order == store.Ascending {
		slices.Reverse(ids)
	}
	return ids
}

func mustChangeBounds(t *testing.T, s store.Store) store.Bounds {
	t.Helper()
	b, err := s.JourneyChangeBounds(t.Context())
	if err != nil {
		t.Fatalf("JourneyChangeBounds: %v", err)
	}
	return b
}

func mustChanges(t *testing.T, s store.Store, q store.ChangeQuery) []store.JourneyChange {
	t.Helper()
	got, err := s.ListJourneyChanges(t.Context(), q)
	if err != nil {
		t.Fatalf("ListJourneyChanges: %v", err)
	}
	return got
}

// testJourneyChanges: each append records one change per journey it
// changed, with the sequence of its latest event there, in commit order;
// paging and filters work like events'.
func testJourneyChanges(t *testing.T, newStore NewStore) {
	s := newStore(t)
	if b := mustChangeBounds(t, s); b != (store.Bounds{Oldest: 1, Head: 0}) {
		t.Errorf("empty change bounds %+v", b)
	}
	g := newJourneyGen(9, baseTime())
	a := mustAppend(t, s, g.event(0), g.event(1), g.event(0), g.event(-1))
	b := mustAppend(t, s, g.event(1))
	changes := mustChanges(t, s, store.ChangeQuery{Limit: 100})
	type row struct {
		seq   int64
		id    string
		evSeq int64
	}
	var got []row
	for _, c := range changes {
		got = append(got, row{c.Sequence, c.JourneyID, c.EventSequence})
		if c.Journey == nil || c.Journey.GetId() != c.JourneyID || c.Time.IsZero() {
			t.Errorf("change %d: journey %v, time %v", c.Sequence, c.Journey, c.Time)
		}
	}
	j0, j1 := a[0].Event.GetConnectionId(), a[1].Event.GetConnectionId()
	want := []row{{1, j0, 3}, {2, j1, 2}, {3, j1, b[0].Event.GetSequence()}}
	// Within one append the changes may come in any order.
	slices.SortFunc(got[:2], func(x, y row) int { return int(x.evSeq - y.evSeq) })
	slices.SortFunc(want[:2], func(x, y row) int { return int(x.evSeq - y.evSeq) })
	if len(got) == 3 {
		got[0].seq, got[1].seq, want[0].seq, want[1].seq = 0, 0, 0, 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if bd := mustChangeBounds(t, s); bd != (store.Bounds{Oldest: 1, Head: 3}) {
		t.Errorf("change bounds %+v, want {1 3}", bd)
	}
	if c := mustChanges(t, s, store.ChangeQuery{After: 1, Before: 3, Limit: 10}); len(c) != 1 || c[0].Sequence != 2 {
		t.Errorf("changes in (1, 3): %v", c)
	}
	if c := mustChanges(t, s, store.ChangeQuery{After: 0, Limit: 2}); len(c) != 2 {
		t.Errorf("changes with limit 2: %d", len(c))
	}
	f := &conneventsv1.ConnectionFilter{Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_ONEUP}}
	for _, c := range mustChanges(t, s, store.ChangeQuery{Filter: f, Limit: 10}) {
		if c.JourneyID != j1 {
			t.Errorf("filtered change of journey %s, want only %s", c.JourneyID, j1)
		}
	}
	if _, err := s.ListJourneyChanges(t.Context(), store.ChangeQuery{}); err == nil {
		t.Error("ListJourneyChanges with limit 0 succeeded")
	}
}

// authorizedAt returns a Fasten authorization of connection org at t.
func authorizedAt(org string, t time.Time) *conneventsv1.ConnectionEvent {
	return &conneventsv1.ConnectionEvent{
		Id: newID(), Source: conneventsv1.Source_SOURCE_FASTEN, SourceEventId: newSourceEventID(),
		Type: conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, Stage: conneventsv1.Stage_STAGE_AUTHORIZATION,
		OccurredAt: timestamppb.New(t), ReceivedAt: timestamppb.New(t),
		Patient:    &conneventsv1.Patient{ExternalId: "p-" + org},
		Connection: &conneventsv1.Connection{OrgConnectionId: org},
	}
}

// testMarkStalled: a journey past its threshold becomes STALLED once, with
// a change; a later event moves it on.
func testMarkStalled(t *testing.T, newStore NewStore) {
	s := newStore(t)
	now := time.Now()
	th := journey.DefaultThresholds().Authorized
	a := mustAppend(t, s, authorizedAt("org-1", now.Add(-th/2)), authorizedAt("org-2", now.Add(-th/4)))
	id := a[0].Event.GetConnectionId()
	head := mustChangeBounds(t, s).Head
	if n, err := s.MarkStalled(t.Context(), now); err != nil || n != 0 {
		t.Errorf("MarkStalled before any threshold = %d, %v; want 0", n, err)
	}
	at := now.Add(th/2 + time.Minute) // past org-1's stall time only
	if n, err := s.MarkStalled(t.Context(), at); err != nil || n != 1 {
		t.Errorf("MarkStalled = %d, %v; want 1", n, err)
	}
	if n, err := s.MarkStalled(t.Context(), at); err != nil || n != 0 {
		t.Errorf("MarkStalled again = %d, %v; want 0", n, err)
	}
	j, _, err := s.GetJourney(t.Context(), id, 0)
	if err != nil || j.GetStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED {
		t.Fatalf("GetJourney after MarkStalled: %v, %v", j.GetStatus(), err)
	}
	c := mustChanges(t, s, store.ChangeQuery{After: head, Limit: 10})
	if len(c) != 1 || c[0].JourneyID != id || c[0].EventSequence != 0 || c[0].Journey.GetStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED {
		t.Errorf("stall changes %v", c)
	}
	started := authorizedAt("org-1", now)
	started.Type, started.Stage = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, conneventsv1.Stage_STAGE_TRANSFER
	mustAppend(t, s, started)
	if j, _, _ = s.GetJourney(t.Context(), id, 0); j.GetStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS {
		t.Errorf("status after a later event %v, want IN_PROGRESS", j.GetStatus())
	}
}

// testRebuildConsistent: a rebuild of a consistent store changes nothing.
func testRebuildConsistent(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(10, baseTime())
	appendInBatches(t, s, g.rng, g.events(150, 20))
	head := mustChangeBounds(t, s)
	for _, batch := range []int{0, 1, 7} {
		if n, err := s.RebuildJourneys(t.Context(), batch); err != nil || n != 0 {
			t.Errorf("RebuildJourneys(%d) = %d, %v; want 0", batch, n, err)
		}
	}
	if b := mustChangeBounds(t, s); b != head {
		t.Errorf("change bounds %+v after a no-op rebuild, want %+v", b, head)
	}
}

// testPruneJourneys: after a prune, journeys are the folds of the events
// left; those left without events are gone.
func testPruneJourneys(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(11, baseTime())
	// Connections 20-39 have events only before the cut; > one prune chunk.
	stored := appendInBatches(t, s, g.rng, append(g.events(1800, 40), g.events(700, 20)...))
	cut := stored[1800].GetReceivedAt().AsTime()
	gone := byJourney(stored[:1800])
	if _, err := s.Prune(t.Context(), cut); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	assertJourneysMatchLog(t, "after prune", s, time.Now())
	left := byJourney(allEvents(t, s))
	deleted := 0
	for id := range gone {
		if _, ok := left[id]; ok {
			continue
		}
		deleted++
		if _, _, err := s.GetJourney(t.Context(), id, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("journey with every event pruned: GetJourney error %v, want ErrNotFound", err)
		}
	}
	if n, err := s.RebuildJourneys(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("RebuildJourneys after prune = %d, %v; want 0", n, err)
	}
	if deleted == 0 || len(left) == 0 {
		t.Errorf("%d journeys deleted, %d left: the case tests nothing", deleted, len(left))
	}
	// Changes recorded before a later cut go too.
	if _, err := s.Prune(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if b := mustChangeBounds(t, s); b.Oldest != b.Head+1 {
		t.Errorf("change bounds %+v after pruning everything", b)
	}
	if js := allJourneys(t, s); len(js) != 0 {
		t.Errorf("%d journeys after pruning every event", len(js))
	}
}

// testFunnel: the store's funnel is journey.ComputeFunnel of its journeys
// and discovery events, for every grouping and filter.
func testFunnel(t *testing.T, newStore NewStore) {
	s := newStore(t)
	g := newJourneyGen(12, baseTime())
	appendInBatches(t, s, g.rng, g.events(600, 60))
	journeys, events := allJourneys(t, s), allEvents(t, s)
	windows := [][2]time.Time{
		{baseTime(), baseTime().Add(2000 * time.Hour)},
		{baseTime().Add(200 * time.Hour), baseTime().Add(600 * time.Hour)},
		{baseTime().Add(-time.Hour), baseTime()},
	}
	for wi, w := range windows {
		for _, by := range []conneventsv1.FunnelGroupBy{0, 1, 2, 3} {
			for _, q := range []store.FunnelQuery{
				{Start: w[0], End: w[1], GroupBy: by},
				{Start: w[0], End: w[1], GroupBy: by, Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN}},
				{Start: w[0], End: w[1], GroupBy: by, APIMode: conneventsv1.ApiMode_API_MODE_TEST},
			} {
				want := refFunnel(q, journeys, events)
				if wi == 0 && (len(want) == 0 || want[0].GetConnections() == 0 || want[0].GetConversions()[1].GetTimed() == 0) {
					t.Errorf("group by %v: the reference funnel is empty: the data tests too little", by)
				}
				got, err := s.Funnel(t.Context(), q)
				if err != nil {
					t.Fatalf("Funnel: %v", err)
				}
				if len(got) != len(want) || !slices.EqualFunc(got, want, func(a, b *conneventsv1.Funnel) bool { return proto.Equal(a, b) }) {
					t.Errorf("window %d, group by %v, sources %v, mode %v:\n got %v\nwant %v", wi, by, q.Sources, q.APIMode, got, want)
				}
			}
		}
	}
}

// refFunnel is journey.ComputeFunnel over the store's journeys and events.
func refFunnel(q store.FunnelQuery, journeys []*conneventsv1.ConnectionJourney, events []*conneventsv1.ConnectionEvent) []*conneventsv1.Funnel {
	in := func(t time.Time, src conneventsv1.Source, mode conneventsv1.ApiMode) bool {
		return !t.Before(q.Start) && t.Before(q.End) && (len(q.Sources) == 0 || slices.Contains(q.Sources, src)) &&
			(q.APIMode == 0 || q.APIMode == mode)
	}
	var js []journey.FunnelJourney
	for _, j := range journeys {
		if in(j.GetFirstEventAt().AsTime(), j.GetSource(), j.GetApiMode()) {
			js = append(js, journey.FunnelJourneyOf(q.GroupBy, j))
		}
	}
	var ds []journey.FunnelDiscovery
	for _, ev := range events {
		at := ev.GetOccurredAt()
		if at == nil {
			at = ev.GetReceivedAt()
		}
		if d, ok := journey.FunnelDiscoveryOf(q.GroupBy, ev); ok && in(at.AsTime(), ev.GetSource(), ev.GetApiMode()) {
			ds = append(ds, d)
		}
	}
	return journey.ComputeFunnel(js, ds)
}

// testCountJourneys: counts by status follow appends and stalls, and agree
// with ListJourneys.
func testCountJourneys(t *testing.T, newStore NewStore) {
	s := newStore(t)
	if c, err := s.CountJourneys(t.Context()); err != nil || len(c) != 0 {
		t.Fatalf("CountJourneys of an empty store = %v, %v; want none", c, err)
	}
	now := time.Now()
	th := journey.DefaultThresholds().Authorized
	mustAppend(t, s, authorizedAt("org-1", now.Add(-th/2)), authorizedAt("org-2", now.Add(-th/4)), authorizedAt("org-3", now))
	if _, err := s.MarkStalled(t.Context(), now.Add(th/2+time.Minute)); err != nil { // org-1 only
		t.Fatal(err)
	}
	got, err := s.CountJourneys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[conneventsv1.ConnectionStatus]int64{}
	listed, err := s.ListJourneys(t.Context(), store.JourneyQuery{Limit: 100, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range listed {
		want[j.GetStatus()]++
	}
	stalled, progress := conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED, conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS
	if len(got) != len(want) || got[stalled] != want[stalled] || got[progress] != want[progress] || got[stalled] != 1 || got[progress] != 2 {
		t.Errorf("CountJourneys = %v; want %v (1 stalled, 2 in progress)", got, want)
	}
}
