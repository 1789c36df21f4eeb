package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store"
)

// stepTypes are the event types journey events are drawn from, with the
// stage each has.
var stepTypes = []struct {
	typ   conneventsv1.EventType
	stage conneventsv1.Stage
}{
	{conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, conneventsv1.Stage_STAGE_DISCOVERY},
	{conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, conneventsv1.Stage_STAGE_DISCOVERY},
	{conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED, conneventsv1.Stage_STAGE_DISCOVERY},
	{conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION},
	{conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, conneventsv1.Stage_STAGE_AUTHORIZATION},
	{conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, conneventsv1.Stage_STAGE_AUTHORIZATION},
	{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, conneventsv1.Stage_STAGE_AUTHORIZATION},
	{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, conneventsv1.Stage_STAGE_TRANSFER},
	{conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, conneventsv1.Stage_STAGE_TRANSFER},
	{conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED, conneventsv1.Stage_STAGE_TRANSFER},
	{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION},
	{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, conneventsv1.Stage_STAGE_COMPLETION},
	{conneventsv1.EventType_EVENT_TYPE_SUPPORT_REQUESTED, conneventsv1.Stage_STAGE_OTHER},
}

// journeyGen makes connection events of a few patients, systems and
// connections of both sources, at distinct times (so that no order rests
// on the sequence), plus events that belong to no journey.
type journeyGen struct {
	rng  *rand.Rand
	base time.Time
	n    int
}

func newJourneyGen(seed uint64, base time.Time) *journeyGen {
	return &journeyGen{rng: rand.New(rand.NewPCG(seed, seed+1)), base: base}
}

// event returns a random event of connection c (0..conns-1), or of no
// journey when c < 0.
func (g *journeyGen) event(c int) *conneventsv1.ConnectionEvent {
	g.n++
	st := stepTypes[g.rng.IntN(len(stepTypes))]
	ev := &conneventsv1.ConnectionEvent{
		Id: newID(), SourceEventId: newSourceEventID(), SourceEventType: "test." + st.typ.String(),
		Type: st.typ, Stage: st.stage, Outcome: conneventsv1.Outcome(g.rng.IntN(5)),
		ApiMode:    conneventsv1.ApiMode(1 + c%2),
		OccurredAt: timestamppb.New(g.base.Add(time.Duration(g.n)*time.Minute + time.Duration(g.rng.IntN(1000))*time.Hour)),
		ReceivedAt: timestamppb.New(g.base.Add(time.Duration(g.n) * time.Second)),
	}
	if c < 0 {
		// A Fasten request for an unlisted system: a patient, no connection.
		ev.Source, ev.Type, ev.Stage = conneventsv1.Source_SOURCE_FASTEN, conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED, conneventsv1.Stage_STAGE_DISCOVERY
		ev.Patient = &conneventsv1.Patient{ExternalId: fmt.Sprintf("ext-%d", -c)}
		ev.HealthSystem = &conneventsv1.HealthSystem{Name: "Unlisted Clinic"}
		return ev
	}
	systems := []string{"sys-a", "sys-b", "sys-c"}
	sys := systems[c%len(systems)]
	if c%2 == 0 {
		ev.Source = conneventsv1.Source_SOURCE_FASTEN
		ev.Patient = &conneventsv1.Patient{ExternalId: fmt.Sprintf("ext-%d", c%5), ExternalState: fmt.Sprintf("state-%d", c)}
		ev.Connection = &conneventsv1.Connection{OrgConnectionId: fmt.Sprintf("org-%d", c), PlatformType: []string{"epic", "cerner"}[c%4/2]}
		ev.HealthSystem = &conneventsv1.HealthSystem{BrandId: sys, Name: "Name of " + sys}
	} else {
		ev.Source = conneventsv1.Source_SOURCE_ONEUP
		ev.Patient = &conneventsv1.Patient{OneupUserId: fmt.Sprintf("user-%d", c%5)}
		if c%3 != 0 {
			ev.HealthSystem = &conneventsv1.HealthSystem{OneupSystemId: sys}
		}
	}
	return ev
}

