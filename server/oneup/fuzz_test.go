package oneup

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// fuzzContentTypes are the content types FuzzParse picks from.
func fuzzContentTypes() []string {
	return []string{"application/fhir+json", "application/fhir+ndjson", "application/json; charset=utf-8", "text/plain"}
}

// FuzzParse feeds arbitrary payloads (seeds: AuditEvents, Bundles, NDJSON
// in testdata/fuzz/FuzzParse) through Parse.
func FuzzParse(f *testing.F) {
	f.Add(uint8(0), []byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"AuditEvent","id":"a","recorded":"2026-01-01T00:00:00Z"}}]}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		cts := fuzzContentTypes()
		items, err := Parse(cts[int(kind)%len(cts)], body)
		if err != nil {
			checkReject(t, err)
			if items != nil {
				t.Fatal("items returned with a whole-payload error")
			}
			return
		}
		for _, it := range items {
			checkItem(t, it)
		}
	})
}

// FuzzNormalize feeds arbitrary resources (seeds in
// testdata/fuzz/FuzzNormalize) through Normalize.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"resourceType":"AuditEvent","id":"a","recorded":"2026-01-01T00:00:00Z","outcome":"8"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Normalize(raw)
		if err != nil {
			checkReject(t, err)
			return
		}
		checkEvent(t, ev, raw)
	})
}

func checkReject(t *testing.T, err error) {
	t.Helper()
	var r *reason.Error
	if !errors.As(err, &r) || r.Reason == "" || r.Message == "" {
		t.Fatalf("error is not a *reason.Error with a reason: %v", err)
	}
}

func checkItem(t *testing.T, it Item) {
	t.Helper()
	if (it.Event == nil) == (it.Err == nil) {
		t.Fatal("exactly one of Event and Err must be set")
	}
	if it.Err != nil {
		checkReject(t, it.Err)
		return
	}
	checkEvent(t, it.Event, it.Raw)
}

func checkEvent(t *testing.T, ev *conneventsv1.ConnectionEvent, raw []byte) {
	t.Helper()
	if ev.GetSource() != conneventsv1.Source_SOURCE_ONEUP || ev.GetSourceEventId() == "" {
		t.Fatalf("accepted event without source or id: %v", ev)
	}
	if ev.GetStage() == conneventsv1.Stage_STAGE_UNSPECIFIED || ev.GetOccurredAt().CheckValid() != nil {
		t.Fatalf("accepted event without stage or valid occurred_at: %v", ev)
	}
	if !bytes.Equal(ev.GetRaw(), raw) {
		t.Fatal("Raw differs from the input")
	}
	if _, err := proto.Marshal(ev); err != nil {
		t.Fatalf("event does not marshal: %v", err)
	}
}
