package storetest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// BenchmarkAppendUpkeep measures Append of batches of 1 and 100 typical
// events (BenchmarkAppend's) into a store with journey upkeep (withJourneys)
// and one without (without), for the ratio of the two.
func BenchmarkAppendUpkeep(b *testing.B, withJourneys, without NewStore) {
	for _, size := range []int{1, 100} {
		for _, c := range []struct {
			name string
			open NewStore
		}{{"journeys=on", withJourneys}, {"journeys=off", without}} {
			b.Run(fmt.Sprintf("batch=%d/%s", size, c.name), func(b *testing.B) {
				s := c.open(b)
				n := 0
				batch := make([]*conneventsv1.ConnectionEvent, size)
				for b.Loop() {
					b.StopTimer()
					for i := range batch {
						batch[i] = SampleEvent(n)
						n++
					}
					b.StartTimer()
					if _, err := s.Append(b.Context(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// eventsPerJourney is the size of every journey of ScaleEvent.
const eventsPerJourney = 10

// ScaleEvent returns event i of a large synthetic store: journey i/10 (of
// either source, 500 health systems, 30,000 patients) in step i%10,
// journeys starting evenly over the 60 days before end. Most journeys
// complete; one in 5 stops after authorization (stalls), one in 7 fails
// its transfer, one in 13 is declined.
func ScaleEvent(i, journeys int, end time.Time) *conneventsv1.ConnectionEvent {
	j, step := i/eventsPerJourney, i%eventsPerJourney
	start := end.Add(-60 * 24 * time.Hour).Add(time.Duration(j) * (60 * 24 * time.Hour / time.Duration(journeys)))
	at := start.Add(time.Duration(step) * 10 * time.Minute)
	typ, stage := conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, conneventsv1.Stage_STAGE_TRANSFER
	switch {
	case step == 0:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, conneventsv1.Stage_STAGE_DISCOVERY
	case step == 1:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, conneventsv1.Stage_STAGE_DISCOVERY
	case step == 2 && j%13 == 0:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, conneventsv1.Stage_STAGE_AUTHORIZATION
	case step == 2:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION
	case j%13 == 0:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_SUPPORT_REQUESTED, conneventsv1.Stage_STAGE_OTHER
	case j%5 == 0:
	case step == 3:
		typ = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED
	case step == 9 && j%7 == 0:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, conneventsv1.Stage_STAGE_COMPLETION
	case step == 9:
		typ, stage = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION
	}
	sys := j % 500
	ev := &conneventsv1.ConnectionEvent{
		Id: fmt.Sprintf("0199d5a4-0000-7000-8000-%012d", i), SourceEventId: fmt.Sprintf("evt_%d", i),
		SourceEventType: typ.String(), Type: typ, Stage: stage, Outcome: conneventsv1.Outcome_OUTCOME_SUCCESS,
		ApiMode:    conneventsv1.ApiMode_API_MODE_LIVE,
		OccurredAt: timestamppb.New(at), ReceivedAt: timestamppb.New(at.Add(time.Second)),
		HealthSystem: &conneventsv1.HealthSystem{BrandId: fmt.Sprintf("brand-%d", sys), Name: fmt.Sprintf("Health System %d", sys)},
	}
	if j%2 == 0 {
		ev.Source = conneventsv1.Source_SOURCE_FASTEN
		ev.Patient = &conneventsv1.Patient{ExternalId: fmt.Sprintf("patient-%d", j%30000)}
		ev.Connection = &conneventsv1.Connection{OrgConnectionId: fmt.Sprintf("orgconn-%d", j), PlatformType: []string{"epic", "cerner"}[j%4/2]}
	} else {
		ev.Source = conneventsv1.Source_SOURCE_ONEUP
		ev.Patient = &conneventsv1.Patient{OneupUserId: fmt.Sprintf("user-%d", j%30000)}
		ev.HealthSystem.OneupSystemId = fmt.Sprintf("sys-%d", sys)
	}
	return ev
}

// benchEvents is the number of events of BenchmarkJourneys:
// $CONNEVENTS_BENCH_EVENTS, or 100,000 (the scale is 1,000,000).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("CONNEVENTS_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkJourneys fills one store with ScaleEvent events (10 per
// journey; see benchEvents) and measures the journey reads on it, with
// their p99 latency: a page of 100 journeys filtered by status, the newest
// page, one journey with its events, the 30-day funnel (ungrouped and by
// health system); then raw List throughput and a full rebuild, in events/s.
// Run it with -benchtime 1x: each iteration of a latency case runs its
// query latencySamples times.
func BenchmarkJourneys(b *testing.B, newStore NewStore) {
	s := newStore(b)
	total := benchEvents()
	journeys := total / eventsPerJourney
	end := time.Now()
	fillStart := time.Now()
	for start := 0; start < total; start += 1000 {
		batch := make([]*conneventsv1.ConnectionEvent, 0, 1000)
		for i := start; i < min(start+1000, total); i++ {
			batch = append(batch, ScaleEvent(i, journeys, end))
		}
		if _, err := s.Append(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled %d events in %d journeys in %s (%.0f events/s)", total, journeys, time.Since(fillStart),
		float64(total)/time.Since(fillStart).Seconds())
	// Statistics and visibility, as autovacuum gives a running service
	// (PostgreSQL; a no-op on SQLite).
	if v, ok := s.(interface{ Vacuum(context.Context) error }); ok {
		if err := v.Vacuum(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	ctx := b.Context()
	some, err := s.ListJourneys(ctx, store.JourneyQuery{Limit: 1})
	if err != nil || len(some) == 0 {
		b.Fatalf("ListJourneys: %v", err)
	}
	funnel := store.FunnelQuery{Start: end.Add(-30 * 24 * time.Hour), End: end}
	cases := []struct {
		name string
		run  func() error
	}{
		{"list_status_stalled", func() error {
			_, err := s.ListJourneys(ctx, store.JourneyQuery{Limit: 100, Filter: &conneventsv1.ConnectionFilter{
				Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED}}})
			return err
		}},
		{"list_status_failed_page50", func() error {
			page, err := s.ListJourneys(ctx, store.JourneyQuery{Limit: 100, Filter: &conneventsv1.ConnectionFilter{
				Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED}}})
			if err != nil || len(page) == 0 {
				return err
			}
			k := store.JourneyKeyOf(page[len(page)-1])
			_, err = s.ListJourneys(ctx, store.JourneyQuery{Limit: 100, After: &k, Filter: &conneventsv1.ConnectionFilter{
				Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED}}})
			return err
		}},
		{"list_newest", func() error {
			_, err := s.ListJourneys(ctx, store.JourneyQuery{Limit: 100})
			return err
		}},
		{"list_patient", func() error {
			_, err := s.ListJourneys(ctx, store.JourneyQuery{Limit: 100, Filter: &conneventsv1.ConnectionFilter{Patient: "user-777"}})
			return err
		}},
		{"get_journey", func() error {
			_, _, err := s.GetJourney(ctx, some[0].GetId(), 100)
			return err
		}},
		{"funnel_30d", func() error {
			_, err := s.Funnel(ctx, funnel)
			return err
		}},
		{"funnel_30d_by_health_system", func() error {
			q := funnel
			q.GroupBy = conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM
			_, err := s.Funnel(ctx, q)
			return err
		}},
	}
	b.Run("list_filters", func(b *testing.B) { benchJourneyFilters(b, s, end) })
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				for range latencySamples {
					t0 := time.Now()
					if err := c.run(); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
			}
			reportLatency(b, lat)
		})
	}
	b.Run("list_all_events", func(b *testing.B) {
		for b.Loop() {
			var after int64
			for {
				page, err := s.List(ctx, store.Query{Order: store.Ascending, After: after, Limit: 1000})
				if err != nil {
					b.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				after = page[len(page)-1].GetSequence()
			}
		}
		b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			if n, err := s.RebuildJourneys(ctx, 0); err != nil || n != 0 {
				b.Fatalf("RebuildJourneys = %d, %v", n, err)
			}
		}
		b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// benchJourneyFilters measures a first and a deep page (past the middle of
// the journeys' last activity) of every JourneyPlanFilters filter, both
// orders, filterSamples times each, and reports the worst p99 of any of
// them (logging the five worst): ListConnections is flat in the number of
// journeys when that worst stays flat.
func benchJourneyFilters(b *testing.B, s store.Store, end time.Time) {
	type shape struct {
		name string
		p99  time.Duration
	}
	var shapes []shape
	middle := store.JourneyKey{LastEventAt: end.Add(-30 * 24 * time.Hour), ID: "cnx_m"}
	pages := []struct {
		name  string
		after *store.JourneyKey
		order store.Order
	}{{"first", nil, store.Descending}, {"deep", &middle, store.Descending},
		{"oldest", nil, store.Ascending}, {"deep oldest", &middle, store.Ascending}}
	for b.Loop() {
		// Two rounds; the second is reported (the first may still share
		// the machine with the fill's last checkpoint).
		for range 2 {
			shapes = shapes[:0]
			for _, nf := range JourneyPlanFilters(end) {
				for _, p := range pages {
					q := store.JourneyQuery{Filter: nf.Filter, After: p.after, Order: p.order, Limit: 100, Now: end}
					lat := make([]time.Duration, 0, filterSamples)
					for range filterSamples {
						t0 := time.Now()
						if _, err := s.ListJourneys(b.Context(), q); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					slices.Sort(lat)
					shapes = append(shapes, shape{nf.Name + ", " + p.name, lat[(99*len(lat)+99)/100-1]})
				}
			}
		}
	}
	slices.SortFunc(shapes, func(a, b shape) int { return int(b.p99 - a.p99) })
	for _, sh := range shapes[:min(5, len(shapes))] {
		b.Logf("p99 %6.2f ms  %s", float64(sh.p99)/float64(time.Millisecond), sh.name)
	}
	b.ReportMetric(float64(shapes[0].p99)/float64(time.Millisecond), "worst-p99-ms")
	b.ReportMetric(float64(len(shapes)), "shapes")
}

// filterSamples is how many times benchJourneyFilters runs each shape.
const filterSamples = 30

// latencySamples is how many times one iteration of a latency
// sub-benchmark runs its query, so that a p99 means something even at
// -benchtime 1x (the way to run the large store: one fill).
const latencySamples = 100

// reportLatency reports the p50 and p99 of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p int) float64 { return float64(lat[(p*len(lat)+99)/100-1]) / float64(time.Millisecond) }
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(99), "p99-ms")
}
