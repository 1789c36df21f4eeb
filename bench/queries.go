package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// queryPageSize is the page the query rows read, as ListEvents would.
const queryPageSize = 100

// ratioFloorMs: p99s below it count as it in the large ÷ small ratio, so
// that a 0.05 → 0.15 ms wobble of the timer and scheduler on a shared
// machine is not reported as growth.
const ratioFloorMs = 0.5

// filterField is one EventFilter field set to a value real users ask for;
// set may pick a fresh value (a random patient) on every call.
type filterField struct {
	name string
	set  func(f *conneventsv1.EventFilter, p *pools)
}

// pools are the values the filters pick from, known from how the store was
// built (traffic) or read back from it (journeys).
type pools struct {
	rng         *rand.Rand
	patients    int
	connections []string // connection_id values seen in the store
	end         time.Time
}

func (p *pools) patient() string {
	i := p.rng.IntN(p.patients)
	switch p.rng.IntN(3) {
	case 0:
		return patientKey("ext", i)
	case 1:
		return patientKey("user", i)
	}
	return "Patient/" + patientKey("fhir", i)
}

// filterFields are the fields the query rows combine; connection_id only
// when the store assigns journeys.
func filterFields(withConnections bool) []filterField {
	fields := []filterField{
		{"sources=FASTEN", func(f *conneventsv1.EventFilter, _ *pools) { f.Sources = []conneventsv1.Source{fastenSrc} }},
		{"types=CONNECTION_FAILED (0.4 %)", func(f *conneventsv1.EventFilter, _ *pools) {
			f.Types = []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED}
		}},
		{"stages=TRANSFER", func(f *conneventsv1.EventFilter, _ *pools) {
			f.Stages = []conneventsv1.Stage{conneventsv1.Stage_STAGE_TRANSFER}
		}},
		{"outcomes=MAJOR_FAILURE (0.2 %)", func(f *conneventsv1.EventFilter, _ *pools) {
			f.Outcomes = []conneventsv1.Outcome{conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE}
		}},
		{"patient", func(f *conneventsv1.EventFilter, p *pools) { f.Patient = p.patient() }},
		{"org_connection_id", func(f *conneventsv1.EventFilter, p *pools) { f.OrgConnectionId = orgConnection(p.rng.IntN(p.patients)) }},
		{"api_mode=TEST (3 %)", func(f *conneventsv1.EventFilter, _ *pools) { f.ApiMode = conneventsv1.ApiMode_API_MODE_TEST }},
		{"occurred_after=1h ago", func(f *conneventsv1.EventFilter, p *pools) { f.OccurredAfter = timestamppb.New(p.end.Add(-time.Hour)) }},
		{"occurred_before=day 1", func(f *conneventsv1.EventFilter, p *pools) {
			f.OccurredBefore = timestamppb.New(p.end.Add(-(trafficDays - 1) * 24 * time.Hour))
		}},
		{"occurred_before=1h ago", func(f *conneventsv1.EventFilter, p *pools) { f.OccurredBefore = timestamppb.New(p.end.Add(-time.Hour)) }},
	}
	if withConnections {
		fields = append(fields, filterField{"connection_id", func(f *conneventsv1.EventFilter, p *pools) {
			f.ConnectionId = p.connections[p.rng.IntN(len(p.connections))]
		}})
	}
	return fields
}

// queryShape is a filter to time: no filter, one field, or two.
type queryShape struct {
	name   string
	fields []filterField
}

func (s queryShape) filter(p *pools) *conneventsv1.EventFilter {
	if len(s.fields) == 0 {
		return nil
	}
	f := &conneventsv1.EventFilter{}
	for _, fld := range s.fields {
		fld.set(f, p)
	}
	return f
}

// queryShapes: no filter, a filter that matches nothing, every field alone
// and every pair of fields.
func queryShapes(fields []filterField) []queryShape {
	nothing := filterField{"types=TEST (matches nothing)", func(f *conneventsv1.EventFilter, _ *pools) {
		f.Types = []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_TEST}
	}}
	shapes := []queryShape{{name: "no filter"}, {name: nothing.name, fields: []filterField{nothing}}}
	for _, f := range fields {
		shapes = append(shapes, queryShape{name: f.name, fields: []filterField{f}})
	}
	for i, a := range fields {
		for _, c := range fields[i+1:] {
			shapes = append(shapes, queryShape{name: a.name + " + " + c.name, fields: []filterField{a, c}})
		}
	}
	return shapes
}

