package eventsql

import (
	"cmp"
	"errors"
	"math"
	"strings"
	"time"

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
	order := "DESC"
	if q.Order == store.Ascending {
		order = "ASC"
	}
	f, lead := q.Filter, leadingField(q.Filter)
	conds := func(lead, seq string, before int64) *where {
		w := &where{}
		w.bounds(seq, q.After, before)
		w.filter(f, lead)
		return w
	}
	w := conds(lead, "e.sequence", q.Before)
	switch {
	case f.GetPatient() != "" && (f.GetConnectionId() != "" || f.GetOrgConnectionId() != ""):
		w.patientOf(f.GetPatient())
	case f.GetPatient() != "":
		w = w.patientPage(f.GetPatient(), order, int64(q.Limit))
	case lead != "identifier" && f.GetOccurredBefore() != nil:
		w = beforePage(conds, lead, *TimestampNanos(f.GetOccurredBefore()), q.Before, order, int64(q.Limit))
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
	branches := make([]*where, len(patientColumns))
	for i, c := range patientColumns {
		b := &where{}
		b.add(c + " = " + b.arg(p))
		b.conds, b.args = append(b.conds, w.conds...), append(b.args, w.args...)
		branches[i] = b
	}
	return union(branches, order, limit)
}

// patientOf adds the condition that an event is patient p's, any column,
// for a filter that names a connection too: the connection's index leads
// and p is tested on its events' rows, one walk of them. (A union of one
// branch per column, as patientPage's, would walk a busy connection once
// per column when p is not its patient.)
func (w *where) patientOf(p string) {
	terms := make([]string, len(patientColumns))
	for i, c := range patientColumns {
		terms[i] = c + " = " + w.arg(p)
	}
	w.add("(" + strings.Join(terms, " OR ") + ")")
}

// StragglerNanos is how far below the running maximum of occurred_at (15
// minutes) an event's occurred_at must be for it to be a straggler, kept
// in the partial index events_late. Its SQL form, StragglerSQL, must read
// exactly as the index's predicate (migration 10) for the planners to use
// the index.
const (
	StragglerNanos = int64(15 * time.Minute)
	StragglerSQL   = "e.occurred_at < e.occurred_max - 900000000000"
)

// beforePage returns the conditions of a page with an occurred_before
// bound t (and no identifier), from conds(lead, seq), the filter's
// conditions with lead's column left to lead the plan and the page's
// bounds written on seq; lead is the filter's enum column that leads its
// plan (a type or an outcome), or "" for none. Let Y be the first sequence
// whose running maximum of occurred_at reaches t + StragglerNanos. Before
// Y, the events that occurred before t are read along the sequence
// (recent, testing the time): every event before the first whose running
// maximum reaches t matches, and between that one and Y lies only what
// arrived while the running maximum was within the straggler window past
// t, a stretch as long as what arrives in that window, not as the log. From Y on, an event that occurred before t is a
// straggler, at least the window behind the running maximum (stragglers,
// read from events_late by time). Neither walks the log after t, as a walk
// in sequence order checking occurred_at would, nor every event that
// occurred before t, as a read of their times would.
func beforePage(conds func(lead, seq string, before int64) *where, lead string, t, before int64, order string, limit int64) *where {
	y := t + min(StragglerNanos, math.MaxInt64-t) // saturating
	// recent: one upper bound on the sequence (the page's and Y's in one)
	// and every column but lead's written +col, so that the sequence
	// leads, or seeks lead's index (enum, sequence) below the bound
	// instead of walking every event of a type down from the newest: given
	// two bounds, SQLite walks down from the page's and tests the other on
	// each row.
	recent := conds(cmp.Or(lead, "e.sequence"), "e.sequence", 0)
	if before > 0 {
		// Arguments are taken in the order they appear in the text.
		b, r := recent.arg(before), firstReaching(recent, y)
		recent.add("e.sequence < CASE WHEN " + b + " < " + r + " THEN " + recent.arg(before) +
			" ELSE " + firstReaching(recent, y) + " END")
	} else {
		recent.add("e.sequence < " + firstReaching(recent, y))
	}
	// The page's bounds are written +e.sequence: PostgreSQL cannot estimate
	// how few stragglers there are (the index's predicate compares two
	// columns), and given a sequence range it walked the range (a deep
	// page: 5 % of the log) testing each row instead.
	stragglers := conds("e.occurred_at", "+e.sequence", before)
	stragglers.add(StragglerSQL)
	stragglers.add("+e.sequence >= " + firstReaching(stragglers, y))
	// Sorted as an expression, so that no plan reads the table in sequence
	// order for it: the stragglers' index range, sorted, is the cheap way.
	stragglers.sortBy = "+e.sequence"
	return union([]*where{recent, stragglers}, order, limit)
}

// firstReaching is the SQL of the first sequence whose running maximum of
// occurred_at reaches t, or one past every sequence when none does.
func firstReaching(w *where, t int64) string {
	return "COALESCE((SELECT m.sequence FROM events m WHERE m.occurred_max >= " + w.arg(t) +
		" ORDER BY m.occurred_max, m.sequence LIMIT 1), 9223372036854775807)"
}

// union returns the condition that an event is among the first limit (in
// order) of one of branches.
func union(branches []*where, order string, limit int64) *where {
	return unionIn("e.sequence", "events e", branches, func(b *where) string {
		return cmp.Or(b.sortBy, "e.sequence") + " " + order
	}, limit)
}

// unionIn returns the condition that key (alias.column) is among the first limit keys of
// each branch: the rows of from (a table and its alias) that match the
// branch's conditions, in orderBy(branch). Each branch reads one index
// range and stops after limit rows; the caller orders and limits the union.
func unionIn(key, from string, branches []*where, orderBy func(*where) string, limit int64) *where {
	out := &where{}
	column := key[strings.IndexByte(key, '.')+1:]
	sqls := make([]string, len(branches))
	for i, b := range branches {
		out.args = append(out.args, b.args...)
		sqls[i] = "SELECT b." + column + " FROM (SELECT " + key + " FROM " + from + b.clause() +
			" ORDER BY " + orderBy(b) + " LIMIT " + out.arg(limit) + ") b"
	}
	out.add(key + " IN (" + strings.Join(sqls, " UNION ") + ")")
	return out
}

type where struct {
	conds []string
	args  []any
	// sortBy is how a union's branch is ordered ("" for e.sequence).
	sortBy string
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

func (w *where) bounds(seq string, after, before int64) {
	if after > 0 {
		w.add(seq + " > " + w.arg(after))
	}
	if before > 0 {
		w.add(seq + " < " + w.arg(before))
	}
}

// filter adds f's conditions. lead is the column whose index should lead
// the plan (leadingField's, or another column to have every filter column
// written +col).
func (w *where) filter(f *conneventsv1.EventFilter, lead string) {
	if f == nil {
		return
	}
	// Every enum and time column but lead's is written +col, which keeps
	// the planner (SQLite has no statistics here) from walking a broad
	// index (a source, a stage, an API mode, a time range) whose range grows
	// with the log instead of the one that reads little.
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

// leadingField is the column whose index should lead a filter's plan: the
// most selective field present, an identifier (patient, org connection,
// journey: a few events; "identifier" for any of them), else types, else
// outcomes (most of their values are rare); "" leaves the choice to the
// planner.
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
// With no such event the bound is past every sequence and nothing matches,
// rightly.
func (w *where) fromFirstAtOrAfter(t int64) {
	w.add("e.sequence >= " + firstReaching(w, t))
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
