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
	if p := q.Filter.GetPatient(); p != "" {
		w = w.patientPage(p, order, int64(q.Limit))
	}
	limit := w.arg(int64(q.Limit))
	return w.clause() + " ORDER BY e.sequence " + order + " LIMIT " + limit, w.args, nil
}

// patientColumns are the columns the patient filter matches, each with an
// index of its own.
var patientColumns = []string{"e.external_id", "e.oneup_user_id", "e.fhir_patient_reference", "e.external_state"}

// patientPage returns the conditions of w for a patient p: the page is
// chosen among the first limit events (in order) that each patient column
// matches with every other condition of w. Each of those reads its own
// column's index and stops after a page, where an OR of the four would
// read and sort every event of the patient (thousands for a busy one).
func (w *where) patientPage(p, order string, limit int64) *where {
	out := &where{}
	branches := make([]string, len(patientColumns))
	for i, c := range patientColumns {
		conds := append([]string{c + " = " + out.arg(p)}, w.conds...)
		out.args = append(out.args, w.args...)
		branches[i] = "SELECT b.sequence FROM (SELECT e.sequence FROM events e WHERE " + strings.Join(conds, " AND ") +
			" ORDER BY e.sequence " + order + " LIMIT " + out.arg(limit) + ") b"
	}
	out.add("e.sequence IN (" + strings.Join(branches, " UNION ") + ")")
	return out
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
	// The most selective field present leads the plan: an identifier
	// (patient, org connection, journey: a few events), else types, else
	// outcomes (most of their values are rare). Every other enum and time
	// column is written +col, which keeps the planner (SQLite has no
	// statistics here) from walking a broad index (a source, a stage, an
	// API mode, a time range) whose range grows with the log instead.
	lead := leadingField(f)
	col := func(c string) string {
		if lead == "" || c == lead {
			return c
		}
		return "+" + c
	}
	identified := lead == "identifier"
	w.in(col("e.source"), enumValues(f.GetSources()))
	w.in(col("e.type"), enumValues(f.GetTypes()))
	w.in(col("e.stage"), enumValues(f.GetStages()))
	w.in(col("e.outcome"), enumValues(f.GetOutcomes()))
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

// leadingField is the column whose index should lead a filter's plan
// ("identifier" for any of the identifier columns), or "" to leave the
// choice to the planner.
func leadingField(f *conneventsv1.EventFilter) string {
	switch {
	case f.GetPatient() != "" || f.GetOrgConnectionId() != "" || f.GetConnectionId() != "":
		return "identifier"
	case len(f.GetTypes()) > 0:
		return "e.type"
	case len(f.GetOutcomes()) > 0:
		return "e.outcome"
	}
	return ""
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

func enumValues[E ~int32](values []E) []int32 {
	out := make([]int32, len(values))
	for i, v := range values {
		out[i] = int32(v)
	}
	return out
}
