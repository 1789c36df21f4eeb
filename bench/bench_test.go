package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

func TestClosedLoopCountsAndCaps(t *testing.T) {
	b := &Bench{progress: &progress{}, errors: map[string]string{}}
	s := b.closedLoop(t.Context(), "test", 4, time.Minute, 100, func(context.Context, int) (int, error) {
		return 3, nil
	})
	if s.count != 300 || len(s.lat) != 100 || s.errors != 0 {
		t.Errorf("count %d, latencies %d, errors %d; want 300, 100, 0", s.count, len(s.lat), s.errors)
	}
}

func TestDeliveriesAreUniqueAndSigned(t *testing.T) {
	ds, err := makeDeliveries(8)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.id] || !bytes.Contains(d.body, []byte(d.id)) || !strings.HasPrefix(d.signature, "v1,") {
			t.Errorf("delivery %s: duplicate, unsigned or id not in body", d.id)
		}
		seen[d.id] = true
	}
}

// TestTrafficSpreadsOverConnections: deliveries and AuditEvents name many
// connections (one journey each), as the normalizers read them.
func TestTrafficSpreadsOverConnections(t *testing.T) {
	ds, err := makeDeliveries(8)
	if err != nil {
		t.Fatal(err)
	}
	fastenConns := map[string]bool{}
	for _, d := range ds {
		ev, err := fasten.Normalize(d.body)
		if err != nil {
			t.Fatal(err)
		}
		fastenConns[ev.GetConnection().GetOrgConnectionId()] = true
	}
	if len(fastenConns) != 8 || fastenConns[""] {
		t.Errorf("8 deliveries name the connections %v, want 8 distinct ones", fastenConns)
	}
	users := map[string]bool{}
	for _, p := range auditPayloads(2, 4) {
		if bytes.Contains(p, []byte(connectionPlaceholder)) {
			t.Fatalf("an AuditEvent kept the placeholder: %s", p)
		}
		for _, u := range regexp.MustCompile(`1up-user-bench-connection-\d+`).FindAll(p, -1) {
			users[string(u)] = true
		}
	}
	if len(users) != 8 {
		t.Errorf("8 AuditEvents name the 1upHealth users %v, want 8 distinct ones", users)
	}
}

func TestReportTableAndJSON(t *testing.T) {
	r := Result{Name: "webhook ingest", Value: 12000, Unit: "events/s", P50: 2, P99: 9}.
		withCeiling("empty handler", 40000).withTarget("≥ 0.3×", true)
	rep := &Report{Machine: thisMachine(), Results: []Result{r}}
	var table, js bytes.Buffer
	rep.WriteTable(&table)
	for _, want := range []string{"webhook ingest", "12000 events/s", "0.30×", "≥ 0.3× ✓", "2.00 / 9.00"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Results[0].Ratio != 0.3 {
		t.Errorf("JSON round trip: %v %+v", err, back.Results)
	}
}

func TestQueryShapesAreEveryFieldAloneAndInPairs(t *testing.T) {
	for _, withConn := range []bool{false, true} {
		fields := filterFields(withConn)
		n := len(fields)
		shapes := queryShapes(fields)
		// no filter, the filter matching nothing, n alone, n·(n−1)/2 pairs.
		if want := 2 + n + n*(n-1)/2; len(shapes) != want {
			t.Errorf("connection_id %v: %d shapes, want %d", withConn, len(shapes), want)
		}
		p := &pools{rng: rand.New(rand.NewPCG(1, 2)), patients: 10, connections: []string{"c"}, end: time.Now()}
		seen := map[string]bool{}
		for _, s := range shapes {
			f := s.filter(p)
			if len(s.fields) > 0 && (f == nil || proto.Equal(f, &conneventsv1.EventFilter{})) {
				t.Errorf("shape %q sets no field", s.name)
			}
			if seen[s.name] {
				t.Errorf("shape %q twice", s.name)
			}
			seen[s.name] = true
		}
	}
}

// TestQueryFiguresAreMediansOfRounds: one slow round of a shape-page does
// not set its p99; its slowest call is still reported.
func TestQueryFiguresAreMediansOfRounds(t *testing.T) {
	got := medianOf([]measured{{1, 2, 3, 200}, {1.5, 40, 90, 180}, {0.9, 2.5, 4, 200}})
	if want := (measured{1, 2.5, 90, 180}); got != want {
		t.Errorf("medianOf = %+v, want %+v", got, want)
	}
}

// TestTrafficLooksReal: many patients, rare failures, 30 days, never a
// test event (the filter that must match nothing).
func TestTrafficLooksReal(t *testing.T) {
	const n = 20000
	tr, err := newTraffic(n, 7)
	if err != nil {
		t.Fatal(err)
	}
	patients := map[string]bool{}
	failures := 0
	var first, last time.Time
	for i, ev := range tr.batch(n) {
		if ev.GetType() == conneventsv1.EventType_EVENT_TYPE_TEST {
			t.Fatal("traffic holds an EVENT_TYPE_TEST event")
		}
		if ev.GetOutcome() != conneventsv1.Outcome_OUTCOME_SUCCESS {
			failures++
		}
		patients[ev.GetPatient().GetExternalId()+ev.GetPatient().GetOneupUserId()] = true
		at := ev.GetOccurredAt().AsTime()
		if i == 0 {
			first = at
		}
		last = at
	}
	if len(patients) < 200 {
		t.Errorf("%d patients in %d events, want many", len(patients), n)
	}
	if share := float64(failures) / n; share > 0.03 || failures == 0 {
		t.Errorf("failures are %.1f %% of the traffic, want rare but present", share*100)
	}
	if span := last.Sub(first); span < 29*24*time.Hour || span > 31*24*time.Hour {
		t.Errorf("occurred_at spans %v, want about 30 days", span)
	}
}

func TestProcessCPU(t *testing.T) {
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	if processCPU(os.Getpid()) <= 0 {
		t.Error("no CPU time read for this process")
	}
	if processCPU(-1) != 0 {
		t.Error("CPU time for a process that does not exist")
	}
}

// TestNormalizedEventsPastOnePush: the raw-append row's events include
// more AuditEvents than one push may hold.
func TestNormalizedEventsPastOnePush(t *testing.T) {
	n := 2*oneup.MaxPushItems + 1001
	evs, err := normalizedEvents(n)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Errorf("%d events, want %d", len(evs), n)
	}
}
