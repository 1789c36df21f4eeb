package sqlite

import (
	"strings"
	"testing"

	"github.com/connevents/connevents/server/store/storetest"
)

// TestPlans: no filter's plan scans the events table or walks its rowid
// range checking rows one by one (EXPLAIN QUERY PLAN; SQLite keeps no
// statistics here, so the plan is the same on any size of log). Known gap:
// an occurred_at bound alone walks the log in sequence order (the
// occurred_at index is not in sequence order, and without statistics
// SQLite prefers the order the page needs).
func TestPlans(t *testing.T) {
	storetest.RunPlans(t, openTemp(t), nil, func(plan []string, _ storetest.NamedFilter) bool {
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN e") ||
				strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid<") ||
				strings.HasPrefix(line, "SEARCH e USING INTEGER PRIMARY KEY (rowid>") {
				return true
			}
		}
		return false
	}, "occurred_after", "occurred_before")
}
