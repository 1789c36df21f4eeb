package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
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