// events returns n events over conns connections, about one in ten of no
// journey.
func (g *journeyGen) events(n, conns int) []*conneventsv1.ConnectionEvent {
	out := make([]*conneventsv1.ConnectionEvent, n)
	for i := range out {
		c := g.rng.IntN(conns)
		if g.rng.IntN(10) == 0 {
			c = -1 - g.rng.IntN(3)
		}
		out[i] = g.event(c)
	}
	return out
}

// appendInBatches appends events in random batches and returns them as
// stored.
func appendInBatches(t *testing.T, s store.Store, rng *rand.Rand, events []*conneventsv1.ConnectionEvent) []*conneventsv1.ConnectionEvent {
	t.Helper()
	var out []*conneventsv1.ConnectionEvent
	for len(events) > 0 {
		n := min(len(events), 1+rng.IntN(7))
		for _, a := range mustAppend(t, s, events[:n]...) {
			if !a.Duplicate {
				out = append(out, a.Event)
			}
		}
		events = events[n:]
	}
	return out
}

// byJourney groups stored events by connection id ("" left out).
func byJourney(events []*conneventsv1.ConnectionEvent) map[string][]*conneventsv1.ConnectionEvent {
	out := map[string][]*conneventsv1.ConnectionEvent{}
	for _, ev := range events {
		if id := ev.GetConnectionId(); id != "" {
			out[id] = append(out[id], ev)
		}
	}
	return out
}

// allEvents lists every retained event, ascending.
func allEvents(t *testing.T, s store.Store) []*conneventsv1.ConnectionEvent {
	t.Helper()
	return mustList(t, s, store.Query{Order: store.Ascending, Limit: 100000})
}

// allJourneys lists every journey, newest activity first.
func allJourneys(t *testing.T, s store.Store) []*conneventsv1.ConnectionJourney {
	t.Helper()
	js, err := s.ListJourneys(t.Context(), store.JourneyQuery{Limit: 100000})
	if err != nil {
		t.Fatalf("ListJourneys: %v", err)
	}
	return js
}

// refJourney is what the store must hold for a journey of events at now:
// the fold of its events (with the default thresholds, which conformance
// stores use).
func refJourney(id string, events []*conneventsv1.ConnectionEvent, now time.Time) *conneventsv1.ConnectionJourney {
	st := journey.Fold(events)
	return st.Journey(id, now, journey.DefaultThresholds())
}

// comparable returns j without what differs between equal journeys stored
// at other times: its update time and, when seqs is false, its sequence.
func comparable(j *conneventsv1.ConnectionJourney, seqs bool) *conneventsv1.ConnectionJourney {
	c := proto.Clone(j).(*conneventsv1.ConnectionJourney)
	c.UpdateTime = nil
	if !seqs {
		c.Sequence = 0
	}
	return c
}

// assertJourneysMatchLog checks that the store's journeys are exactly the
// folds of its retained events, at now (all stall decisions settled).
func assertJourneysMatchLog(t *testing.T, what string, s store.Store, now time.Time) {
	t.Helper()
	want := byJourney(allEvents(t, s))
	got := allJourneys(t, s)
	if len(got) != len(want) {
		t.Errorf("%s: %d journeys, the log names %d", what, len(got), len(want))
	}
	for _, j := range got {
		evs, ok := want[j.GetId()]
		if !ok {
			t.Errorf("%s: journey %s has no events", what, j.GetId())
			continue
		}
		if r := refJourney(j.GetId(), evs, now); !proto.Equal(comparable(j, true), comparable(r, true)) {
			t.Errorf("%s: journey %s\n got %v\nwant %v", what, j.GetId(), comparable(j, true), comparable(r, true))
		}
		if j.GetUpdateTime() == nil {
			t.Errorf("%s: journey %s has no update time", what, j.GetId())
		}
	}
}

// sortedIDs returns the ids of journeys, in order.
func sortedIDs(js []*conneventsv1.ConnectionJourney) []string {
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.GetId()
	}
	slices.Sort(ids)
	return ids
}
