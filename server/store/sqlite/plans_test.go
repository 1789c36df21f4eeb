package sqlite

import (
	"slices"
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestPlans: no filter's plan scans the events table or walks its rowid
// range checking rows one by one (EXPLAIN QUERY PLAN; SQLite keeps no
// statistics here, so the plan is the same on any size of log), except a
// walk bounded by a time bound's first possible match or last in-order
// match (found by a probe of events_occurred_max): it reads only the part
// of the log the bound allows.
func TestPlans(t *testing.T) {
	storetest.RunPlans(t, openTemp(t), nil, func(plan []string, f storetest.NamedFilter) bool {
		if !usesIdentifierIndex(plan, f) {
			return true // walks an index whose range grows with the log
		}
		// A walk up from where an occurred_after bound can first match
		// reads only what the bound allows; so does, for occurred_before,
		// a walk of the in-order part beside a read of the late events'
		// index (without that read, the late events would be a walk).
		after := f.Filter.GetOccurredAfter() != nil && probes(plan, "events_occurred_max")
		before := f.Filter.GetOccurredBefore() != nil && probes(plan, "events_occurred_max") && probes(plan, "events_late")
		for _, line := range plan {
			walk := strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid")
			if walk && (before || after && strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid>")) {
				continue
			}
			if strings.HasPrefix(line, "SCAN e") ||
				strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid<") ||
				strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid>") {
				return true
			}
		}
		return false
	})
}

// probes reports whether the plan searches index.
func probes(plan []string, index string) bool {
	for _, line := range plan {
		if strings.Contains(line, "INDEX "+index+" ") {
			return true
		}
	}
	return false
}

// usesIdentifierIndex reports whether a filter with an identifier (patient,
// org connection, journey) is read through that identifier's index, not
// through an enum's or a time's, whose ranges grow with the log.
func usesIdentifierIndex(plan []string, f storetest.NamedFilter) bool {
	var index string
	switch {
	case f.Filter.GetConnectionId() != "":
		index = "events_connection_id"
	case f.Filter.GetOrgConnectionId() != "":
		index = "events_org_connection_id"
	case f.Filter.GetPatient() != "":
		index = "events_external_id"
	default:
		return true
	}
	return probes(plan, index)
}

// TestJourneyPlans: no connection filter's plan scans the journeys table;
// none with a selective field (a status, a stage, a patient, ...) walks the
// journeys by last activity (journeys_last_event) checking each; and none
// but a patient's or a health system's reads every match to sort it (a
// filter led by an enum reads a page of ids, one page per value, from the
// lead's index, then sorts those pages only).
func TestJourneyPlans(t *testing.T) {
	storetest.RunJourneyPlans(t, openTemp(t), nil, func(plan []string, f storetest.NamedJourneyFilter) bool {
		pages := slices.ContainsFunc(plan, func(line string) bool { // the page's ids, read first
			return line == "CO-ROUTINE b" || strings.HasPrefix(line, "LIST SUBQUERY")
		})
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN j") && !f.Common ||
				f.Selective && strings.Contains(line, "INDEX journeys_last_event") ||
				!f.Term && !f.Common && !pages && strings.HasPrefix(line, "USE TEMP B-TREE FOR ORDER BY") {
				return true
			}
		}
		return false
	})
}

// TestEnumIndexesCarryFilterColumns: the type and outcome indexes (the
// leads of a filter with a rare type or outcome) hold the other filter
// columns after the sequence, so that a second field is tested on the index
// entry and only matches read their row (a type of 0.4 % with a field it
// never occurs with: 12–15 ms at 1,000,000 events without, 0.5 ms with;
// docs/benchmarks.md). The sequence stays second: a page's order.
func TestEnumIndexesCarryFilterColumns(t *testing.T) {
	s := openTemp(t)
	want := map[string][]string{
		"events_type":    {"type", "sequence", "stage", "outcome", "api_mode", "source", "occurred_at"},
		"events_outcome": {"outcome", "sequence", "type", "stage", "api_mode", "source", "occurred_at"},
	}
	for index, columns := range want {
		rows, err := s.read.QueryContext(t.Context(), "SELECT name FROM pragma_index_info(?) ORDER BY seqno", index)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			got = append(got, name)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, columns) {
			t.Errorf("%s: columns %v, want %v", index, got, columns)
		}
	}
}

// TestPatientOfAConnectionWalksItOnce: a patient and a connection together
// walk the connection's index once, testing the patient on each row, not
// once per patient column (a busy connection and a patient who is not its
// own: 36 → 13 ms at 1,000,000 events; one who is: 26 → 0.6 ms).
func TestPatientOfAConnectionWalksItOnce(t *testing.T) {
	s := openTemp(t)
	for _, f := range []*conneventsv1.EventFilter{
		{Patient: "patient-1", ConnectionId: "cnx_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{Patient: "patient-1", OrgConnectionId: "orgconn-1"},
	} {
		plan, err := s.ExplainList(t.Context(), store.Query{Filter: f, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		if len(plan) != 1 || !strings.Contains(text, "_connection_id (") {
			t.Errorf("%v: plan\n%s\nwant one search of the connection's index", f, text)
		}
	}
}
