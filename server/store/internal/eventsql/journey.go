package eventsql

import (
	"slices"
	"time"

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
	w := &where{}
	if f == nil {
		return nil, nil
	}
	w.in("j.source", enumValues(f.GetSources()))
	w.in("j.status", enumValues(f.GetStatuses()))
	w.in("j.stage", enumValues(f.GetStages()))
	w.term(patientTerm, f.GetPatient())
	w.term(healthSystemTerm, f.GetHealthSystem())
	if v := f.GetApiMode(); v != conneventsv1.ApiMode_API_MODE_UNSPECIFIED {
		w.add("j.api_mode = " + w.arg(int32(v)))
	}
	if v := TimestampNanos(f.GetLastEventAfter()); v != nil {
		w.add("j.last_event_at >= " + w.arg(*v))
	}
	if v := TimestampNanos(f.GetLastEventBefore()); v != nil {
		w.add("j.last_event_at < " + w.arg(*v))
	}
	if d := f.GetStalledFor(); d != nil {
		w.add("j.status = " + w.arg(int32(conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED)))
		w.add("j.stall_at <= " + w.arg(TimeNanos(now.Add(-d.AsDuration()))))
	}
	return w.conds, w.args
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
	conds, args := JourneyWhere(q.Filter, now)
	w := &where{conds: conds, args: args}
	order, cmp := "DESC", "<"
	if q.Order == store.Ascending {
		order, cmp = "ASC", ">"
	}
	if a := q.After; a != nil {
		w.add("(j.last_event_at, j.id) " + cmp + " (" + w.arg(TimeNanos(a.LastEventAt)) + ", " + w.arg(a.ID) + ")")
	}
	limit := w.arg(int64(q.Limit))
	return w.clause() + " ORDER BY j.last_event_at " + order + ", j.id " + order + " LIMIT " + limit, w.args, nil
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