// QueryResult is one filter shape and page on one backend at both sizes.
type QueryResult struct {
	Backend string  `json:"backend"`
	Shape   string  `json:"shape"`
	Page    string  `json:"page"`
	SmallN  int     `json:"small_events"`
	LargeN  int     `json:"large_events"`
	P50S    float64 `json:"small_p50_ms"`
	P99S    float64 `json:"small_p99_ms"`
	P50L    float64 `json:"large_p50_ms"`
	P99L    float64 `json:"large_p99_ms"`
	Samples int     `json:"samples"` // calls a round
	Rounds  int     `json:"rounds"`  // rounds; the figures are their medians
	Ratio   float64 `json:"p99_ratio"`
}

// pages are the two pages every shape reads: the newest, and one deep in
// the log (descending from 5 % of the way up: a filter the planner serves
// by walking the sequence index walks nearly the whole log there).
var pages = []string{"first page", "deep page"}

// queriesPhase times every filter shape, first and deep page, on a small
// and a large store of each backend.
func (b *Bench) queriesPhase(ctx context.Context) error {
	large := b.cfg.Rows
	small := large / 10
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		if err := b.queryBackend(ctx, backend, small, large); err != nil {
			return fmt.Errorf("%s: %w", backend, err)
		}
	}
	return nil
}

// queryRounds is how many times every shape-page is timed. The rounds
// run one after the other over all shapes, so a burst of load on the
// shared machine lands in one round of a shape, and each figure reported
// is the median of its rounds (the "medians of 3").
const queryRounds = 3

// shapePage names one filter shape on one page.
type shapePage struct{ shape, page string }

// measured is one shape-page's latencies in milliseconds: medians of its
// rounds' p50 and p99, its slowest call, and the fewest calls a round made.
type measured struct {
	p50, p99, max float64
	calls         int
}

func (b *Bench) queryBackend(ctx context.Context, backend string, small, large int) error {
	var got [2]map[shapePage]measured
	var shapes []queryShape
	for i, size := range []int{small, large} {
		st, done, err := b.queryStore(ctx, backend, size)
		if err != nil {
			if errorsIsSkip(err) {
				b.add(Result{Name: "queries, " + backend, Note: "skipped: " + err.Error()})
				return nil
			}
			return err
		}
		p, err := b.pools(ctx, st, size)
		if err == nil {
			if i == 0 {
				shapes = queryShapes(filterFields(len(p.connections) > 0))
			}
			got[i], err = b.timeShapes(ctx, st, shapes, p, backend+" "+humanCount(size))
		}
		done()
		if err != nil {
			return err
		}
	}
	b.reportQueries(backend, small, large, shapes, got)
	return nil
}

// timeShapes times every shape-page of one store in queryRounds rounds and
// returns the medians.
func (b *Bench) timeShapes(ctx context.Context, st store.Store, shapes []queryShape, p *pools, label string) (map[shapePage]measured, error) {
	rounds := map[shapePage][]measured{}
	for round := range queryRounds {
		for si, s := range shapes {
			for _, page := range pages {
				b.progress.say(fmt.Sprintf("queries %s, round %d/%d: %d/%d %s, %s", label, round+1, queryRounds, si+1, len(shapes), s.name, page))
				lat, err := b.timeQuery(ctx, st, s, page, p)
				if err != nil {
					return nil, fmt.Errorf("%s, %s: %w", s.name, page, err)
				}
				k := shapePage{s.name, page}
				rounds[k] = append(rounds[k], measured{lat.percentile(0.5), lat.percentile(0.99), lat.percentile(1), len(lat.lat)})
			}
		}
	}
	out := make(map[shapePage]measured, len(rounds))
	for k, ms := range rounds {
		out[k] = medianOf(ms)
	}
	return out, nil
}

// medianOf is the median p50 and p99 of rounds, their slowest call and
// their fewest calls.
func medianOf(rounds []measured) measured {
	var p50s, p99s []float64
	m := measured{calls: rounds[0].calls}
	for _, r := range rounds {
		p50s, p99s = append(p50s, r.p50), append(p99s, r.p99)
		m.max, m.calls = max(m.max, r.max), min(m.calls, r.calls)
	}
	slices.Sort(p50s)
	slices.Sort(p99s)
	m.p50, m.p99 = p50s[len(p50s)/2], p99s[len(p99s)/2]
	return m
}

