package journey

import (
	"cmp"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// FunnelJourney is what the funnel needs of one journey of the cohort.
type FunnelJourney struct {
	// Group and GroupName: see GroupOf.
	Group, GroupName string
	// Times of the journey's steps.
	Times Times
	// Stalled: the journey's current status is STALLED.
	Stalled bool
}

// FunnelDiscovery is one discovery event of the window: a patient who
// searched, selected or requested a system.
type FunnelDiscovery struct {
	// Group and GroupName: see GroupOf.
	Group, GroupName string
	// Patient identifies the patient (PatientKey).
	Patient string
	// Kind is Searched, Selected or Requested; other kinds are ignored.
	Kind Kind
}

// FunnelJourneyOf returns the funnel row of a journey, grouped by g.
func FunnelJourneyOf(g conneventsv1.FunnelGroupBy, j *conneventsv1.ConnectionJourney) FunnelJourney {
	group, name := GroupOf(g, j.GetSource(), j.GetHealthSystem(), j.GetConnection().GetPlatformType())
	return FunnelJourney{
		Group: group, GroupName: name, Times: TimesOf(j.GetStepTimes()),
		Stalled: j.GetStatus() == conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED,
	}
}

// FunnelDiscoveryOf returns the funnel row of an event, grouped by g, and
// false when the event is no discovery step or names no patient.
func FunnelDiscoveryOf(g conneventsv1.FunnelGroupBy, ev *conneventsv1.ConnectionEvent) (FunnelDiscovery, bool) {
	k := KindOf(ev)
	patient := PatientKey(ev)
	if (k != Searched && k != Selected && k != Requested) || patient == "" {
		return FunnelDiscovery{}, false
	}
	group, name := GroupOf(g, ev.GetSource(), ev.GetHealthSystem(), ev.GetConnection().GetPlatformType())
	return FunnelDiscovery{Group: group, GroupName: name, Patient: patient, Kind: k}, true
}

// PatientKey identifies an event's patient for counting distinct patients:
// the source and the first identifier of the 1upHealth user id, the Fasten
// external id and the FHIR patient reference; "" when there is none.
// Personal data: never log it.
func PatientKey(ev *conneventsv1.ConnectionEvent) string {
	p := ev.GetPatient()
	for _, id := range []string{p.GetOneupUserId(), p.GetExternalId(), p.GetFhirPatientReference()} {
		if id != "" {
			return ev.GetSource().String() + "\x00" + id
		}
	}
	return ""
}

// GroupOf returns the funnel group of a journey or event: its source's enum
// name, its health system (the 1upHealth system id, or the first Fasten id
// among brand, endpoint, portal, org and TEFCA directory; with the display
// name when known) or its platform type; "" for FUNNEL_GROUP_BY_UNSPECIFIED
// and for an unknown value.
func GroupOf(g conneventsv1.FunnelGroupBy, src conneventsv1.Source, hs *conneventsv1.HealthSystem, platform string) (group, name string) {
	switch g {
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE:
		return src.String(), ""
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_PLATFORM_TYPE:
		return platform, ""
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM:
		for _, id := range []string{hs.GetOneupSystemId(), hs.GetBrandId(), hs.GetEndpointId(), hs.GetPortalId(), hs.GetOrgId(), hs.GetTefcaDirectoryId()} {
			if id != "" {
				return id, hs.GetName()
			}
		}
		return "", hs.GetName()
	}
	return "", ""
}

// chain is the funnel's chain of steps, in order.
var chain = []struct {
	step conneventsv1.FunnelStep
	kind Kind
}{
	{conneventsv1.FunnelStep_FUNNEL_STEP_SEARCHED, Searched},
	{conneventsv1.FunnelStep_FUNNEL_STEP_SELECTED, Selected},
	{conneventsv1.FunnelStep_FUNNEL_STEP_AUTHORIZED, Authorized},
	{conneventsv1.FunnelStep_FUNNEL_STEP_TRANSFER_STARTED, TransferStarted},
	{conneventsv1.FunnelStep_FUNNEL_STEP_COMPLETED, Completed},
}

// funnelGroup accumulates one group.
type funnelGroup struct {
	f         *conneventsv1.Funnel
	patients  [numKinds]map[string]struct{}
	durations [][]time.Duration // per chain link
}

// ComputeFunnel counts the funnel of a cohort of journeys (those whose
// first event fell in the window) and the discovery events of the window,
// one Funnel per group, by descending number of connections then group.
// Every figure is exact; see conneventsv1.Funnel for the meaning of each.
func ComputeFunnel(journeys []FunnelJourney, discovery []FunnelDiscovery) []*conneventsv1.Funnel {
	groups := map[string]*funnelGroup{}
	get := func(group, name string) *funnelGroup {
		g, ok := groups[group]
		if !ok {
			g = &funnelGroup{f: &conneventsv1.Funnel{Group: group}, durations: make([][]time.Duration, len(chain)-1)}
			groups[group] = g
		}
		if g.f.GroupName == "" || (name != "" && name < g.f.GroupName) {
			g.f.GroupName = name // deterministic whatever the row order
		}
		return g
	}
	for _, d := range discovery {
		g := get(d.Group, d.GroupName)
		if g.patients[d.Kind] == nil {
			g.patients[d.Kind] = map[string]struct{}{}
		}
		g.patients[d.Kind][d.Patient] = struct{}{}
	}
	for _, j := range journeys {
		get(j.Group, j.GroupName).add(j)
	}
	out := make([]*conneventsv1.Funnel, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.finish())
	}
	slices.SortFunc(out, func(a, b *conneventsv1.Funnel) int {
		return cmp.Or(cmp.Compare(b.GetConnections(), a.GetConnections()), cmp.Compare(a.GetGroup(), b.GetGroup()))
	})
	return out
}

