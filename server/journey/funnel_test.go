package journey

import (
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

// times builds step times from kind/offset pairs after t0.
func times(pairs ...any) Times {
	var t Times
	for i := 0; i < len(pairs); i += 2 {
		t[pairs[i].(Kind)] = t0.Add(pairs[i+1].(time.Duration))
	}
	return t
}

func TestComputeFunnel(t *testing.T) {
	m := time.Minute
	journeys := []FunnelJourney{
		{Times: times(Searched, 0*m, Selected, 10*m, Authorized, 20*m, TransferStarted, 30*m, Completed, 90*m)},
		{Times: times(Authorized, 0*m, Completed, 240*m)}, // Fasten: no transfer start
		{Times: times(Searched, 0*m, Selected, 30*m, Declined, 40*m)},
		{Times: times(Authorized, 0*m, TransferStarted, 60*m, TransferFailed, 120*m)},
		{Times: times(Selected, 0*m), Stalled: true},
		{Times: times(Authorized, 0*m, Revoked, 60*m)},
		{Times: times(Selected, 0*m, ConnectionFailed, 5*m)},
		{Times: times(Searched, 50*m, Selected, 20*m)}, // out of order: not timed
	}
	discovery := []FunnelDiscovery{
		{Patient: "p1", Kind: Searched}, {Patient: "p1", Kind: Searched}, {Patient: "p2", Kind: Searched},
		{Patient: "p3", Kind: Selected}, {Patient: "p1", Kind: Selected}, {Patient: "p4", Kind: Requested},
		{Patient: "p5", Kind: Authorized}, // not a discovery kind: ignored by the counts
	}
	got := ComputeFunnel(journeys, discovery)
	if len(got) != 1 {
		t.Fatalf("%d groups, want 1", len(got))
	}
	f := got[0]
	counts := []struct {
		name      string
		got, want int64
	}{
		{"patients searched", f.GetPatientsSearched(), 2}, {"patients selected", f.GetPatientsSelected(), 2},
		{"patients requested", f.GetPatientsRequested(), 1}, {"connections", f.GetConnections(), 8},
		{"authorized", f.GetAuthorized(), 4}, {"declined", f.GetDeclined(), 1},
		{"connection failed", f.GetConnectionFailed(), 1}, {"transfer started", f.GetTransferStarted(), 3},
		{"completed", f.GetCompleted(), 2}, {"transfer failed", f.GetTransferFailed(), 1},
		{"stalled", f.GetStalled(), 1}, {"revoked", f.GetRevoked(), 1},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	wantConv := []struct {
		from, to conneventsv1.FunnelStep
		rate     float64
		timed    int64
		p50, p90 time.Duration
	}{
		{conneventsv1.FunnelStep_FUNNEL_STEP_SEARCHED, conneventsv1.FunnelStep_FUNNEL_STEP_SELECTED, 1, 2, 10 * m, 30 * m},
		{conneventsv1.FunnelStep_FUNNEL_STEP_SELECTED, conneventsv1.FunnelStep_FUNNEL_STEP_AUTHORIZED, 2, 1, 10 * m, 10 * m},
		{conneventsv1.FunnelStep_FUNNEL_STEP_AUTHORIZED, conneventsv1.FunnelStep_FUNNEL_STEP_TRANSFER_STARTED, 0.75, 2, 10 * m, 60 * m},
		{conneventsv1.FunnelStep_FUNNEL_STEP_TRANSFER_STARTED, conneventsv1.FunnelStep_FUNNEL_STEP_COMPLETED, 2.0 / 3, 1, 60 * m, 60 * m},
	}
	if len(f.GetConversions()) != len(wantConv) {
		t.Fatalf("%d conversions, want %d", len(f.GetConversions()), len(wantConv))
	}
	for i, w := range wantConv {
		c := f.GetConversions()[i]
		if c.GetFromStep() != w.from || c.GetToStep() != w.to || c.GetRate() != w.rate || c.GetTimed() != w.timed ||
			c.GetP50().AsDuration() != w.p50 || c.GetP90().AsDuration() != w.p90 {
			t.Errorf("conversion %d = %v, want %+v", i, c, w)
		}
	}
}

func TestComputeFunnelGroups(t *testing.T) {
	now := t0.Add(time.Hour)
	fa := journeyOf(now, fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, fasten.WithVariant("authorized")))
	up1 := journeyOf(now, up(t, oneup.SubtypeSystemSelected, t0, 2, "0"))
	up2 := journeyOf(now, up(t, oneup.SubtypeMemberAuthorization, t0, 3, "0"))
	g := conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE
	rows := []FunnelJourney{FunnelJourneyOf(g, fa), FunnelJourneyOf(g, up1), FunnelJourneyOf(g, up2)}
	selected := up(t, oneup.SubtypeSystemSelected, t0, 2, "0")
	d, ok := FunnelDiscoveryOf(g, selected)
	if !ok {
		t.Fatal("a selection is no discovery row")
	}
	if _, ok := FunnelDiscoveryOf(g, up(t, oneup.SubtypeMemberAuthorization, t0, 3, "0")); ok {
		t.Error("an authorization is a discovery row")
	}
	got := ComputeFunnel(rows, []FunnelDiscovery{d})
	if len(got) != 2 || got[0].GetGroup() != "SOURCE_ONEUP" || got[0].GetConnections() != 2 || got[0].GetPatientsSelected() != 1 ||
		got[1].GetGroup() != "SOURCE_FASTEN" || got[1].GetConnections() != 1 || got[1].GetAuthorized() != 1 {
		t.Errorf("by source: %v", got)
	}
	g = conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM
	if r := FunnelJourneyOf(g, up1); r.Group != "4706" || r.GroupName != "Humana" {
		t.Errorf("1up health system group = %q %q", r.Group, r.GroupName)
	}
	if r := FunnelJourneyOf(g, fa); r.Group != fa.GetHealthSystem().GetBrandId() || r.Group == "" {
		t.Errorf("Fasten health system group = %q, want the brand id", r.Group)
	}
	if r := FunnelJourneyOf(conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_PLATFORM_TYPE, fa); r.Group != "epic" {
		t.Errorf("platform group = %q", r.Group)
	}
	if got := ComputeFunnel(nil, nil); len(got) != 0 {
		t.Errorf("empty funnel: %v", got)
	}
}

func TestPercentile(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if percentile(d, 50) != 5 || percentile(d, 90) != 9 || percentile(d[:1], 50) != 1 || percentile(d[:1], 90) != 1 {
		t.Errorf("percentiles: %v %v %v", percentile(d, 50), percentile(d, 90), percentile(d[:1], 90))
	}
}
