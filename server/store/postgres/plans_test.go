package postgres

import (
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestPlans: with statistics of a log of storetest.PlanEvents events, no
// filter's plan reads the events table sequentially or walks its primary
// key checking rows one by one (a probe of one sequence is fine; so is a
// walk for a filter of common values only, which finds a page within a few
// rows per match), nor a walk bounded by a time bound's first possible or
// last in-order match (an InitPlan probe of events_occurred_max).
func TestPlans(t *testing.T) {
	s := openTemp(t)
	analyze := func(t *testing.T) {
		if err := s.Analyze(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	storetest.RunPlans(t, s, analyze, func(plan []string, f storetest.NamedFilter) bool {
		return scansEvents(plan, f.Common)
	})
}

// scansEvents reports whether an EXPLAIN plan scans events sequentially or
// (unless common) by a range of its primary key.
func scansEvents(plan []string, common bool) bool {
	for i, line := range plan {
		if strings.Contains(line, "Seq Scan on events") {
			return true
		}
		if common || !strings.Contains(line, "using events_pkey on events") {
			continue
		}
		probe := false
		for _, detail := range plan[i+1:] {
			if strings.Contains(detail, "->") {
				break
			}
			if strings.Contains(detail, "Index Cond: (") && strings.Contains(detail, "sequence = ") {
				probe = true
			}
			if strings.Contains(detail, "Index Cond: (") && timeBounded(detail) {
				probe = true // a walk between a time bound's limits
			}
		}
		if !probe {
			return true
		}
	}
	return false
}

// timeBounded reports whether an Index Cond bounds the sequence by an
// occurred_max probe (an InitPlan's $n): the first event that can match an
// occurred_after bound, or the end of an occurred_before's in-order part
// (alone, or with a page's bound in a CASE).
func timeBounded(cond string) bool {
	return strings.Contains(cond, "sequence >= COALESCE($") || strings.Contains(cond, "sequence < COALESCE($") ||
		strings.Contains(cond, "sequence < CASE WHEN") && strings.Contains(cond, "COALESCE($")
}

// TestJourneyPlans: with statistics, no connection filter's plan reads the
// journeys table sequentially (unless it selects most journeys), and none
// with a selective field (a status, a stage, a patient, ...) walks every
// journey by last activity (journeys_last_event) checking each.
func TestJourneyPlans(t *testing.T) {
	s := openTemp(t)
	analyze := func(t *testing.T) {
		if err := s.Analyze(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	storetest.RunJourneyPlans(t, s, analyze, func(plan []string, f storetest.NamedJourneyFilter) bool {
		for _, line := range plan {
			if strings.Contains(line, "Seq Scan on journeys") && !f.Common {
				return true
			}
			if f.Selective && strings.Contains(line, "journeys_last_event") {
				return true
			}
		}
		return false
	})
}

// TestRareTypeOfACommonSourceWalksTheTypeIndex: a rare event type whose
// events all share one source (every CONNECTION_FAILED is Fasten's) is
// paged by walking the type's index down to a page, not by reading and
// sorting every event of the type, which grows with the log. The filter
// writes the source as +source; without statistics on that expression
// (migration 11) PostgreSQL took it for 0.5 % of the rows and expected a
// handful of matches.
func TestRareTypeOfACommonSourceWalksTheTypeIndex(t *testing.T) {
	s := openTemp(t)
	const n = 20_000
	for lo := 0; lo < n; lo += 1000 {
		batch := make([]*conneventsv1.ConnectionEvent, 1000)
		for i := range batch {
			ev := storetest.SampleEvent(lo + i)
			if (lo+i)%2 == 1 {
				ev.Source = conneventsv1.Source_SOURCE_ONEUP
			}
			if (lo+i)%20 == 0 { // 5 %, all of them Fasten's
				ev.Type = conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED
			}
			batch[i] = ev
		}
		if _, err := s.Append(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Analyze(t.Context()); err != nil {
		t.Fatal(err)
	}
	plan, err := s.ExplainList(t.Context(), store.Query{Limit: 100, Filter: &conneventsv1.EventFilter{
		Sources: []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN},
		Types:   []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "Index Scan Backward using events_type") {
		t.Errorf("the page does not walk the type's index:\n%s", text)
	}
}