// add counts one journey.
func (g *funnelGroup) add(j FunnelJourney) {
	t, f := j.Times, g.f
	reached := func(ks ...Kind) bool {
		for _, k := range ks {
			if !t[k].IsZero() {
				return true
			}
		}
		return false
	}
	count := func(n *int64, ks ...Kind) {
		if reached(ks...) {
			*n++
		}
	}
	f.Connections++
	count(&f.Authorized, Authorized, TransferStarted, Completed, TransferFailed)
	count(&f.TransferStarted, TransferStarted, Completed, TransferFailed)
	count(&f.Completed, Completed)
	count(&f.Declined, Declined)
	count(&f.ConnectionFailed, ConnectionFailed)
	count(&f.TransferFailed, TransferFailed)
	count(&f.Revoked, Revoked)
	if j.Stalled {
		f.Stalled++
	}
	for i := range len(chain) - 1 {
		from, to := t[chain[i].kind], t[chain[i+1].kind]
		if !from.IsZero() && !to.IsZero() && !to.Before(from) {
			g.durations[i] = append(g.durations[i], to.Sub(from))
		}
	}
}

// finish fills in the patient counts and the conversions.
func (g *funnelGroup) finish() *conneventsv1.Funnel {
	f := g.f
	f.PatientsSearched = int64(len(g.patients[Searched]))
	f.PatientsSelected = int64(len(g.patients[Selected]))
	f.PatientsRequested = int64(len(g.patients[Requested]))
	counts := []int64{f.PatientsSearched, f.PatientsSelected, f.Authorized, f.TransferStarted, f.Completed}
	for i := range len(chain) - 1 {
		c := &conneventsv1.FunnelConversion{FromStep: chain[i].step, ToStep: chain[i+1].step}
		if counts[i] > 0 {
			c.Rate = float64(counts[i+1]) / float64(counts[i])
		}
		if d := g.durations[i]; len(d) > 0 {
			slices.Sort(d)
			c.Timed = int64(len(d))
			c.P50 = durationpb.New(percentile(d, 50))
			c.P90 = durationpb.New(percentile(d, 90))
		}
		f.Conversions = append(f.Conversions, c)
	}
	return f
}

// percentile returns the p-th percentile of sorted d by the nearest-rank
// method (an observed value, exact).
func percentile(d []time.Duration, p int) time.Duration {
	rank := (p*len(d) + 99) / 100 // ceil(p/100 * n)
	return d[max(rank, 1)-1]
}
