package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// TestSilentSource: with --fasten-expect-every, Fasten becomes DEGRADED
// with a reason (and connevents_source_degraded 1) when nothing arrives for
// that long, and recovers by itself with the next delivery. 1upHealth,
// without an expectation, is left alone.
func TestSilentSource(t *testing.T) {
	const every = 300 * time.Millisecond
	s := testserver.Start(t, func(c *server.Config) { c.FastenExpectEvery = every })
	get := func() *conneventsv1.SourceStatus {
		resp, err := s.Client.GetSourceStatus(context.Background(), &conneventsv1.GetSourceStatusRequest{Source: conneventsv1.Source_SOURCE_FASTEN})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	degraded := func() float64 {
		_, fams := scrape(t, s)
		return sum(fams, "connevents_source_degraded", map[string]string{"source": "fasten"})
	}
	if st := get(); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || degraded() != 0 {
		t.Fatalf("at start: %v", st)
	}
	eventually(t, "Fasten degraded", func() bool { return get().GetState() == conneventsv1.SourceState_SOURCE_STATE_DEGRADED })
	st := get()
	if !strings.Contains(st.GetDegradedReason(), "--fasten-expect-every") || degraded() != 1 {
		t.Errorf("degraded: %v, metric %v", st, degraded())
	}
	if code, body, err := post(s.BaseURL, signed(t, sample(t, fasten.TypeConnectionSuccess))); err != nil || code != http.StatusOK {
		t.Fatalf("delivery: %d %s %v", code, body, err)
	}
	if st := get(); st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || st.GetDegradedReason() != "" || degraded() != 0 {
		t.Errorf("after a delivery: %v, metric %v", st, degraded())
	}
	if sum(func() map[string]*dto.MetricFamily { _, f := scrape(t, s); return f }(), "connevents_source_degraded", map[string]string{"source": "oneup"}) != 0 {
		t.Error("1upHealth degraded without an expectation")
	}
}
