package docs

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

// failureRow matches a row of the failure-reasons table that names one
// vendor code: | `FAILURE_REASON_X` | Fasten `code`… | or | … 1upHealth `subtype` |.
var failureRow = regexp.MustCompile("^\\| `(FAILURE_REASON_[A-Z_]+)` \\| (?:Fasten `failure_reason` |Fasten |every 1upHealth )`([a-z_-]+)`")

// TestFailureReasonsMatchNormalizers: every vendor code in docs/model.md's
// failure-reasons table normalizes to the reason it is listed with, and
// every failure_reason Fasten documents has a row.
func TestFailureReasonsMatchNormalizers(t *testing.T) {
	covered := map[string]bool{}
	for _, line := range strings.Split(readRepoFile(t, "docs/model.md"), "\n") {
		m := failureRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		want, code := m[1], m[2]
		covered[code] = true
		got, err := failureReasonOf(code)
		if err != nil {
			t.Errorf("%s: %v", code, err)
		} else if got != want {
			t.Errorf("%s normalizes to %s, docs/model.md says %s", code, got, want)
		}
	}
	for _, code := range append(fasten.FailureReasons(), oneup.SubtypeMemberDataIngestionTimeout,
		oneup.SubtypePayerConnectionNotEstablished, oneup.SubtypeResourceRetrievalFailure) {
		if !covered[code] {
			t.Errorf("the failure-reasons table has no row for %s", code)
		}
	}
}

// failureReasonOf normalizes a Fasten export failure with failure_reason
// code, or a 1upHealth AuditEvent of subtype code (codes with a hyphen).
func failureReasonOf(code string) (string, error) {
	if strings.Contains(code, "-") {
		ev, err := oneup.Normalize(fmt.Appendf(nil,
			`{"resourceType":"AuditEvent","id":"doc-1","recorded":"2026-01-01T00:00:00Z","subtype":[{"code":%q}]}`, code))
		return ev.GetFailure().GetReason().String(), err
	}
	ev, err := fasten.Normalize(fmt.Appendf(nil,
		`{"id":"doc-1","type":"patient.ehi_export_failed","data":{"failure_reason":%q}}`, code))
	return ev.GetFailure().GetReason().String(), err
}
