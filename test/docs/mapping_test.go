package docs

import (
	"fmt"
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

// mappingRow is one row of docs/model.md's mapping table.
type mappingRow struct {
	source, vendorType, condition, eventType, stage, outcome string
}

// TestMappingTableMatchesNormalizers builds a minimal event for every row
// of the mapping table, normalizes it with the vendor's normalizer, and
// checks the type, stage and outcome the row promises.
func TestMappingTableMatchesNormalizers(t *testing.T) {
	rows := mappingTable(t, readRepoFile(t, "docs/model.md"))
	if len(rows) < 20 {
		t.Fatalf("parsed %d rows of the mapping table", len(rows))
	}
	covered := map[string]bool{}
	for _, row := range rows {
		covered[row.vendorType] = true
		for _, c := range casesOf(t, row) {
			t.Run(c.name, func(t *testing.T) {
				ev, err := c.normalize()
				if err != nil {
					t.Fatalf("normalize: %v", err)
				}
				got := fmt.Sprintf("%v %v %v", ev.GetType(), ev.GetStage(), ev.GetOutcome())
				want := fmt.Sprintf("%s %s %s", row.eventType, row.stage, c.outcome)
				if got != want {
					t.Errorf("normalized to %s, docs/model.md says %s", got, want)
				}
			})
		}
	}
	for _, typ := range append(fasten.EventTypes(), oneup.AllSubtypes()...) {
		if !covered[typ] {
			t.Errorf("the mapping table has no row for %s", typ)
		}
	}
}

// mappingTable returns the rows of the table under "## Mapping table".
func mappingTable(t *testing.T, model string) []mappingRow {
	t.Helper()
	_, section, ok := strings.Cut(model, "\n## Mapping table\n")
	if !ok {
		t.Fatal("docs/model.md has no \"## Mapping table\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []mappingRow
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) != 8 || cells[0] != "" || cells[7] != "" {
			continue
		}
		cells = cells[1:7]
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == "source" || strings.HasPrefix(cells[0], "---") {
			continue
		}
		rows = append(rows, mappingRow{cells[0], unquote(cells[1]), cells[2], unquote(cells[3]), unquote(cells[4]), unquote(cells[5])})
	}
	return rows
}

func unquote(cell string) string { return strings.Trim(cell, "`") }

type mappingCase struct {
	name, outcome string
	normalize     func() (*conneventsv1.ConnectionEvent, error)
}

// casesOf turns a row into events to normalize; "either" rows give one of
// each source.
func casesOf(t *testing.T, row mappingRow) []mappingCase {
	t.Helper()
	switch row.source {
	case "Fasten":
		return []mappingCase{fastenCase(t, row)}
	case "1upHealth":
		return []mappingCase{oneupCase(t, row)}
	case "either":
		f, o := row, row
		f.vendorType, o.vendorType = "patient.something_new", "some-new-subtype"
		f.outcome = "OUTCOME_UNSPECIFIED"
		return []mappingCase{fastenCase(t, f), oneupCase(t, o)}
	}
	t.Fatalf("mapping table: unknown source %q", row.source)
	return nil
}

// fastenCase builds a delivery of the row's type; a condition on
// connection_status sets that status ("any other" sends "pending").
func fastenCase(t *testing.T, row mappingRow) mappingCase {
	t.Helper()
	data := "{}"
	switch {
	case row.condition == "":
	case strings.HasPrefix(row.condition, "`connection_status` is "):
		data = fmt.Sprintf(`{"connection_status":%q}`, unquote(strings.TrimPrefix(row.condition, "`connection_status` is ")))
	case strings.HasPrefix(row.condition, "any other status"):
		data = `{"connection_status":"pending"}`
	default:
		t.Fatalf("mapping table: no test for Fasten condition %q", row.condition)
	}
	body := fmt.Sprintf(`{"id":"doc-1","type":%q,"date":"2026-01-01T00:00:00Z","data":%s}`, row.vendorType, data)
	return mappingCase{
		name:      "fasten/" + row.vendorType + "/" + row.condition,
		outcome:   row.outcome,
		normalize: func() (*conneventsv1.ConnectionEvent, error) { return fasten.Normalize([]byte(body)) },
	}
}

// oneupCase builds an AuditEvent of the row's subtype. A row whose outcome
// is "the AuditEvent's" is tried without an outcome (expecting
// OUTCOME_UNSPECIFIED), or, when its condition asks for a failure outcome,
// with outcome 4.
func oneupCase(t *testing.T, row mappingRow) mappingCase {
	t.Helper()
	outcome, member := row.outcome, ""
	switch {
	case row.condition == "", row.condition == "not a failure and not declined":
	case strings.HasPrefix(row.condition, "failure outcome"):
		member, outcome = `"outcome":"4",`, "OUTCOME_MINOR_FAILURE"
	default:
		t.Fatalf("mapping table: no test for 1upHealth condition %q", row.condition)
	}
	if strings.HasPrefix(row.outcome, "the AuditEvent's") && member == "" {
		outcome = "OUTCOME_UNSPECIFIED"
	}
	body := fmt.Sprintf(`{"resourceType":"AuditEvent","id":"doc-1",%s"recorded":"2026-01-01T00:00:00Z","subtype":[{"code":%q}]}`,
		member, row.vendorType)
	return mappingCase{
		name:      "oneup/" + row.vendorType + "/" + row.condition,
		outcome:   outcome,
		normalize: func() (*conneventsv1.ConnectionEvent, error) { return oneup.Normalize([]byte(body)) },
	}
}
