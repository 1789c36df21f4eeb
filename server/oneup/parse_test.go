package oneup

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/reason"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compact returns b on one line (NDJSON needs one resource per line).
func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// wantItems checks each item's outcome: "" for accepted, else the reason.
func wantItems(t *testing.T, items []Item, want ...reason.Reason) {
	t.Helper()
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, it := range items {
		if (it.Event == nil) == (it.Err == nil) {
			t.Errorf("item %d: exactly one of Event and Err must be set", i)
		}
		if got := reason.Of(it.Err); got != want[i] {
			t.Errorf("item %d: reason %q, want %q (err %v)", i, got, want[i], it.Err)
		}
	}
}

func TestParseSingle(t *testing.T) {
	raw := readFixture(t, "system-selected")
	items, err := Parse("application/fhir+json; charset=utf-8", raw)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, items, "")
	if !bytes.Equal(items[0].Raw, bytes.TrimSpace(raw)) || !bytes.Equal(items[0].Event.GetRaw(), items[0].Raw) {
		t.Error("Raw is not the resource bytes")
	}
}

func TestParseSingleWrongResourceType(t *testing.T) {
	items, err := Parse("application/json", []byte(`{"resourceType":"Patient","id":"p1"}`))
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, items, reason.NotAnAuditEvent)
}

func TestParseBundleMixed(t *testing.T) {
	a, b := readFixture(t, "system-selected"), readFixture(t, "member-data-ingestion-timeout")
	body := []byte(`{"resourceType":"Bundle","type":"searchset","total":7,"entry":[` +
		`{"fullUrl":"https://x/r4/AuditEvent/1","resource":` + string(a) + `},` +
		`{"resource":{"resourceType":"OperationOutcome","id":"oo"}},` +
		`{"resource":{"resourceType":"AuditEvent","recorded":"2026-01-01T00:00:00Z"}},` +
		`{"resource":{"resourceType":"AuditEvent","id":"no-time"}},` +
		`{"fullUrl":"x"},` + `"not an object",` +
		`{"resource":` + string(b) + `}]}`)
	items, err := Parse("application/fhir+json", body)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, items, "", reason.NotAnAuditEvent, reason.MissingID, reason.MissingRecorded,
		reason.MalformedEntry, reason.MalformedEntry, "")
	if !bytes.Equal(items[0].Raw, bytes.TrimSpace(a)) || !bytes.Equal(items[6].Raw, bytes.TrimSpace(b)) {
		t.Error("Raw of a Bundle entry is not the resource's own bytes")
	}
}

func TestParseNDJSONWithBadLine(t *testing.T) {
	a := compact(t, readFixture(t, "system-selected"))
	b := compact(t, readFixture(t, "resource-ingestion-result"))
	body := bytes.Join([][]byte{a, []byte(`{"resourceType":"AuditEvent",`), {}, []byte("   "), b, []byte(`[1,2]`), {}}, []byte("\r\n"))
	items, err := Parse("application/fhir+ndjson", body)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, items, "", reason.MalformedJSON, "", reason.MalformedJSON)
	if !bytes.Equal(items[0].Raw, a) || !bytes.Equal(items[2].Raw, b) {
		t.Error("Raw of an NDJSON line is not the line")
	}
}

func TestParseWholePayloadErrors(t *testing.T) {
	tests := []struct {
		name, ct, body string
		reason         reason.Reason
	}{
		{"not json", "application/fhir+json", `{"resourceType":`, reason.MalformedJSON},
		{"empty", "application/json", ``, reason.MalformedJSON},
		{"array", "application/json", `[{"resourceType":"AuditEvent"}]`, reason.MalformedJSON},
		{"entry not array", "application/fhir+json", `{"resourceType":"Bundle","entry":{"a":1}}`, reason.MalformedBundle},
		{"xml", "application/fhir+xml", `<AuditEvent/>`, reason.UnsupportedMediaType},
		{"no type", "", `{}`, reason.UnsupportedMediaType},
		{"too many lines", "application/fhir+ndjson", strings.Repeat("x\n\n", MaxPushItems+1), reason.TooManyItems},
		{"too many entries", "application/fhir+json",
			`{"resourceType":"Bundle","entry":[` + strings.Repeat(`{},`, MaxPushItems) + `{}]}`, reason.TooManyItems},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse(tt.ct, []byte(tt.body))
			if got := reason.Of(err); got != tt.reason || items != nil {
				t.Errorf("reason %q, want %q (items %v)", got, tt.reason, items)
			}
		})
	}
}

// Exactly MaxPushItems items (blank lines not counted) are parsed.
func TestParseAtTheItemLimit(t *testing.T) {
	items, err := Parse("application/fhir+ndjson", []byte(strings.Repeat("x\n\n", MaxPushItems)))
	if err != nil || len(items) != MaxPushItems {
		t.Fatalf("%d items, %v", len(items), err)
	}
}

func TestParseEmptyBundleAndNDJSON(t *testing.T) {
	for ct, body := range map[string]string{
		"application/fhir+json":  `{"resourceType":"Bundle","type":"searchset","total":0}`,
		"application/x-ndjson":   "\n\n",
		"APPLICATION/FHIR+JSON ": `{"resourceType":"Bundle","entry":null}`,
	} {
		items, err := Parse(ct, []byte(body))
		if err != nil || len(items) != 0 {
			t.Errorf("%s: items %v err %v", ct, items, err)
		}
	}
}

func TestParseIgnoresByteOrderMark(t *testing.T) {
	items, err := Parse("application/fhir+json", append([]byte("\uFEFF"), readFixture(t, "system-selected")...))
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, items, "")
}

// TestParseUnsupportedNamesEveryAcceptedType: the 415 message lists every
// content type Parse accepts, and each one it lists is accepted.
func TestParseUnsupportedNamesEveryAcceptedType(t *testing.T) {
	_, err := Parse("text/csv", []byte("a,b"))
	var rej *reason.Error
	if !errors.As(err, &rej) {
		t.Fatalf("text/csv: %v, want a *reason.Error", err)
	}
	for _, ct := range []string{"application/fhir+json", "application/json", "application/fhir+ndjson", "application/x-ndjson", "application/ndjson"} {
		if !strings.Contains(err.Error(), ct) {
			t.Errorf("the message %q does not list %s", err, ct)
		}
		if _, err := Parse(ct, []byte(`{"resourceType":"Bundle"}`)); reason.Of(err) == reason.UnsupportedMediaType {
			t.Errorf("%s is listed but refused", ct)
		}
	}
}
