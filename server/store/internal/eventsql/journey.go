package eventsql

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// The prefixes of journey lookup terms.
const (
	patientTerm      = "p:"
	healthSystemTerm = "h:"
)

// JourneyTerms returns the lookup terms of a journey, sorted and distinct:
// one per patient identifier (ConnectionFilter.patient) and one per health
// system id or name (ConnectionFilter.health_system).
func JourneyTerms(j *conneventsv1.ConnectionJourney) []string {
	var terms []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			if v != "" {
				terms = append(terms, prefix+v)
			}
		}
	}
	p, h := j.GetPatient(), j.GetHealthSystem()
	add(patientTerm, p.GetExternalId(), p.GetOneupUserId(), p.GetFhirPatientReference(), p.GetExternalState())
	add(healthSystemTerm, h.GetEndpointId(), h.GetPortalId(), h.GetBrandId(), h.GetTefcaDirectoryId(),
		h.GetOrgId(), h.GetOneupSystemId(), h.GetName())
	slices.Sort(terms)
	return slices.Compact(terms)
}

// JourneyWhere returns the conditions (ANDed, without WHERE) of a journey
// filter over the journeys table aliased j, with their arguments. now is the
// time StalledFor is measured at.
func JourneyWhere(f *conneventsv1.ConnectionFilter, now time.Time) ([]string, []any) {
	w := journeyWhere(f, now, "")
	return w.conds, w.args
}

// journeyWhere is JourneyWhere with every enum column but lead's written
// +col, which keeps the planner (SQLite has no statistics here) on lead's
// index ("" leaves the choice to it).
func journeyWhere(f *conneventsv1.ConnectionFilter, now time.Time, lead string) *where {
	w := &where{}
	if f == nil {
		return w
	}
	col := func(c string) string {
		if lead == "" || c == lead {
			return c
		}
		return "+" + c
	}
	w.in(col("j.source"), enumValues(f.GetSources()))
	w.in(col("j.status"), enumValues(f.GetStatuses()))
	w.in(col("j.stage"), enumValues(f.GetStages()))
	w.term(patientTerm, f.GetPatient())
	w.term(healthSystemTerm, f.GetHealthSystem())
	if v := f.GetApiMode(); v != conneventsv1.ApiMode_API_MODE_UNSPECIFIED {
		w.add(col("j.api_mode") + " = " + w.arg(int32(v)))
	}
	if v := TimestampNanos(f.GetLastEventAfter()); v != nil {
		w.add("j.last_event_at >= " + w.arg(*v))
	}
	if v := TimestampNanos(f.GetLastEventBefore()); v != nil {
		w.add("j.last_event_at < " + w.arg(*v))
	}
	if d := f.GetStalledFor(); d != nil {
		w.add(col("j.status") + " = " + w.arg(int32(conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED)))
		w.add("j.stall_at <= " + w.arg(TimeNanos(now.Add(-d.AsDuration()))))
	}
	return w
}

// journeyLead is the column whose index should lead a journey filter's
// plan: the most selective field present, a lookup term (a patient or a
// health system: "term"), else the status (statuses or stalled_for), else
// the stage, else the API mode, else the source; "" (times only) leaves
// the choice to the planner. Each has an index ordered like a page.
func journeyLead(f *conneventsv1.ConnectionFilter) string {
	switch {
	case f.GetPatient() != "" || f.GetHealthSystem() != "":
		return "term"
	case len(f.GetStatuses()) > 0 || f.GetStalledFor() != nil:
		return "j.status"
	case len(f.GetStages()) > 0:
		return "j.stage"
	case f.GetApiMode() != conneventsv1.ApiMode_API_MODE_UNSPECIFIED:
		return "j.api_mode"
	case len(f.GetSources()) > 0:
		return "j.source"
	}
	return ""
}

// perLeadValue splits f into one filter per value of its lead column (f
// alone when the lead has one value): an index ordered like a page gives
// one value's journeys in order, where an IN list of several would read and
// sort all of them.
func perLeadValue(f *conneventsv1.ConnectionFilter, lead string) []*conneventsv1.ConnectionFilter {
	var n int
	var set func(b *conneventsv1.ConnectionFilter, i int)
	switch lead {
	case "j.status":
		n = len(f.GetStatuses())
		set = func(b *conneventsv1.ConnectionFilter, i int) { b.Statuses = f.GetStatuses()[i : i+1] }
	case "j.stage":
		n = len(f.GetStages())
		set = func(b *conneventsv1.ConnectionFilter, i int) { b.Stages = f.GetStages()[i : i+1] }
	case "j.source":
		n = len(f.GetSources())
		set = func(b *conneventsv1.ConnectionFilter, i int) { b.Sources = f.GetSources()[i : i+1] }
	}
	if n < 2 {
		return []*conneventsv1.ConnectionFilter{f}
	}
	out := make([]*conneventsv1.ConnectionFilter, n)
	for i := range out {
		out[i] = proto.CloneOf(f)
		set(out[i], i)
	}
	return out
}

func (w *where) term(prefix, value string) {
	if value != "" {
		w.add("j.id IN (SELECT t.journey_id FROM journey_terms t WHERE t.term = " + w.arg(prefix+value) + ")")
	}
}

// SelectJourneys builds the part of a ListJourneys statement after
// "FROM journeys j": WHERE, ORDER BY and LIMIT, with their arguments.
func SelectJourneys(q store.JourneyQuery, now time.Time) (string, []any, error) {
	if q.Limit <= 0 {
		return "", nil, errBadLimit
	}
	order, cmp := "DESC", "<"
	if q.Order == store.Ascending {
		order, cmp = "ASC", ">"
	}
	lead := journeyLead(q.Filter)
	page := func(f *conneventsv1.ConnectionFilter) *where {
		w := journeyWhere(f, now, lead)
		if a := q.After; a != nil {
			w.add("(j.last_event_at, j.id) " + cmp + " (" + w.arg(TimeNanos(a.LastEventAt)) + ", " + w.arg(a.ID) + ")")
		}
		return w
	}
	orderBy := "j.last_event_at " + order + ", j.id " + order
	w := page(q.Filter)
	if lead != "" && lead != "term" {
		// The page's ids first, from lead's index alone (it holds every
		// enum column, so a second field is checked there, without reading
		// rows: PostgreSQL reads it index-only), then their rows.
		fs := perLeadValue(q.Filter, lead)
		branches := make([]*where, len(fs))
		for i, f := range fs {
			branches[i] = page(f)
		}
		w = unionIn("j.id", "journeys j", branches, func(*where) string { return orderBy }, int64(q.Limit))
	}
	limit := w.arg(int64(q.Limit))
	return w.clause() + " ORDER BY " + orderBy + " LIMIT " + limit, w.args, nil
}

// SelectChanges builds the part of a ListJourneyChanges statement after
// "FROM journey_changes c LEFT JOIN journeys j ON j.id = c.journey_id".
func SelectChanges(q store.ChangeQuery, now time.Time) (string, []any, error) {
	if q.Limit <= 0 {
		return "", nil, errBadLimit
	}
	conds, args := JourneyWhere(q.Filter, now)
	w := &where{conds: conds, args: args}
	if q.After > 0 {
		w.add("c.change_seq > " + w.arg(q.After))
	}
	if q.Before > 0 {
		w.add("c.change_seq < " + w.arg(q.Before))
	}
	limit := w.arg(int64(q.Limit))
	return w.clause() + " ORDER BY c.change_seq LIMIT " + limit, w.args, nil
}