// reportQueries adds the per-shape rows and the two summary rows of one
// backend: the worst p99 on the large store, and the worst large ÷ small.
func (b *Bench) reportQueries(backend string, small, large int, shapes []queryShape, got [2]map[shapePage]measured) {
	var worstL, worstRatio, slowest float64
	var worstLName, worstRatioName string
	var over int
	var p50s []float64
	for _, s := range shapes {
		for _, page := range pages {
			k := shapePage{s.name, page}
			sm, lg := got[0][k], got[1][k]
			q := QueryResult{Backend: backend, Shape: s.name, Page: page, SmallN: small, LargeN: large,
				P50S: sm.p50, P99S: sm.p99, P50L: lg.p50, P99L: lg.p99, Samples: lg.calls, Rounds: queryRounds,
				Ratio: max(lg.p99, ratioFloorMs) / max(sm.p99, ratioFloorMs)}
			b.queries = append(b.queries, q)
			p50s = append(p50s, lg.p50)
			slowest = max(slowest, lg.max)
			if lg.p99 > 10 {
				over++
			}
			if lg.p99 > worstL {
				worstL, worstLName = lg.p99, s.name+", "+page
			}
			if q.Ratio > worstRatio {
				worstRatio, worstRatioName = q.Ratio, s.name+", "+page
			}
		}
	}
	slices.Sort(p50s)
	total := len(shapes) * len(pages)
	r := Result{Name: fmt.Sprintf("ListEvents filters on %s events, %s (%d shapes × 2 pages)", humanCount(large), backend, len(shapes)),
		Value: worstL, Unit: "ms worst p99", P50: p50s[len(p50s)/2], P99: worstL,
		Note: fmt.Sprintf("store List, page of %d, one client, %d rounds of up to %d calls (%s) a shape-page, figures are medians of the rounds; p50 column = median of the shapes' p50s; worst: %s; %d of %d over 10 ms; slowest single call %.1f ms",
			queryPageSize, queryRounds, b.queryLimits().most, b.queryLimits().budget, worstLName, over, total, slowest)}
	b.add(r.withTarget("every p99 ≤ 10 ms", over == 0))
	rr := Result{Name: fmt.Sprintf("ListEvents filters, p99 on %s ÷ on %s events, %s", humanCount(large), humanCount(small), backend),
		Value: worstRatio, Unit: "× worst", Ratio: worstRatio,
		Note: fmt.Sprintf("worst: %s; p99s under %.1f ms count as %.1f ms", worstRatioName, ratioFloorMs, ratioFloorMs)}
	b.add(rr.withTarget("≤ 2×", worstRatio <= 2))
}

// timeQuery runs one shape's page repeatedly, one call at a time, for a
// bounded number of calls and time.
func (b *Bench) timeQuery(ctx context.Context, st store.Store, s queryShape, page string, p *pools) (stats, error) {
	bounds, err := st.Bounds(ctx)
	if err != nil {
		return stats{}, err
	}
	q := store.Query{Order: store.Descending, Limit: queryPageSize}
	if page == "deep page" {
		q.Before = bounds.Oldest + (bounds.Head-bounds.Oldest)/20
	}
	lim := b.queryLimits()
	q.Filter = s.filter(p)
	if _, err := st.List(ctx, q); err != nil { // warm the cache
		return stats{}, err
	}
	var lat []time.Duration
	start := time.Now()
	for len(lat) < lim.least || (len(lat) < lim.most && time.Since(start) < lim.budget) {
		q.Filter = s.filter(p)
		t := time.Now()
		if _, err := st.List(ctx, q); err != nil {
			return stats{}, err
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	return stats{lat: lat}, nil
}

// queryLimits bound the calls of one round of one shape-page: at least
// least, then up to most while budget lasts. 200 calls, so that a round's
// p99 is a real one (the third slowest call), not the slowest of a few
// dozen, which one scheduler hiccup on a shared machine sets.
type queryLimits struct {
	least, most int
	budget      time.Duration
}

func (b *Bench) queryLimits() queryLimits {
	if b.cfg.Quick {
		return queryLimits{3, 20, 150 * time.Millisecond}
	}
	return queryLimits{5, 200, time.Second}
}

// pools reads back what the filters need from a store of size events.
func (b *Bench) pools(ctx context.Context, st store.Store, size int) (*pools, error) {
	p := &pools{rng: rand.New(rand.NewPCG(uint64(size), 2)), patients: trafficPatients(size), end: time.Now()}
	page, err := st.List(ctx, store.Query{Order: store.Descending, Limit: 1})
	if err != nil || len(page) == 0 {
		return nil, fmt.Errorf("bench: the query store is empty (%v)", err)
	}
	p.end = page[0].GetOccurredAt().AsTime()
	bounds, err := st.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	for range 256 {
		after := bounds.Oldest - 1 + p.rng.Int64N(max(1, bounds.Head-bounds.Oldest+1))
		evs, err := st.List(ctx, store.Query{Order: store.Ascending, After: after, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if c := ev.GetConnectionId(); c != "" {
				p.connections = append(p.connections, c)
			}
		}
	}
	return p, nil
}
