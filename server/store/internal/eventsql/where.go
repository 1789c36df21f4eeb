package eventsql

import (
	"errors"
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// errBadLimit is returned for a Query whose Limit is not positive.
var errBadLimit = errors.New("store: query limit must be > 0")

// Select builds the part of a List statement after "FROM events e ...": the
// WHERE clause, the ORDER BY and the LIMIT, with their arguments. Columns are
// qualified with the alias e; placeholders are ?.
func Select(q store.Query) (string, []any, error) {
	if q.Limit <= 0 {
		return "", nil, errBadLimit
	}
	w := &where{}
	w.bounds(q.After, q.Before)
	w.filter(q.Filter)
	order := "DESC"
	if q.Order == store.Ascending {
		order = "ASC"
	}
	limit := w.arg(int64(q.Limit))
	return w.clause() + " ORDER BY e.sequence " + order + " LIMIT " + limit, w.args, nil
}

type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "?"
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func (w *where) bounds(after, before int64) {
	if after > 0 {
		w.add("e.sequence > " + w.arg(after))
	}
	if before > 0 {
		w.add("e.sequence < " + w.arg(before))
	}
}

func (w *where) filter(f *conneventsv1.EventFilter) {
	if f == nil {
		return
	}
	// An identifier (patient, org connection, journey) matches few events:
	// its index must drive the plan. A unary + keeps the planner (SQLite
	// has no statistics to tell) from walking an enum's or a time's index
	// instead, whose range grows with the log.
	col := func(c string) string { return c }
	identified := f.GetPatient() != "" || f.GetOrgConnectionId() != "" || f.GetConnectionId() != ""
	if identified {
		col = func(c string) string { return "+" + c }
	}
	w.in(col("e.source"), enumValues(f.GetSources()))
	w.in(col("e.type"), enumValues(f.GetTypes()))
	w.in(col("e.stage"), enumValues(f.GetStages()))
	w.in(col("e.outcome"), enumValues(f.GetOutcomes()))
	w.patient(f.GetPatient())
	if v := f.GetOrgConnectionId(); v != "" {
		w.add("e.org_connection_id = " + w.arg(v))
	}
	if v := f.GetConnectionId(); v != "" {
		w.add("e.connection_id = " + w.arg(v))
	}
	if v := f.GetApiMode(); v != conneventsv1.ApiMode_API_MODE_UNSPECIFIED {
		w.add(col("e.api_mode") + " = " + w.arg(int32(v)))
	}
	if v := TimestampNanos(f.GetOccurredAfter()); v != nil {
		w.add(col("e.occurred_at") + " >= " + w.arg(*v))
		if !identified {
			w.fromFirstAtOrAfter(*v)
		}
	}
	if v := TimestampNanos(f.GetOccurredBefore()); v != nil {
		w.add(col("e.occurred_at") + " < " + w.arg(*v))
	}
}

// fromFirstAtOrAfter bounds the sequence from below by the first event whose
// running maximum of occurred_at (occurred_max, which never decreases along
// the log) reaches t: no event before it occurred at or after t. One probe
// of the occurred_max index; the list then reads only the log from there.
// With no such event the bound is NULL and nothing matches, rightly.
func (w *where) fromFirstAtOrAfter(t int64) {
	w.add("e.sequence >= (SELECT m.sequence FROM events m WHERE m.occurred_max >= " + w.arg(t) +
		" ORDER BY m.occurred_max, m.sequence LIMIT 1)")
}

func (w *where) in(column string, values []int32) {
	if len(values) == 0 {
		return
	}
	marks := make([]string, len(values))
	for i, v := range values {
		marks[i] = w.arg(v)
	}
	w.add(column + " IN (" + strings.Join(marks, ", ") + ")")
}

func (w *where) patient(p string) {
	if p == "" {
		return
	}
	w.add("(e.external_id = " + w.arg(p) + " OR e.oneup_user_id = " + w.arg(p) +
		" OR e.fhir_patient_reference = " + w.arg(p) + " OR e.external_state = " + w.arg(p) + ")")
}

func enumValues[E ~int32](values []E) []int32 {
	out := make([]int32, len(values))
	for i, v := range values {
		out[i] = int32(v)
	}
	return out
}
